// The routes' safety defaults with a stub queue (no model): CORS off unless configured, preflight before the key
// check, the loopback Host check, unknown paths and methods, errors in OpenAI's shape, 429 with Retry-After,
// /health while shutting down. Not here: generation (server.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openaiApp, type OpenAIAppOptions } from "./app.js";
import { ApiKeys } from "./auth.js";
import { Metrics } from "./metrics.js";
import type { JobBody, JobResult } from "./protocol.js";
import { QueueFullError, type JobQueue } from "./queue.js";

const KEY = "sk-app-test-1234";

function stubQueue(answer: (body: JobBody) => Promise<JobResult>): JobQueue & { seen: JobBody[] } {
  const seen: JobBody[] = [];
  return { depth: 0, busy: 0, seen, submit: (_m, body) => (seen.push(body), answer(body)) };
}

const embed = (): Promise<JobResult> => Promise.resolve({ kind: "embed", vectors: [[0.6, 0.8]], promptTokens: 2 });

function app(o: Partial<OpenAIAppOptions> = {}) {
  return openaiApp({ models: [{ name: "m", path: "/not/sent" }], queue: stubQueue(embed), metrics: new Metrics(), keys: null, cors: [], closing: () => false, ...o });
}
const local = { Host: "127.0.0.1:8080" };
const json = { ...local, "Content-Type": "application/json" };

test("CORS is off by default and answers only the configured origins", async () => {
  const off = await app().request("/v1/models", { headers: { ...local, Origin: "https://evil.example" } });
  assert.equal(off.status, 200);
  assert.equal(off.headers.get("access-control-allow-origin"), null);
  const on = app({ cors: ["https://ok.example"], keys: new ApiKeys([KEY]) });
  const pre = await on.request("/v1/chat/completions", { method: "OPTIONS", headers: { ...local, Origin: "https://ok.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "https://ok.example");
  const other = await on.request("/v1/models", { headers: { ...local, Origin: "https://evil.example", Authorization: `Bearer ${KEY}` } });
  assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
});

test("the Host check (DNS rebinding), unknown paths and the path in errors", async () => {
  const r = await app().request("/v1/models", { headers: { Host: "evil.example:8080" } });
  assert.equal(r.status, 421);
  assert.equal(((await r.json()) as { error: { type: string } }).error.type, "invalid_request_error");
  const nf = await app().request("/v1/nothing", { headers: local });
  assert.equal(nf.status, 404);
  assert.deepEqual(Object.keys(((await nf.json()) as { error: object }).error).sort(), ["code", "message", "param", "type"]);
  const wrongType = await app().request("/v1/embeddings", { method: "POST", headers: { ...local, "Content-Type": "text/plain" }, body: "{}" });
  assert.equal(wrongType.status, 415);
});

test("keys guard everything but /health; the model path never reaches a client", async () => {
  const a = app({ keys: new ApiKeys([KEY]) });
  assert.equal((await a.request("/health", { headers: local })).status, 200);
  for (const path of ["/v1/models", "/metrics", "/v1/models/m"]) assert.equal((await a.request(path, { headers: local })).status, 401, path);
  const ok = await a.request("/v1/models/m", { headers: { ...local, Authorization: `Bearer ${KEY}` } });
  const text = await ok.text();
  assert.equal(JSON.parse(text).id, "m");
  assert.ok(!text.includes("/not/sent"));
  const e = await a.request("/v1/embeddings", { method: "POST", headers: { ...json, Authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: "m", input: "x" }) });
  assert.deepEqual(((await e.json()) as { data: { embedding: number[] }[] }).data[0]!.embedding, [0.6, 0.8]);
});

test("a full queue is a 429 with Retry-After; shutting down turns /health to 503", async () => {
  const a = app({ queue: stubQueue(() => Promise.reject(new QueueFullError(3, 7))), closing: () => true });
  const r = await a.request("/v1/embeddings", { method: "POST", headers: json, body: JSON.stringify({ model: "m", input: "x" }) });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get("retry-after"), "7");
  assert.equal((await a.request("/health", { headers: local })).status, 503);
});

test("an unexpected error is a 500 without its stack or message", async () => {
  const logged: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (logged.push(s), true)) as typeof process.stderr.write;
  try {
    const a = app({ queue: stubQueue(() => Promise.reject(new Error("secret internals at /home/x"))) });
    const r = await a.request("/v1/embeddings", { method: "POST", headers: json, body: JSON.stringify({ model: "m", input: "x" }) });
    assert.equal(r.status, 500);
    const text = await r.text();
    assert.ok(!text.includes("secret") && !text.includes("/home/x"));
    assert.equal(JSON.parse(text).error.type, "server_error");
  } finally {
    process.stderr.write = orig;
  }
  assert.ok(logged.some((l) => l.includes("secret internals")), "the details go to the server's terminal");
});
