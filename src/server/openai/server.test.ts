// The OpenAI-compatible server against the official `openai` client, on loopback with stories260K
// (../shared/reference; skipped visibly when absent): the model list, completions checked against src/infer called
// directly (greedy text, echo + logprobs against scoreText), chat (streamed deltas = the non-streamed reply,
// top_logprobs), stop, n, seed determinism, embeddings, the errors (404 model, 401 key, 400 prompt too long,
// 413 body, 400 bad JSON), 429 from a full queue and cancellation on disconnect (the metrics counters).
// Not here: the request parsers' edge cases (requests.test.ts), SIGTERM of the CLI (serve-cli.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { loadBackend } from "../../engine/backend.js";
import { generateText, openInferModel, scoreText, type InferModel } from "../../infer/index.js";
import { sharedPath } from "../../util/paths.js";
import { ApiKeys } from "./auth.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const KEY = "sk-test-0123456789";
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${KEY}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
};

const cosine = (a: readonly number[], b: readonly number[]): number => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
};

describe("kotodama serve (OpenAI-compatible) with the openai client", { skip }, () => {
  let server: RunningServer;
  let client: OpenAI;
  let model: InferModel;

  before(async () => {
    server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1, maxBodyBytes: 16 * 1024 });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
    model = openInferModel(MODEL_PATH!, { backend: loadBackend({ threads: 1 }) });
  });
  after(async () => {
    await server.stop();
  });

  test("GET /v1/models lists the model by its name; /health answers without a key", async () => {
    const list = await client.models.list();
    assert.deepEqual(list.data.map((m) => [m.id, m.object, m.owned_by]), [["stories", "model", "kotodama"]]);
    const h = await fetch(`${server.url}/health`);
    assert.equal(h.status, 200);
    assert.equal(((await h.json()) as { status: string }).status, "ok");
  });

  test("a greedy completion equals src/infer's generateText of the same prompt", async () => {
    const prompt = "Once upon a time";
    const r = await client.completions.create({ model: "stories", prompt, max_tokens: 24, temperature: 0 });
    const direct = await generateText(model, prompt, { temperature: 0, maxTokens: 24 });
    assert.equal(r.choices[0]!.text, direct.text);
    assert.equal(r.choices[0]!.finish_reason, "length");
    assert.deepEqual(r.usage, { prompt_tokens: direct.promptIds.length, completion_tokens: 24, total_tokens: direct.promptIds.length + 24 });
  });

  test("echo + logprobs + max_tokens 0 gives the prompt tokens' logprobs as scoreText computes them", async () => {
    const text = "Lily went to the park with her mom.";
    const r = await client.completions.create({ model: "stories", prompt: text, max_tokens: 0, echo: true, logprobs: 3 });
    const lp = r.choices[0]!.logprobs!;
    const ref = scoreText(model, text);
    assert.equal(r.choices[0]!.text, text);
    assert.equal(lp.token_logprobs!.length, ref.tokens.length);
    assert.equal(lp.token_logprobs![0], null);
    assert.equal(lp.top_logprobs![0], null);
    for (let i = 1; i < ref.tokens.length; i++) {
      assert.ok(Math.abs(lp.token_logprobs![i]! - ref.tokens[i]!.logprob!) < 1e-9, `token ${i}: ${lp.token_logprobs![i]} vs ${ref.tokens[i]!.logprob}`);
      const top = Object.values(lp.top_logprobs![i]!);
      assert.ok(top.length >= 1 && top.length <= 3);
      assert.ok(Math.max(...top) >= lp.token_logprobs![i]! - 1e-12, "the top alternatives include the likeliest token");
    }
    const sum = lp.token_logprobs!.slice(1).reduce((a, b) => a! + b!, 0)!;
    assert.ok(Math.abs(sum - ref.total) < 1e-9);
    // Token-id prompts are used as they are (lm-eval-harness sends ids).
    const ids = model.tokenizer.encode(text);
    const byIds = await client.completions.create({ model: "stories", prompt: ids, max_tokens: 0, echo: true, logprobs: 0 });
    assert.deepEqual(byIds.choices[0]!.logprobs!.token_logprobs, lp.token_logprobs);
    // Scoring may fill the whole context (nothing is generated); one more token is a 400.
    const full = Array.from({ length: model.config.context }, (_, i) => ids[i % ids.length]!);
    const scored = await client.completions.create({ model: "stories", prompt: full, max_tokens: 0, echo: true, logprobs: 0 });
    assert.equal(scored.choices[0]!.logprobs!.token_logprobs!.length, model.config.context);
    await assert.rejects(client.completions.create({ model: "stories", prompt: full, max_tokens: 1 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "context_length_exceeded");
  });

  test("chat: the streamed deltas concatenate to the non-streamed reply (temperature 0), with usage", async () => {
    const messages = [{ role: "user" as const, content: "Tell me a story about a cat." }];
    const full = await client.chat.completions.create({ model: "stories", messages, max_tokens: 30, temperature: 0 });
    const reply = full.choices[0]!.message.content!;
    assert.ok(reply.length > 0);
    assert.equal(full.choices[0]!.message.role, "assistant");
    const stream = await client.chat.completions.create({ model: "stories", messages, max_tokens: 30, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = "", finish: string | null = null, role: string | undefined, usage: unknown = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const ch = chunk.choices[0];
      if (ch === undefined) continue;
      role ??= ch.delta.role;
      text += ch.delta.content ?? "";
      finish = ch.finish_reason ?? finish;
    }
    assert.equal(text, reply);
    assert.equal(role, "assistant");
    assert.equal(finish, full.choices[0]!.finish_reason);
    assert.deepEqual(usage, full.usage);
  });

  test("chat logprobs: top_logprobs per token, the greedy token first with its own logprob", async () => {
    const r = await client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "Hi" }], max_tokens: 12, temperature: 0, logprobs: true, top_logprobs: 3 });
    const content = r.choices[0]!.logprobs!.content!;
    assert.equal(content.length, r.usage!.completion_tokens);
    assert.equal(content.map((t) => t.token).join(""), r.choices[0]!.message.content);
    for (const t of content) {
      assert.equal(t.top_logprobs.length, 3);
      assert.equal(t.top_logprobs[0]!.token, t.token);
      assert.equal(t.top_logprobs[0]!.logprob, t.logprob);
      assert.ok(t.top_logprobs[0]!.logprob >= t.top_logprobs[1]!.logprob && t.top_logprobs[1]!.logprob >= t.top_logprobs[2]!.logprob);
      assert.deepEqual(t.bytes, [...Buffer.from(t.token, "utf8")]);
    }
  });

  test("stop ends the text before the stop string", async () => {
    const base = { model: "stories", prompt: "Once upon a time", max_tokens: 40, temperature: 0 } as const;
    const full = (await client.completions.create(base)).choices[0]!.text;
    const at = full.indexOf(" girl");
    assert.ok(at > 0, `the greedy text has " girl": ${full}`);
    const r = await client.completions.create({ ...base, stop: [" girl", "zzz"] });
    assert.equal(r.choices[0]!.text, full.slice(0, at));
    assert.equal(r.choices[0]!.finish_reason, "stop");
  });

  test("seed: the same seed gives the same samples, n choices use seed + i", async () => {
    const req = { model: "stories", prompt: "The dog", max_tokens: 20, temperature: 1, seed: 7 } as const;
    const a = await client.completions.create({ ...req, n: 3 });
    const b = await client.completions.create({ ...req, n: 3 });
    assert.deepEqual(a.choices.map((c) => c.index), [0, 1, 2]);
    assert.deepEqual(a.choices.map((c) => c.text), b.choices.map((c) => c.text));
    assert.ok(new Set(a.choices.map((c) => c.text)).size > 1, "different seeds sample differently");
    const third = await client.completions.create({ ...req, seed: 9 });
    assert.equal(third.choices[0]!.text, a.choices[2]!.text);
    const direct = await generateText(model, "The dog", { temperature: 1, topP: 1, topK: 0, minP: 0, repeatLastN: -1, seed: 8, maxTokens: 20 });
    assert.equal(a.choices[1]!.text, direct.text);
  });

  test("embeddings: unit vectors of the model's width, identical inputs identical, base64 = float", async () => {
    const r = await client.embeddings.create({ model: "stories", input: ["The cat sat.", "The cat sat.", "A big red truck drove away."], encoding_format: "float" });
    const [a, b, c] = r.data.map((d) => d.embedding);
    assert.equal(a!.length, model.config.dim);
    assert.ok(Math.abs(Math.hypot(...a!) - 1) < 1e-5);
    assert.ok(Math.abs(cosine(a!, b!) - 1) < 1e-9);
    assert.ok(cosine(a!, c!) < 0.999);
    const b64 = await client.embeddings.create({ model: "stories", input: "The cat sat." });
    assert.deepEqual(b64.data[0]!.embedding.map((x) => Math.fround(x)), a!.map((x) => Math.fround(x)));
    const tokens = ["The cat sat.", "The cat sat.", "A big red truck drove away."].reduce((n, t) => n + model.tokenizer.encode(t).length, 0);
    assert.deepEqual(r.usage, { prompt_tokens: tokens, total_tokens: tokens });
  });

  test("errors in OpenAI's shape: unknown model 404, no key 401, prompt too long 400, body too big 413, bad JSON 400", async () => {
    await assert.rejects(client.completions.create({ model: "nope", prompt: "x" }), (e: unknown) => e instanceof OpenAI.NotFoundError && e.code === "model_not_found");
    await assert.rejects(client.completions.create({ model: "../stories", prompt: "x" }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    // A request names a model, never a path: traversal and absolute paths are unknown names.
    for (const name of ["../../../etc/passwd", MODEL_PATH!, "stories/../stories", "%2e%2e%2fstories"]) {
      await assert.rejects(client.completions.create({ model: name, prompt: "x" }), (e: unknown) => e instanceof OpenAI.NotFoundError, name);
    }
    const long = "the cat and the dog ".repeat(60);
    await assert.rejects(client.completions.create({ model: "stories", prompt: long, max_tokens: 4 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "context_length_exceeded" && e.param === "prompt");
    await assert.rejects(client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "hi" }], max_tokens: 500 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "max_tokens");
    await assert.rejects(client.completions.create({ model: "stories", prompt: "x", temperature: 9 } as never), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "temperature");
    const post = (body: string, headers: Record<string, string> = { Authorization: `Bearer ${KEY}` }): Promise<Response> =>
      fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
    const shape = async (r: Response, status: number): Promise<void> => {
      assert.equal(r.status, status);
      const j = (await r.json()) as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(j.error).sort(), ["code", "message", "param", "type"]);
      assert.doesNotMatch(String(j.error.message), /\n\s+at /, "no stack trace");
    };
    const noKey = await post(JSON.stringify({ model: "stories", prompt: "x" }), {});
    assert.match(noKey.headers.get("www-authenticate") ?? "", /Bearer/);
    await shape(noKey, 401);
    await shape(await post(JSON.stringify({ model: "stories", prompt: "x" }), { Authorization: "Bearer sk-wrong-key-000000" }), 401);
    await shape(await post(JSON.stringify({ model: "stories", prompt: "x".repeat(20_000) })), 413);
    await shape(await post("{not json"), 400);
    await shape(await post(JSON.stringify({ model: "stories", prompt: "x", frobnicate: 1 })), 400);
    // The server is still up.
    assert.equal((await client.models.list()).data.length, 1);
  });
});

describe("kotodama serve: queue and cancellation", { skip }, () => {
  let server: RunningServer;
  before(async () => {
    // Each token takes ≥ 15 ms here (test hook), so a generation lasts long enough to queue behind and to interrupt.
    // One generation at a time (--max-batch 1); the batched queue's 429 is in batching.test.ts.
    server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1, queue: 1, maxBatch: 1, tokenDelayMs: 15 });
  });
  after(async () => {
    await server.stop();
  });

  const chat = (maxTokens: number, stream: boolean, signal?: AbortSignal): Promise<Response> =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "stories", messages: [{ role: "user", content: "Tell me a story" }], max_tokens: maxTokens, temperature: 0, stream, ignore_eos: true }),
      ...(signal === undefined ? {} : { signal }),
    });

  test("a full queue answers 429 with Retry-After; a disconnected stream stops generating", async () => {
    const ac = new AbortController();
    const first = await chat(80, true, ac.signal);
    assert.equal(first.status, 200);
    const reader = first.body!.getReader();
    await reader.read(); // the first chunk: the job runs
    const queued = chat(5, false); // waits behind it (queue of 1)
    await new Promise((r) => setTimeout(r, 100));
    const refused = await chat(5, false);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "queue_full");
    assert.equal(await metric(server.url, "kotodama_queue_depth"), 1);

    ac.abort(); // the client goes away mid-stream
    await reader.cancel().catch(() => {});
    const second = await queued;
    assert.equal(second.status, 200);
    const body = (await second.json()) as { usage: { completion_tokens: number } };
    assert.equal(body.usage.completion_tokens, 5);
    assert.equal(await metric(server.url, "kotodama_cancelled_generations_total"), 1);
    const generated = await metric(server.url, "kotodama_generated_tokens_total");
    assert.ok(generated - 5 < 40, `the cancelled generation stopped early (${generated - 5} of 80 tokens)`);
    assert.equal(await metric(server.url, "kotodama_queue_rejections_total"), 1);
  });
});

describe("kotodama serve: graceful stop", { skip }, () => {
  test("stop() during a stream: new requests get 503, the stream is cancelled after the grace period and ends with [DONE]", async () => {
    const server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], threads: 1, tokenDelayMs: 15, graceMs: 200 });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "stories", messages: [{ role: "user", content: "Hi" }], max_tokens: 80, temperature: 0, stream: true, ignore_eos: true }),
    });
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const stopped = server.stop();
    const late = await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model: "stories", prompt: "x" }) });
    assert.equal(late.status, 503);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, "shutting_down");
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += new TextDecoder().decode(r.value);
    }
    await stopped;
    assert.match(text, /"finish_reason":"cancelled"/);
    assert.ok(text.trimEnd().endsWith("data: [DONE]"));
    assert.ok(server.metrics.generatedTotal() < 80, `cancelled before the 80 tokens were done (${server.metrics.generatedTotal()})`);
    assert.equal(server.metrics.render({ queueDepth: 0, running: 0 }).match(/^kotodama_cancelled_generations_total (\d+)$/m)?.[1], "1");
  });
});

describe("kotodama serve: several models by name", { skip }, () => {
  test("two names load lazily; with --max-models 1 the least recently used is unloaded", async () => {
    const server = await startOpenAIServer({ models: [{ name: "a", path: MODEL_PATH! }, { name: "b", path: MODEL_PATH! }], threads: 1, maxModels: 1 });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const loaded = (): string | undefined => server.metrics.render({ queueDepth: 0, running: 0 }).match(/^kotodama_models_loaded (\d+)$/m)?.[1];
      assert.deepEqual((await client.models.list()).data.map((m) => m.id), ["a", "b"]);
      assert.equal(loaded(), "0", "nothing is loaded before the first request");
      const req = { prompt: "Once upon a time", max_tokens: 8, temperature: 0 } as const;
      const a = await client.completions.create({ ...req, model: "a" });
      assert.equal(loaded(), "1");
      const b = await client.completions.create({ ...req, model: "b" });
      assert.equal(loaded(), "1", "a was unloaded for b");
      assert.equal(a.choices[0]!.text, b.choices[0]!.text);
      assert.equal(b.model, "b");
    } finally {
      await server.stop();
    }
  });
});
