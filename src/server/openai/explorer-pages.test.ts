// The explorer's routes for its later pages on a real server with stories260K (../shared/reference; skipped visibly
// when absent): the Instruction tuning page's answer (greedy through the chat template, checked against a greedy
// decode written here from fresh prefills, token by token, with its log-probabilities), the dashboard's data report
// (kept/removed per stage, computed by hand from a report.json), canaries and alignment tables, and the labelling
// routes of serve --label-out (a choice lands in the --out file; the page is open, the API needs the key).
// Not here: the first pages' routes (explorer.test.ts), the page in a browser (tests/explorer-browser.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../../engine/backend.js";
import { createInferState, createKvCache, endOfTurnIds, logSumExp, openInferModel, prefill, type InferModel } from "../../infer/index.js";
import { LabelSession, pairsSource } from "../../train/preference/index.js";
import { sharedPath } from "../../util/paths.js";
import { ApiKeys } from "./auth.js";
import { chatPromptIds } from "./chat-prompt.js";
import type { AnswerResult } from "./explorer-protocol.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;
const KEY = "sk-explorer-pages-test";

/** Greedy decoding the slow way: a fresh prefill of prompt + answer so far for every token (no KV-cache decode
 *  step), the argmax taken here, stopping at an end-of-turn id. Returns the ids and their log-probabilities. */
function greedyByPrefill(model: InferModel, prompt: readonly number[], maxTokens: number): { ids: number[]; logprobs: number[] } {
  const ends = endOfTurnIds(model.tokenizer);
  const ids: number[] = [], logprobs: number[] = [];
  for (let i = 0; i < maxTokens; i++) {
    const seq = [...prompt, ...ids];
    const logits = prefill(createInferState(model.weights, model.backend, seq.length), createKvCache(model.config, seq.length), seq);
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v;
    if (ends.has(best)) break;
    ids.push(best);
    logprobs.push(logits[best]! - logSumExp(logits));
  }
  return { ids, logprobs };
}

const est = (value: number, n: number) => ({ value, n, lo: value - 0.1, hi: value + 0.1 });

describe("the explorer's tuning, dashboard-file and labelling routes (stories260K)", { skip }, () => {
  let server: RunningServer;
  let model: InferModel;
  let dir: string;
  const auth = { authorization: `Bearer ${KEY}` };
  const post = async <T>(path: string, body: unknown): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as T };
  };
  const get = async <T>(path: string): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${server.url}${path}`, { headers: auth });
    return { status: r.status, json: (await r.json()) as T };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kotodama-explorer-pages-"));
    const run = join(dir, "runs", "job");
    mkdirSync(join(run, "data"), { recursive: true });
    mkdirSync(join(run, "align"), { recursive: true });
    writeFileSync(join(run, "metrics.jsonl"), '{"step":1,"train_loss":5}\n');
    // align/ holds only an alignment.json (no metrics.jsonl): still a run, for its table.
    // A data report of three stages (src/data/report.ts's shape, the fields read here).
    const stage = (name: string, docsIn: number, docsOut: number, reasons: Record<string, number>) => ({ name, docsIn, docsOut, charsIn: 0, charsOut: 0, bytesIn: 0, changed: 0, seconds: 0, reasons, examples: [] });
    writeFileSync(join(run, "data", "report.json"), JSON.stringify({ stats: { stages: [stage("read", 100, 100, {}), stage("langid", 100, 90, { "lang=zh": 6, "lang=und": 4 }), stage("dedup", 90, 81, { exact: 9 })] }, seconds: 1.5 }));
    writeFileSync(join(run, "data", "report.html"), "<!doctype html><style>td{color:blue}</style><h1>data</h1>");
    writeFileSync(join(run, "canaries.json"), JSON.stringify({
      spec: { count: 1, repeats: 40, digits: 6, seed: 1 }, dedup: false, samples: 128,
      canaries: [
        { id: "canary-0", control: false, repeats: 40, exposure: { fit: 17.5, rank: 7, maxExposure: 19.9 } },
        { id: "control-0", control: true, repeats: 0, exposure: { fit: 0.8, rank: 0.5, maxExposure: 19.9 } },
      ],
    }));
    writeFileSync(join(run, "align", "alignment.json"), JSON.stringify({
      judge: "guard",
      rows: [
        { name: "sft", path: "/somewhere/sft", dnaSafe: est(0.4, 50), xstestAnswered: est(0.9, 40), instruct: { "task A": est(0.5, 20) }, kl: null },
        { name: "dpo", path: "/somewhere/align", dnaSafe: est(0.8, 50), xstestAnswered: est(0.85, 40), instruct: { "task A": est(0.48, 20) }, kl: est(0.12, 50) },
      ],
      goals: [{ model: "dpo", goals: [{ goal: "dna safe +20 points", value: 0.4, met: true }] }],
    }));
    const bundle = join(dir, "web");
    mkdirSync(join(bundle, "explorer"), { recursive: true });
    mkdirSync(join(bundle, "label"), { recursive: true });
    writeFileSync(join(bundle, "explorer", "index.html"), "<!doctype html><title>explorer</title>");
    writeFileSync(join(bundle, "label", "index.html"), "<!doctype html><title>label</title>");
    const label = new LabelSession(pairsSource([{ id: "q1", prompt: "Name a colour.", a: "Blue.", b: "A colour." }]), join(dir, "labels.jsonl"), ["helpful"]);
    server = await startOpenAIServer({
      models: [{ name: "a", path: MODEL_PATH! }, { name: "b", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1,
      explorer: { bundle, runs: [join(dir, "runs")], guard: null, rag: null, label },
    });
    model = openInferModel(MODEL_PATH!, { backend: loadBackend({ threads: 1 }) });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("answer: greedy through the chat template, as a prefill-per-token greedy decode gives it, with its mean log p", async () => {
    const prompt = "Tell me about a cat.";
    const { status, json: r } = await post<AnswerResult>("/api/explorer/answer", { model: "b", prompt, maxTokens: 12, seed: 3 });
    assert.equal(status, 200);
    const ids = chatPromptIds(model, [{ role: "user", content: prompt }]);
    assert.equal(r.promptTokens, ids.length);
    assert.ok(r.rendered.includes(prompt), "the rendered template holds the user's turn");
    assert.notEqual(r.rendered, prompt, "the template adds its own text around the turn");
    const ref = greedyByPrefill(model, ids, 12);
    assert.equal(r.answer, model.tokenizer.decode(ref.ids));
    assert.equal(r.tokens, ref.ids.length);
    assert.equal(r.finishReason, ref.ids.length === 12 ? "length" : "stop");
    const total = ref.logprobs.reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(r.totalLogprob - total) < 1e-3, `Σ log p ${r.totalLogprob} vs ${total}`);
    assert.ok(Math.abs(r.meanLogprob! - total / ref.ids.length) < 1e-4);
    // Greedy: another seed and the other model (the same weights) answer the same.
    const again = await post<AnswerResult>("/api/explorer/answer", { model: "a", prompt, maxTokens: 12, seed: 99 });
    assert.equal(again.json.answer, r.answer);
    for (const [body, re] of [
      [{ prompt: "" }, /prompt: expected a non-empty string/],
      [{ prompt: "x", maxTokens: 129 }, /maxTokens: expected an integer in \[1, 128\]/],
      [{ prompt: "x", temperature: 1 }, /temperature: unknown field/],
    ] as const) {
      const bad = await post<{ error: { message: string } }>("/api/explorer/answer", body);
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, re);
    }
  });

  test("dashboard files: the data report's kept/removed per stage, its HTML without inline styles, canaries, alignment", async () => {
    const info = await get<{ pages: string[]; label: boolean; runs: { name: string; data: boolean; canaries: boolean; alignment: boolean }[] }>("/api/explorer/info");
    assert.ok(info.json.pages.includes("tuning"));
    assert.equal(info.json.label, true);
    const runs = Object.fromEntries(info.json.runs.map((r) => [r.name, r]));
    assert.deepEqual(runs["runs/job"], { name: "runs/job", report: false, data: true, canaries: true, alignment: false });
    assert.deepEqual(runs["runs/job/align"], { name: "runs/job/align", report: false, data: false, canaries: false, alignment: true });
    const q = `?run=${encodeURIComponent("runs/job")}`;
    const d = await get<{ stages: { name: string; kept: number; removed: number; reasons: Record<string, number> }[]; seconds: number; html: boolean }>(`/api/explorer/data-report${q}`);
    assert.deepEqual(d.json.stages.map((s) => [s.name, s.kept, s.removed]), [["read", 100, 0], ["langid", 90, 10], ["dedup", 81, 9]]);
    assert.deepEqual(d.json.stages[1]!.reasons, { "lang=zh": 6, "lang=und": 4 });
    assert.equal(d.json.html, true);
    const html = await (await fetch(`${server.url}/api/explorer/data-report.html${q}`, { headers: auth })).text();
    assert.match(html, /<h1>data<\/h1>/);
    assert.doesNotMatch(html, /<style/);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!;
    assert.equal(await (await fetch(`${server.url}${href}`, { headers: auth })).text(), "td{color:blue}");
    const c = await get<{ canaries: { id: string; control: boolean; fit: number; rank: number }[]; digits: number; file?: string }>(`/api/explorer/canaries${q}`);
    assert.deepEqual(c.json.canaries.map((x) => [x.id, x.control, x.fit, x.rank]), [["canary-0", false, 17.5, 7], ["control-0", true, 0.8, 0.5]]);
    assert.equal(c.json.digits, 6);
    assert.equal(c.json.file, undefined, "no machine paths to the client");
    const a = await get<{ judge: string; rows: { name: string; dnaSafe: { value: number }; kl: { value: number } | null; path?: string }[]; goals: { model: string; met: boolean }[] }>(`/api/explorer/alignment?run=${encodeURIComponent("runs/job/align")}`);
    assert.deepEqual(a.json.rows.map((r) => [r.name, r.dnaSafe.value, r.kl?.value ?? null, r.path]), [["sft", 0.4, null, undefined], ["dpo", 0.8, 0.12, undefined]]);
    assert.deepEqual(a.json.goals, [{ model: "dpo", goal: "dna safe +20 points", value: 0.4, met: true }]);
    const none = await get<{ error: { message: string } }>(`/api/explorer/alignment${q}`);
    assert.equal(none.status, 404);
    assert.match(none.json.error.message, /no alignment\.json/);
  });

  test("labelling under serve --label-out: kotodama label's routes, the page open, the API behind the key", async () => {
    const page = await fetch(`${server.url}/label/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>label<\/title>/);
    assert.equal((await fetch(`${server.url}/api/label/state`)).status, 401);
    const s = await get<{ total: number; done: number; current: { pair: { id: string } } }>("/api/label/state");
    assert.deepEqual([s.json.total, s.json.done, s.json.current.pair.id], [1, 0, "q1"]);
    const done = await post<{ done: number }>("/api/label/choice", { id: "q1", choice: "right", tags: ["helpful"] });
    assert.equal(done.json.done, 1);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "labels.jsonl"), "utf8")), { id: "q1", prompt: "Name a colour.", chosen: "A colour.", rejected: "Blue.", source: "label", tags: ["helpful"] });
    const stale = await post<{ error: { message: string } }>("/api/label/choice", { id: "q1", choice: "left" });
    assert.equal(stale.status, 409);
  });
});
