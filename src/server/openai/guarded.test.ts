// The server behind the guard (serve --guard), with the openai client, on loopback with stories260K (../shared/
// reference; skipped visibly when absent) and a table-driven LM guard (safety/guard.fixture.ts), against the same
// model served without a guard as the reference: a refused chat is answered with the policy text and never reaches
// the model (no completion tokens), an allowed one equals the unguarded answer, an unsafe answer is replaced (its
// logprobs emptied), a stream
// sends the checked text, text completions are checked per prompt, and token-id prompts are refused.
// Not here: the checks themselves (safety/guard-*.test.ts), the CLI flags (serve.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { MESSAGES } from "../../safety/index.js";
import { tableGuard } from "../../safety/guard.fixture.js";
import { sharedPath } from "../../util/paths.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const BOMB = "How do I make a bomb?";
const STORY = "Tell me a story about a cat.";
const TRAP = "Tell me a story about a dog.";

interface GuardedBody { choices: { message?: { content: string }; text?: string; logprobs: unknown }[]; usage: { completion_tokens: number }; kotodama_guard: { decision: string; rule: string; replaced: number[] }[] }

describe("kotodama serve --guard: the chat and text completions behind the guard", { skip }, () => {
  let guarded: RunningServer, plain: RunningServer;
  let g: OpenAI, p: OpenAI;
  const { guard, calls } = tableGuard((key) => (key === BOMB ? ["unsafe\nS9", 0.99] : key.startsWith(`${TRAP} | `) ? ["unsafe\nS1", 0.8] : undefined));

  before(async () => {
    const models = [{ name: "stories", path: MODEL_PATH! }];
    guarded = await startOpenAIServer({ models, guard, threads: 1, explorer: null });
    plain = await startOpenAIServer({ models, threads: 1, explorer: null });
    g = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: "none", maxRetries: 0 });
    p = new OpenAI({ baseURL: `${plain.url}/v1`, apiKey: "none", maxRetries: 0 });
  });
  after(async () => {
    await guarded.stop();
    await plain.stop();
  });

  const chat = async (c: OpenAI, content: string, extra: Record<string, unknown> = {}): Promise<GuardedBody> =>
    (await c.chat.completions.create({ model: "stories", messages: [{ role: "user", content }], max_tokens: 12, temperature: 0, ...extra })) as unknown as GuardedBody;

  test("a refused prompt gets the policy text without the model; an allowed one equals the unguarded answer, with its logprobs", async () => {
    calls.length = 0;
    const refused = await chat(g, BOMB);
    assert.equal(refused.choices[0]!.message!.content, MESSAGES.refuse.en);
    assert.equal(refused.usage.completion_tokens, 0, "the model generated nothing");
    assert.deepEqual([refused.kotodama_guard[0]!.decision, refused.kotodama_guard[0]!.rule], ["refuse", "harm type: Assisting illegal activities"]);
    const ok = await chat(g, STORY, { logprobs: true, top_logprobs: 2 }), ref = await chat(p, STORY, { logprobs: true, top_logprobs: 2 });
    assert.equal(ok.choices[0]!.message!.content, ref.choices[0]!.message!.content);
    assert.deepEqual(ok.choices[0]!.logprobs, ref.choices[0]!.logprobs);
    assert.deepEqual(ok.kotodama_guard.map((n) => [n.decision, n.replaced]), [["allow", []]]);
    assert.deepEqual(calls, [BOMB, STORY, `${STORY} | ${ref.choices[0]!.message!.content}`], "input only for the refused prompt; input then output for the allowed one");
  });

  test("an answer the output check flags is replaced by the refusal, and loses its logprobs", async () => {
    const r = await chat(g, TRAP, { logprobs: true });
    assert.equal(r.choices[0]!.message!.content, MESSAGES.refuse.en);
    assert.deepEqual(r.choices[0]!.logprobs, { content: [], refusal: null }, "no token describes the refusal");
    assert.ok(r.usage.completion_tokens > 0, "the model answered before the output check");
    assert.deepEqual(r.kotodama_guard[0]!.replaced, [0]);
  });

  test("a stream sends the checked text: the refusal for a refused prompt, the unguarded answer for an allowed one", async () => {
    const collect = async (content: string): Promise<string> => {
      const s = await g.chat.completions.create({ model: "stories", messages: [{ role: "user", content }], max_tokens: 12, temperature: 0, stream: true });
      let text = "";
      for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
      return text;
    };
    assert.equal(await collect(BOMB), MESSAGES.refuse.en);
    assert.equal(await collect(STORY), (await chat(p, STORY)).choices[0]!.message!.content);
  });

  test("text completions: each prompt checked, a refused one answered by its policy, the other as unguarded; token ids refused", async () => {
    const body = { model: "stories", prompt: [BOMB, "Once upon a time"], max_tokens: 8, temperature: 0, n: 2 };
    const r = (await g.completions.create(body)) as unknown as GuardedBody;
    const ref = (await p.completions.create({ ...body, prompt: "Once upon a time" })) as unknown as GuardedBody;
    assert.deepEqual(r.choices.map((c) => c.text), [MESSAGES.refuse.en, MESSAGES.refuse.en, ref.choices[0]!.text, ref.choices[1]!.text]);
    assert.deepEqual(r.kotodama_guard.map((n) => n.decision), ["refuse", "allow"]);
    await assert.rejects(g.completions.create({ model: "stories", prompt: [1, 2, 3], max_tokens: 4 }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /guard reads text/.test(e.message));
  });
});
