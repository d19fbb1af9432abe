// Continuous batching in `kotodama serve` (--max-batch N): concurrent requests — streamed and not, chat and
// completions, n = 2, one cancelled mid-stream by its client — each get exactly what the same request gets from a
// server that generates one request at a time (--max-batch 1, generate alone: the reference), while the
// kotodama_batch_size histogram shows they were decoded together (fewer steps than tokens, mean batch > 1); the
// batched queue still answers 429 once N sequences run and its queue is full. On stories260K from ../shared/reference
// (skipped visibly when absent). Not here: 64 clients and memory (load.test.ts), the batcher itself
// (tests/decode-batcher.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sharedPath } from "../../util/paths.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const post = (url: string, route: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> =>
  fetch(`${url}/v1/${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), ...(signal === undefined ? {} : { signal }) });

/** Per choice index, the concatenated text of an SSE stream (chat deltas or completion text); checks [DONE]. */
async function streamed(res: Response): Promise<string[]> {
  assert.equal(res.status, 200);
  const events = (await res.text()).split("\n\n").filter((e) => e.trim() !== "");
  assert.equal(events.at(-1), "data: [DONE]");
  const out: string[] = [];
  for (const e of events.slice(0, -1)) {
    const chunk = JSON.parse(e.slice("data: ".length)) as { choices: { index: number; text?: string; delta?: { content?: string } }[] };
    for (const c of chunk.choices) out[c.index] = (out[c.index] ?? "") + (c.text ?? c.delta?.content ?? "");
  }
  return out;
}

/** Per choice index, the text of a non-streamed answer. */
async function whole(res: Response): Promise<string[]> {
  assert.equal(res.status, 200);
  const j = (await res.json()) as { choices: { index: number; text?: string; message?: { content: string } }[] };
  return j.choices.sort((a, b) => a.index - b.index).map((c) => c.text ?? c.message!.content);
}

const metricsOf = async (url: string): Promise<Map<string, number>> => {
  const m = new Map<string, number>();
  for (const line of (await (await fetch(`${url}/metrics`)).text()).split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const at = line.lastIndexOf(" ");
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return m;
};

const chat = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: "stories", messages: [{ role: "user", content: `A story about ${i} cats.` }], max_tokens: 24, temperature: 0.9, seed: 50 + i, ...extra,
});
/** The requests sent at once: [route, body, streamed]. */
const REQUESTS: readonly [string, Record<string, unknown>, boolean][] = [
  ["chat/completions", chat(0), true],
  ["chat/completions", chat(1, { max_tokens: 40 }), true],
  ["chat/completions", chat(2, { n: 2 }), false],
  ["completions", { model: "stories", prompt: "Once upon a time", max_tokens: 30, temperature: 0.8, seed: 9 }, true],
  ["chat/completions", chat(3, { temperature: 0 }), false],
  ["chat/completions", chat(4, { max_tokens: 8 }), true],
  ["completions", { model: "stories", prompt: "The dog", max_tokens: 20, temperature: 1, seed: 4, n: 2 }, true],
];

describe("kotodama serve --max-batch: continuous batching", { skip }, () => {
  let alone: RunningServer, batched: RunningServer;
  before(async () => {
    alone = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], threads: 1, maxBatch: 1 });
    // 1 ms per token (test hook) so the cancelled stream is still running when its client goes away.
    batched = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], threads: 1, maxBatch: 6, queue: 16, tokenDelayMs: 1 });
  });
  after(async () => {
    await Promise.all([alone.stop(), batched.stop()]);
  });

  test("concurrent requests are decoded together and each equals the request run alone; a cancelled stream disturbs none", { timeout: 60_000 }, async () => {
    const refs: string[][] = [];
    for (const [route, body] of REQUESTS) refs.push(await whole(await post(alone.url, route, body)));
    assert.ok(new Set(refs.flat()).size === refs.flat().length, "every choice differs (the comparison can fail)");
    const before0 = await metricsOf(alone.url);
    assert.equal(before0.get("kotodama_batch_size_count"), 0, "--max-batch 1 runs no batched step");

    // A long greedy stream whose client leaves after a few chunks, sent first so that it runs beside the others.
    const ac = new AbortController();
    const leaving = (async (): Promise<number> => {
      const res = await post(batched.url, "chat/completions", chat(99, { max_tokens: 80, temperature: 0, ignore_eos: true, stream: true }), ac.signal);
      assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve("") : res.text()));
      const reader = res.body!.getReader();
      let chunks = 0;
      while (chunks < 4 && !(await reader.read()).done) chunks++;
      ac.abort();
      await reader.cancel().catch(() => {});
      return chunks;
    })();
    const got = await Promise.all(REQUESTS.map(async ([route, body, stream]) => (stream ? streamed(await post(batched.url, route, { ...body, stream: true })) : whole(await post(batched.url, route, body)))));
    assert.equal(await leaving, 4);
    REQUESTS.forEach(([route], i) => assert.deepEqual(got[i], refs[i], `request ${i} (${route}): batched equals alone`));

    // The cancelled job's end is counted when the worker reports it.
    let m = await metricsOf(batched.url);
    for (let t = 0; t < 100 && m.get("kotodama_cancelled_generations_total") !== 1; t++) {
      await new Promise((r) => setTimeout(r, 20));
      m = await metricsOf(batched.url);
    }
    assert.equal(m.get("kotodama_cancelled_generations_total"), 1);
    const tokens = m.get('kotodama_generated_tokens_total{model="stories"}')!;
    const steps = m.get("kotodama_batch_size_count")!, decoded = m.get("kotodama_batch_size_sum")!;
    assert.ok(tokens < 80 + 214, `the cancelled stream stopped early (${tokens} tokens in all)`);
    assert.ok(steps < tokens, `${steps} decode steps for ${tokens} tokens: sequences were decoded together`);
    assert.ok(decoded / steps > 2, `mean batch size ${(decoded / steps).toFixed(2)} > 2`);
    assert.ok(m.get('kotodama_batch_size_bucket{le="4"}')! < steps, "some steps decoded more than 4 sequences");
    assert.equal(m.get('kotodama_batch_size_bucket{le="8"}'), steps, "none more than --max-batch 6");
  });
});

describe("kotodama serve --max-batch: the queue in front of the batch", { skip }, () => {
  test("with N sequences running and the queue full, one more gets 429 with Retry-After; the queued one runs when a place frees", { timeout: 60_000 }, async () => {
    const server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], threads: 1, maxBatch: 2, queue: 1, tokenDelayMs: 15 });
    try {
      const long = (seed: number, ac: AbortController): Promise<Response> => post(server.url, "chat/completions", chat(seed, { max_tokens: 80, temperature: 0, ignore_eos: true, stream: true }), ac.signal);
      const acs = [new AbortController(), new AbortController()];
      const running = await Promise.all(acs.map((ac, i) => long(i, ac)));
      const readers = running.map((r) => r.body!.getReader());
      await Promise.all(readers.map((r) => r.read())); // both generate: the batch is full
      const queued = post(server.url, "chat/completions", chat(7, { max_tokens: 5 }));
      await new Promise((r) => setTimeout(r, 100));
      const refused = await post(server.url, "chat/completions", chat(8, { max_tokens: 5 }));
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "queue_full");
      assert.equal((await metricsOf(server.url)).get("kotodama_queue_depth"), 1);
      assert.equal((await metricsOf(server.url)).get("kotodama_jobs_running"), 2);
      acs[0]!.abort();
      await readers[0]!.cancel().catch(() => {});
      const r = (await (await queued).json()) as { usage: { completion_tokens: number } };
      assert.equal(r.usage.completion_tokens, 5);
      acs[1]!.abort();
      await readers[1]!.cancel().catch(() => {});
    } finally {
      await server.stop();
    }
  });
});
