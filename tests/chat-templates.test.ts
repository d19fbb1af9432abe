// Real chat templates (tests/fixtures/chat-templates: Llama 3.1, Llama 3.2, Qwen2.5, Gemma 2, Phi-3.5, SmolLM2,
// Mistral v0.3 / Nemo) rendered by kotodama's renderChat and compared with two independent references: the
// published renderings in the fixtures (huggingface.js's e2e targets, llama.cpp's test-chat-template.cpp
// expectations) and llama.cpp's own C++ Jinja engine run here through node-llama-cpp.
// Not here: the renderer's unit behaviour (src/tokenizer/chat-template.test.ts), kotodama's template
// (src/tokenizer/chat-encode.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ChatTemplateError, renderChat, type ChatRenderInput } from "../src/tokenizer/chat-template.js";
import { KOTODAMA_CHAT_TEMPLATE } from "../src/tokenizer/kotodama-chat.js";
import { packageRoot } from "../src/util/paths.js";
import { llamaCppJinjaOrSkip } from "./support/llamacpp.js";

interface Case { readonly name: string; readonly input: ChatRenderInput; readonly expected?: string; readonly expected_source?: string }
interface Fixture {
  readonly model: string;
  readonly license: string;
  readonly template_source: string;
  readonly template: string;
  readonly cases: readonly Case[];
  readonly raises?: { readonly name: string; readonly input: ChatRenderInput; readonly message: string };
}

const dir = join(packageRoot(), "tests", "fixtures", "chat-templates");
const fixtures: Fixture[] = readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Fixture);
/** huggingface.js's e2e tests pin the clock to this instant (vi.setSystemTime); renderings that read
 *  strftime_now were made under it. */
const NOW = new Date("2025-07-10T12:00:00.000Z");

/** Known divergences of llama.cpp's engine (node-llama-cpp 3.22.1's build) from Jinja2 on these inputs, by
 *  "model / case", with the error llama.cpp gives. Each is asserted to still fail, so a fixed llama.cpp shows up. */
const NATIVE_DIVERGES: Readonly<Record<string, RegExp>> = {
  // Jinja2's selectattr(attr, test) form with the test "undefined": llama.cpp reads the attribute name as the
  // test's name. @huggingface/jinja and Jinja2 render it (the huggingface.js e2e target above is Python's).
  "mistralai/Mistral-Nemo-Instruct-2407 / plain chat (huggingface.js e2e)": /selectattr: unknown test 'tool_calls'/,
};

test("the fixtures cover the six families the chat work needs, each with a published reference rendering", () => {
  const models = fixtures.map((f) => f.model).join(" ");
  for (const family of ["Llama-3.1", "Llama-3.2", "Qwen2.5", "gemma-2", "Phi-3.5", "SmolLM2", "Mistral-7B-Instruct-v0.3"]) assert.match(models, new RegExp(family.replace(".", "\\.")), family);
  for (const f of fixtures) {
    assert.ok(f.license.length > 0 && f.template_source.length > 0, `${f.model}: source and licence are recorded`);
  }
  const published = fixtures.filter((f) => f.cases.some((c) => c.expected !== undefined)).map((f) => f.model);
  assert.ok(published.length >= 7, `published references for ${published.join(", ")}`);
});

for (const f of fixtures) {
  test(`${f.model}: renderChat equals the published renderings`, (t) => {
    const withRef = f.cases.filter((c) => c.expected !== undefined);
    if (withRef.length === 0) return t.skip("no published rendering for this template; compared with llama.cpp below");
    for (const c of withRef) assert.equal(renderChat(f.template, c.input, { source: f.model, now: NOW }), c.expected, `${f.model} / ${c.name} vs ${c.expected_source}`);
  });

  test(`${f.model}: renderChat equals llama.cpp's own Jinja engine`, async (t) => {
    const native = await llamaCppJinjaOrSkip(t);
    if (native === null) return;
    for (const c of f.cases) {
      const key = `${f.model} / ${c.name}`;
      // llama.cpp gets plain data (its binding takes no functions; raise_exception and strftime_now are its
      // built-ins) and, like transformers, tools/documents as none when absent.
      const vars = { add_generation_prompt: false, tools: null, documents: null, ...c.input };
      const diverges = NATIVE_DIVERGES[key];
      if (diverges !== undefined) {
        assert.throws(() => native(f.template, vars), diverges, `${key}: known llama.cpp divergence still present`);
        continue;
      }
      assert.equal(renderChat(f.template, c.input, { source: f.model, now: NOW }), native(f.template, vars), key);
    }
  });

  if (f.raises !== undefined) {
    const r = f.raises;
    test(`${f.model}: ${r.name} raises a ChatTemplateError naming the template and its message`, () => {
      assert.throws(() => renderChat(f.template, r.input, { source: f.model }), (e: unknown) => e instanceof ChatTemplateError && e.message.includes(f.model) && e.message.includes(r.message));
    });
  }
}

test("kotodama's template: renderChat equals llama.cpp's engine on a Japanese conversation", async (t) => {
  const native = await llamaCppJinjaOrSkip(t);
  if (native === null) return;
  const input = {
    messages: [
      { role: "system", content: "あなたは親切なアシスタントです。" },
      { role: "user", content: "富士山の高さは？" },
      { role: "assistant", content: "3776メートルです。" },
      { role: "user", content: "ありがとう" },
    ],
    bos_token: "<|bos|>", eos_token: "<|eos|>", add_generation_prompt: true,
  };
  const ours = renderChat(KOTODAMA_CHAT_TEMPLATE, input);
  assert.equal(ours, native(KOTODAMA_CHAT_TEMPLATE, { tools: null, documents: null, ...input }));
  assert.equal(ours, "<|bos|><|system|>\nあなたは親切なアシスタントです。<|end|><|user|>\n富士山の高さは？<|end|><|assistant|>\n3776メートルです。<|end|><|user|>\nありがとう<|end|><|assistant|>\n");
});
