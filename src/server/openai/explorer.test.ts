// The explorer's API on a real server with stories260K (../shared/reference; skipped visibly when absent): the
// next-token distribution against llama.cpp's logits for the same prompt (reference.json) and src/infer's
// scoreText, the ranking against rankTexts, the sampling distribution against samplingDistribution and its
// continuation against generateText, attention maps (rows sum to 1, causal) and the logit lens (its last layer is
// the model's own prediction), the metrics slices of a growing metrics.jsonl, retrieval against askGrounded, the
// guard's checks with a hand-built guard, strict requests, and the page's files open without an API key while the
// API needs one.
// Not here: the page in a browser (tests/explorer-browser.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../../engine/backend.js";
import { generateText, logSumExp, openInferModel, parseGenerateOptions, prefill, createInferState, createKvCache, promptIds, rankTexts, samplingDistribution, scoreText, type InferModel } from "../../infer/index.js";
import { sharedPath } from "../../util/paths.js";
import { askGrounded, ASK_DEFAULTS, LexicalIndex, updateIndex } from "../../rag/index.js";
import { checkInput } from "../../safety/index.js";
import { zeroGuard } from "../../safety/guard.fixture.js";
import { ApiKeys } from "./auth.js";
import { entropyOf } from "./explorer-jobs.js";
import type { GuardJson } from "./explorer-app.js";
import type { AttentionResult, NextResult, RagResult, SampleResult, ScoreResult } from "./explorer-protocol.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const REF_PATH = sharedPath("reference", "stories260K", "reference.json");
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;
const KEY = "sk-explorer-test";

/** A guard built by hand: zero weights, so every prompt scores 12/13 unsafe in Malicious Uses (guard.fixture.ts). */
const ZERO_GUARD = zeroGuard(0.5, 0.6);

interface Reference { prompts: { prompt: string; prompt_ids: number[]; logits_last_prompt_pos: number[] }[] }

describe("the explorer's API on kotodama serve (stories260K)", { skip }, () => {
  let server: RunningServer;
  let model: InferModel;
  let runs: string;
  const post = async <T>(path: string, body: unknown, key = KEY): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${server.url}/api/explorer/${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as T };
  };
  const get = async <T>(path: string): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    return { status: r.status, json: (await r.json()) as T };
  };

  before(async () => {
    runs = mkdtempSync(join(tmpdir(), "kotodama-explorer-runs-"));
    mkdirSync(join(runs, "job", "sft"), { recursive: true });
    writeFileSync(join(runs, "job", "metrics.jsonl"), '{"step":1,"lr":0.001,"train_loss":5.5,"tokens_per_s":100}\n');
    writeFileSync(join(runs, "job", "sft", "metrics.jsonl"), "");
    mkdirSync(join(runs, "job", "report"));
    writeFileSync(join(runs, "job", "report", "report.html"), "<!doctype html><style>h1{color:red}</style><h1>card</h1>");
    const bundle = join(runs, "web");
    mkdirSync(join(bundle, "explorer"), { recursive: true });
    writeFileSync(join(bundle, "explorer", "index.html"), "<!doctype html><title>explorer</title>");
    mkdirSync(join(runs, "docs"));
    writeFileSync(join(runs, "docs", "tom.txt"), "Tom has a big brown dog named Max. Max likes to run and bark at cats.\n");
    writeFileSync(join(runs, "docs", "sky.txt"), "The sun is hot. The moon comes out at night and the stars shine.\n");
    writeFileSync(join(runs, "docs", "lily.txt"), "Lily had a red ball. She played with the ball in the park every day.\n\nOne day the ball rolled into the pond and a duck found it.\n");
    updateIndex(join(runs, "index"), [join(runs, "docs")]);
    server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1, explorer: { bundle, runs: [runs], guard: ZERO_GUARD, rag: join(runs, "index") } });
    model = openInferModel(MODEL_PATH!, { backend: loadBackend({ threads: 1 }) });
  });
  after(async () => {
    await server.stop();
    rmSync(runs, { recursive: true, force: true });
  });

  test("next token: top-k, mass and entropy equal llama.cpp's logits for the same prompt, and src/infer's", async () => {
    const ref = (JSON.parse(readFileSync(REF_PATH!, "utf8")) as Reference).prompts[0]!; // "Once upon a time"
    const { status, json: r } = await post<NextResult>("next", { prompt: ref.prompt, k: 5 });
    assert.equal(status, 200);
    assert.deepEqual(r.tokens.map((t) => t.id), ref.prompt_ids);
    const L = ref.logits_last_prompt_pos, lse = logSumExp(L);
    const order = L.map((v, id) => ({ id, p: Math.exp(v - lse) })).sort((a, b) => b.p - a.p).slice(0, 5);
    assert.deepEqual(r.top.map((t) => t.id), order.map((o) => o.id));
    r.top.forEach((t, i) => assert.ok(Math.abs(t.prob - order[i]!.p) < 1e-5, `p of ${t.id}: ${t.prob} vs llama.cpp ${order[i]!.p}`));
    assert.ok(Math.abs(r.mass - order.reduce((s, o) => s + o.p, 0)) < 1e-5);
    assert.ok(Math.abs(r.entropy - entropyOf(L)) < 1e-4, `entropy ${r.entropy} vs ${entropyOf(L)}`);
    const lib = scoreText(model, ref.prompt, { top: 5 });
    assert.deepEqual(r.top.map((t) => t.id), lib.next.map((n) => n.id));
    assert.ok(Math.abs(r.top[0]!.prob - lib.next[0]!.prob) < 1e-6);
    assert.equal(r.top[0]!.text, ",");
  });

  test("entropyOf is −Σ p ln p (uniform over 4: ln 4; one certain token: 0)", () => {
    assert.ok(Math.abs(entropyOf([0, 0, 0, 0]) - Math.log(4)) < 1e-12);
    assert.ok(entropyOf([0, -1000, -1000]) < 1e-12);
  });

  test("naturalness: per-token log-probabilities and the order are scoreText's and rankTexts'", async () => {
    const texts = ["Girl the park little to went.", "The little girl went to the park."];
    const { json: r } = await post<ScoreResult>("score", { texts });
    const lib = rankTexts(texts.map((t) => scoreText(model, t)));
    assert.deepEqual(r.ranked.map((s) => s.text), lib.map((s) => s.text));
    assert.deepEqual(r.ranked.map((s) => s.index), [1, 0]);
    r.ranked.forEach((s, i) => {
      assert.ok(Math.abs(s.mean - lib[i]!.mean) < 1e-9);
      assert.deepEqual(s.tokens.map((t) => t.id), lib[i]!.tokens.map((t) => t.id));
      s.tokens.forEach((t, j) => assert.equal(t.logprob, lib[i]!.tokens[j]!.logprob));
    });
  });

  test("sampling: the transformed distribution is samplingDistribution's, the continuation generateText's", async () => {
    const settings = { temperature: 1.5, topK: 10, topP: 0.9, minP: 0.01, seed: 7, maxTokens: 12 };
    const { json: r } = await post<SampleResult>("sample", { prompt: "One day, Lily", ...settings, show: 20 });
    const ids = promptIds(model, "One day, Lily");
    const logits = prefill(createInferState(model.weights, model.backend, 16), createKvCache(model.config, ids.length), ids);
    const d = samplingDistribution(logits, parseGenerateOptions(settings));
    assert.equal(r.kept, d.ids.length);
    const want = new Map([...d.ids].map((id, i) => [id, d.probs[i]!]));
    for (const c of r.candidates) assert.ok(Math.abs(c.sampled - (want.get(c.id) ?? 0)) < 1e-6, `token ${c.id}`);
    assert.ok(Math.abs(r.candidates.reduce((s, c) => s + c.sampled, 0) - 1) < 1e-6, "every kept token is among the 20 shown");
    const g = await generateText(model, "One day, Lily", settings);
    assert.equal(r.continuation, g.text);
    const greedy = await post<SampleResult>("sample", { prompt: "One day, Lily", temperature: 0, maxTokens: 5 });
    assert.equal(greedy.json.kept, 1);
    assert.equal(greedy.json.candidates.find((c) => c.sampled === 1)?.id, greedy.json.candidates[0]!.id);
  });

  test("attention: causal rows summing to 1 for every layer and head; the logit lens's last layer is the model's prediction", async () => {
    const prompt = "Tom and his dog";
    const { json: r } = await post<AttentionResult>("attention", { prompt });
    const T = r.tokens.length;
    assert.equal(r.layers, 5);
    assert.equal(r.heads, 8);
    for (const layer of r.probs) {
      assert.equal(layer.length, 8);
      for (const map of layer) {
        assert.equal(map.length, T * T);
        for (let q = 0; q < T; q++) {
          const row = map.slice(q * T, (q + 1) * T);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3);
          for (let k = q + 1; k < T; k++) assert.equal(row[k], 0, "no attention to later tokens");
        }
      }
    }
    assert.equal(r.probs[0]![0]![0], 1, "the first token attends only to itself");
    const lib = scoreText(model, prompt, { top: 1 });
    const last = r.lens[r.layers - 1]!;
    assert.equal(last[T - 1]!.id, lib.next[0]!.id);
    assert.ok(Math.abs(last[T - 1]!.prob - lib.next[0]!.prob) < 1e-5);
    // Every position: the model's own argmax there (one prefill with a logits sink, as scoreText reads them).
    const ids = promptIds(model, prompt);
    const argmaxes: number[] = [];
    prefill(createInferState(model.weights, model.backend, 16), createKvCache(model.config, ids.length), ids, (_, l) => argmaxes.push(l.indexOf(Math.max(...l))));
    assert.deepEqual(last.map((c) => c.id), argmaxes);
    const long = await post<{ error: { message: string } }>("attention", { prompt: "word ".repeat(100) });
    assert.equal(long.status, 400);
    assert.match(long.json.error.message, /at most 64/);
  });

  test("training runs: found under --runs, read from a line on, new lines appear, a shrunk file resets", async () => {
    const info = await get<{ runs: { name: string; report: boolean }[]; pages: string[] }>("/api/explorer/info");
    assert.deepEqual(info.json.runs.map((r) => r.name).filter((n) => n.includes("job")).sort(), [`${runs.split("/").pop()}/job`, `${runs.split("/").pop()}/job/sft`]);
    const name = info.json.runs.find((r) => r.name.endsWith("/job"))!.name;
    const q = (from: number) => get<{ records: { step: number }[]; next: number; reset: boolean }>(`/api/explorer/metrics?run=${encodeURIComponent(name)}&from=${from}`);
    const a = await q(0);
    assert.deepEqual(a.json.records.map((r) => r.step), [1]);
    assert.equal(a.json.next, 1);
    appendFileSync(join(runs, "job", "metrics.jsonl"), '{"step":2,"lr":0.002,"train_loss":5.1}\n{"step":3,"train_lo');
    const b = await q(1);
    assert.deepEqual(b.json.records.map((r) => r.step), [2], "a line still being written is not read");
    assert.equal(b.json.next, 2);
    writeFileSync(join(runs, "job", "metrics.jsonl"), '{"step":1,"lr":0.001,"train_loss":5.4}\n');
    const c = await q(2);
    assert.equal(c.json.reset, true);
    assert.deepEqual(c.json.records.map((r) => r.step), [1]);
    assert.equal((await get("/api/explorer/metrics?run=..%2F..%2Fetc&from=0")).status, 404);
    assert.deepEqual(info.json.runs.filter((r) => r.name.includes("job")).map((r) => r.report), [true, false]);
    const card = await fetch(`${server.url}/api/explorer/report?run=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(card.status, 200);
    const html = await card.text();
    assert.match(html, /<h1>card<\/h1>/);
    assert.doesNotMatch(html, /<style/, "the CSP (default-src 'self') would block an inline style block");
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!;
    const css = await fetch(`${server.url}${href}`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await css.text(), "h1{color:red}");
    assert.equal((await get(`/api/explorer/report?run=${encodeURIComponent(`${name}/sft`)}`)).status, 404);
    assert.equal((await get(`/api/explorer/metrics?run=${encodeURIComponent(name)}&from=-1`)).status, 400);
  });

  test("retrieval: the passages and the grounded answer are askGrounded's on the same index", async () => {
    const question = "What does the big brown dog named Max like to do?";
    const { status, json: r } = await post<RagResult>("rag", { question, mode: "extract", k: 2 });
    assert.equal(status, 200);
    const lib = await askGrounded(question, new LexicalIndex(join(runs, "index")), {}, { ...ASK_DEFAULTS, k: 2, mode: "extract" });
    assert.equal(r.answer, lib.answer);
    assert.equal(r.abstained, false);
    assert.deepEqual(r.retrieved.map((p) => [p.docId, p.score]), lib.retrieved.map((c) => [c.docId, c.score]));
    assert.match(r.retrieved[0]!.docId, /tom\.txt$/);
    assert.deepEqual(r.citations.map((c) => c.n), [1]);
    assert.equal(r.answer.slice(r.citations[0]!.marker.start, r.citations[0]!.marker.end), "[1]");
    const none = await post<RagResult>("rag", { question: "quantum chromodynamics", mode: "extract" });
    assert.deepEqual([none.json.abstained, none.json.belowThreshold, none.json.retrieved.length], [true, true, 0]);
    const chat = await post<{ error: { message: string } }>("rag", { question, mode: "generate" });
    assert.equal(chat.status, 400, "generate mode needs a chat model; stories260K has no template");
    assert.match(chat.json.error.message, /chat/);
  });

  test("safety: the guard's input and output checks (zero weights: 12/13 unsafe, Malicious Uses)", async () => {
    const { json: r } = await post<GuardJson>("guard", { text: "How do I pick a lock?", response: "Use a pin." });
    assert.ok(Math.abs(r.input.unsafe - 12 / 13) < 1e-9);
    assert.equal(r.input.area, "Malicious Uses");
    assert.equal(r.input.flagged, true);
    assert.deepEqual(r.input.policy, checkInput(ZERO_GUARD, "How do I pick a lock?").policy);
    assert.deepEqual(r.output, { harmful: 0.5, threshold: 0.6, flagged: false });
    const info = await get<{ pages: string[]; guard: boolean }>("/api/explorer/info");
    assert.deepEqual(info.json.pages, ["next", "naturalness", "sampling", "attention", "training", "tuning", "simplify", "retrieval", "safety"]);
  });

  test("strict requests: unknown fields, bad values, unknown models; the API needs the key, the page does not", async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ["next", { prompt: "x", kk: 1 }, 400, /kk: unknown field/],
      ["next", { prompt: 3 }, 400, /prompt: expected a string/],
      ["next", { prompt: "x", k: 0 }, 400, /k: expected an integer in \[1, 100\]/],
      ["sample", { prompt: "x", topP: 2 }, 400, /topP/],
      ["sample", { prompt: "x", maxTokens: 1000 }, 400, /maxTokens: at most 200/],
      ["score", { texts: [] }, 400, /texts: expected an array of 1 to 16 strings/],
      ["next", { model: "nope", prompt: "x" }, 404, /The model 'nope' does not exist/],
      ["rag", { question: "x", mode: "search" }, 400, /mode: expected "generate" or "extract"/],
      ["guard", { text: "" }, 400, /text: expected a non-empty string/],
    ];
    for (const [path, body, status, re] of cases) {
      const r = await post<{ error: { message: string } }>(path, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.json.error.message, re);
    }
    assert.equal((await post("next", { prompt: "x" }, "wrong")).status, 401);
    const page = await fetch(`${server.url}/explorer/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>explorer<\/title>/);
    const root = await fetch(`${server.url}/`, { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/explorer/");
    assert.equal((await fetch(`${server.url}/api/explorer/info`)).status, 401);
  });
});
