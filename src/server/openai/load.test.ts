// Load on loopback: 64 concurrent streaming chat clients against one server (stories260K from ../shared/reference;
// skipped visibly when absent), each sampling with its own seed. Every stream must be whole and ungarbled — its
// concatenated deltas equal the non-streamed reply the same request gets when it runs alone — and the server's
// memory must stay bounded (RSS growth over the burst, and no growth from a second burst). Bounded in time: 16
// tokens a client. Not here: throughput and time to first token at 1, 8 and 64 clients (`kotodama bench serve
// --clients 1,8,64`, docs/benchmarks.md), the API surface (server.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sharedPath } from "../../util/paths.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const CLIENTS = 64;
const request = (i: number): Record<string, unknown> => ({
  model: "stories",
  messages: [{ role: "user", content: `Tell me a story about the number ${i}.` }],
  max_tokens: 16,
  temperature: 0.9,
  seed: 1000 + i,
});

/** The concatenated content deltas of one SSE stream; throws on a malformed event or a missing [DONE]. */
async function streamed(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve("") : res.text()));
  const text = await res.text();
  const events = text.split("\n\n").filter((e) => e.trim() !== "");
  assert.equal(events.at(-1), "data: [DONE]", "the stream ends with [DONE]");
  let out = "";
  for (const e of events.slice(0, -1)) {
    assert.ok(e.startsWith("data: "), `an SSE data event: ${e.slice(0, 80)}`);
    const chunk = JSON.parse(e.slice(6)) as { choices: { delta?: { content?: string } }[] };
    out += chunk.choices[0]?.delta?.content ?? "";
  }
  return out;
}

async function whole(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
}

describe("kotodama serve under load: 64 concurrent streaming clients", { skip }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], threads: 1, queue: CLIENTS });
  });
  after(async () => {
    await server.stop();
  });

  test("every stream equals its request run alone; memory stays bounded", { timeout: 120_000 }, async () => {
    // References first, one request at a time (this also loads the model before memory is measured).
    const alone: string[] = [];
    for (let i = 0; i < CLIENTS; i++) alone.push(await whole(server.url, request(i)));
    assert.ok(new Set(alone).size > CLIENTS / 2, "different seeds and prompts give different replies (the check can fail)");
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const burst = async (): Promise<string[]> => Promise.all(Array.from({ length: CLIENTS }, (_, i) => streamed(server.url, request(i))));
    const first = await burst();
    const rss1 = process.memoryUsage().rss;
    const second = await burst();
    const rss2 = process.memoryUsage().rss;
    for (let i = 0; i < CLIENTS; i++) {
      assert.equal(first[i], alone[i], `client ${i}: the concurrent stream equals the request run alone`);
      assert.equal(second[i], alone[i], `client ${i}: second burst`);
    }
    const mb = (x: number): number => x / 2 ** 20;
    process.stdout.write(`ℹ RSS before ${mb(rss0).toFixed(0)} MiB, after one burst of ${CLIENTS} ${mb(rss1).toFixed(0)} MiB, after a second ${mb(rss2).toFixed(0)} MiB\n`);
    assert.ok(mb(rss1 - rss0) < 256, `one burst grew RSS by ${mb(rss1 - rss0).toFixed(0)} MiB (bound 256)`);
    assert.ok(mb(rss2 - rss1) < 64, `a second burst grew RSS by ${mb(rss2 - rss1).toFixed(0)} MiB (bound 64: nothing kept per request)`);
  });
});
