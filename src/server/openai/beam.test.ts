// Beam search and lexical constraints through the OpenAI-compatible server, on loopback with stories260K
// (../shared/reference; skipped visibly when absent): a completion's choices equal `kotodama generate --beams
// --include --exclude --json`'s n-best (the CLI, run in this process) and src/infer's beamSearchText called directly;
// a chat reply equals beamSearchText over the same chat prompt with the end-of-turn ids; include phrases appear
// and excluded ones do not (checkLexical, on every choice); `grammar` with best_of 1 equals the greedy grammar
// completion; the same answers with continuous batching off (--max-batch 1) and on; bad fields are 400s naming them. Not here: the request parser's edge cases
// (requests.test.ts covers the rest), the search itself (src/infer/beam.test.ts, lexical.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { loadBackend } from "../../engine/backend.js";
import { beamSearchText, checkLexical, endOfTurnIds, lexicalConstraint, openInferModel, parseLexicalSpec, type InferModel } from "../../infer/index.js";
import { sharedPath } from "../../util/paths.js";
import { generateCommand } from "../../cli/commands/generate.js";
import { ApiKeys } from "./auth.js";
import { chatPromptIds } from "./chat-prompt.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const KEY = "sk-test-0123456789";
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const PROMPT = "Once upon a time";
const INCLUDE = ["garden|gardens", "ball"], EXCLUDE = ["girl"];
const SPEC = parseLexicalSpec(INCLUDE, EXCLUDE, "test");

/** stdout of a CLI command run in this process. */
async function cliStdout(argv: string[]): Promise<string> {
  const out: string[] = [];
  const wo = process.stdout.write.bind(process.stdout), we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await generateCommand.run(argv), 0);
    return out.join("");
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

const raw = async (url: string, path: string, body: unknown): Promise<{ status: number; error: { param: string | null; message: string } }> => {
  const r = await fetch(`${url}${path}`, { method: "POST", headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, error: ((await r.json()) as { error: { param: string | null; message: string } }).error };
};

for (const maxBatch of [16, 1]) {
  describe(`beam search on the server (max batch ${maxBatch})`, { skip }, () => {
    let server: RunningServer;
    let client: OpenAI;
    let model: InferModel;

    before(async () => {
      server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1, maxBatch });
      client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
      model = openInferModel(MODEL_PATH!, { backend: loadBackend({ threads: 1 }) });
    });
    after(async () => {
      await server.stop();
    });

    test("completion: the n best equal `kotodama generate --beams 4 --include --exclude --json` and meet the constraints", async () => {
      const body = { model: "stories", prompt: PROMPT, max_tokens: 32, n: 4, best_of: 4, use_beam_search: true, include: INCLUDE, exclude: EXCLUDE };
      const r = await client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming);
      const cli = JSON.parse(await cliStdout(["--model", MODEL_PATH!, "--prompt", PROMPT, "--max-tokens", "32", "--threads", "1", "--beams", "4", ...INCLUDE.flatMap((p) => ["--include", p]), "--exclude", "girl", "--json"])) as { hypotheses: { text: string; finish_reason: string; ids: number[] }[] };
      assert.deepEqual(r.choices.map((c) => c.text), cli.hypotheses.map((h) => h.text));
      assert.deepEqual(r.choices.map((c) => c.finish_reason), cli.hypotheses.map((h) => (h.finish_reason === "eos" ? "stop" : "length")));
      assert.equal(r.usage?.completion_tokens, cli.hypotheses.reduce((a, h) => a + h.ids.length, 0));
      for (const c of r.choices) assert.deepEqual(checkLexical(SPEC, c.text), { missing: [], present: [] }, c.text);
    });

    test("completion: include/exclude alone imply 4 beams; n = 1 returns the best, as the library's beamSearchText", async () => {
      const r = await client.completions.create({ model: "stories", prompt: "The dog", max_tokens: 24, include: ["cat"], exclude: ["the"] } as OpenAI.CompletionCreateParamsNonStreaming);
      const spec = parseLexicalSpec(["cat"], ["the"], "test");
      const ref = beamSearchText(model, "The dog", { beams: 4, maxTokens: 24, alpha: 1, nBest: 1 }, undefined, lexicalConstraint(model.tokenizer, spec, 24));
      assert.equal(r.choices.length, 1);
      assert.equal(r.choices[0]!.text, ref.text);
      assert.deepEqual(checkLexical(spec, r.choices[0]!.text), { missing: [], present: [] }, r.choices[0]!.text);
    });

    test("chat: the reply equals beamSearchText over the chat prompt with the end-of-turn ids; length_penalty is passed", async () => {
      const messages = [{ role: "user" as const, content: "Tell me a story about a dog." }];
      const r = await client.chat.completions.create({ model: "stories", messages, max_tokens: 40, n: 2, best_of: 3, length_penalty: 0.5, use_beam_search: true, include: ["park"] } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const spec = parseLexicalSpec(["park"], [], "test");
      const ids = chatPromptIds(model, messages);
      const ref = beamSearchText(model, ids, { beams: 3, maxTokens: 40, alpha: 0.5, nBest: 2 }, endOfTurnIds(model.tokenizer), lexicalConstraint(model.tokenizer, spec, 40));
      assert.deepEqual(r.choices.map((c) => c.message.content), ref.hypotheses.map((h) => h.text));
      for (const c of r.choices) assert.match(c.message.content!, /\bpark\b/i);
      // Without the constraint: plain beam search, which differs from the constrained reply.
      const plain = await client.chat.completions.create({ model: "stories", messages, max_tokens: 40, best_of: 3, use_beam_search: true } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const refPlain = beamSearchText(model, ids, { beams: 3, maxTokens: 40, alpha: 1, nBest: 1 }, endOfTurnIds(model.tokenizer));
      assert.equal(plain.choices[0]!.message.content, refPlain.text);
      assert.notEqual(plain.choices[0]!.message.content, r.choices[0]!.message.content);
    });

    test("grammar with beam search: best_of 1 is the greedy grammar completion; wider beams keep to the grammar", async () => {
      const grammar = 'root ::= ("yes" | "no") ", " [a-z ]{1,20} "."';
      const greedy = await client.completions.create({ model: "stories", prompt: "Is the sky blue?", max_tokens: 20, temperature: 0, grammar } as OpenAI.CompletionCreateParamsNonStreaming);
      const one = await client.completions.create({ model: "stories", prompt: "Is the sky blue?", max_tokens: 20, use_beam_search: true, best_of: 1, grammar } as OpenAI.CompletionCreateParamsNonStreaming);
      assert.equal(one.choices[0]!.text, greedy.choices[0]!.text);
      const wide = await client.completions.create({ model: "stories", prompt: "Is the sky blue?", max_tokens: 20, use_beam_search: true, n: 2, best_of: 4, grammar } as OpenAI.CompletionCreateParamsNonStreaming);
      for (const c of wide.choices.filter((x) => x.finish_reason === "stop")) assert.match(c.text, /^(yes|no), [a-z ]{1,20}\.$/);
      assert.equal(wide.choices[0]!.finish_reason, "stop");
    });

    test("bad beam fields are 400s naming the field", async () => {
      const base = { model: "stories", prompt: PROMPT, max_tokens: 8 };
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ use_beam_search: true, stream: true }, "stream", /does not stream/],
        [{ use_beam_search: true, temperature: 0.7 }, "temperature", /does not sample/],
        [{ use_beam_search: true, best_of: 9 }, "best_of", /\[1, 8\]/],
        [{ use_beam_search: true, n: 3, best_of: 2 }, "n", /n ≤ best_of/],
        [{ use_beam_search: "yes" }, "use_beam_search", /true or false/],
        [{ include: "ball" }, "include", /array of strings/],
        [{ include: ["a||b"] }, "include[0]", /empty phrase/],
        [{ exclude: ["x".repeat(65)] }, "exclude[0]", /longer than 64/],
        [{ include: Array.from({ length: 17 }, (_, i) => `w${i}`) }, "include", /at most 16/],
        [{ use_beam_search: false, include: ["ball"] }, "include", /needs beam search/],
        [{ length_penalty: 1 }, "length_penalty", /only used by beam search/],
        [{ use_beam_search: true, logprobs: 2 }, "logprobs", /not supported with beam search/],
      ];
      for (const [extra, param, message] of cases) {
        const r = await raw(server.url, "/v1/completions", { ...base, ...extra });
        assert.equal(r.status, 400, JSON.stringify(extra));
        assert.equal(r.error.param, param, JSON.stringify(extra));
        assert.match(r.error.message, message);
      }
      const c = await raw(server.url, "/v1/chat/completions", { model: "stories", messages: [{ role: "user", content: "hi" }], use_beam_search: true, top_logprobs: 2, logprobs: true });
      assert.equal(c.status, 400);
      assert.equal(c.error.param, "logprobs");
    });
  });
}
