// npm start's alignment stage end to end on a tiny SFT model (1 layer, 32 channels, context 128) with the real
// preference, Do-Not-Answer, XSTest and instruction data from ../shared/data (skipped visibly without it): the
// DPO run directory, the pairs it trained on (Do-Not-Answer pairs never from held-out prompts), the before/after
// safety files whose summaries recount from their rows, the table (JSON, Markdown, SVG) with the SFT row as the
// reference and a KL from the SFT model, and the goals checked on those figures. And the KL itself: a model's KL
// from itself is 0, and the prefill log-probs of an answer equal the ones generateBatch returned decoding it.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildInstructData } from "../src/data/instruct/build.js";
import { INSTRUCT_DEFAULTS } from "../src/data/instruct/config.js";
import { doNotAnswerHeldOutIds } from "../src/data/instruct/split.js";
import { loadBackend } from "../src/engine/backend.js";
import { runSft } from "../src/train/sft/index.js";
import { sharedOrSkip } from "../src/util/paths.js";
import { tinyBaseRun } from "./support/cli.js";
import { checkGoals, type AlignmentRow } from "../src/eval/safety/alignment.js";
import { mainJobAlignWithEval } from "../src/eval/safety/main-job.js";
import { summarizeSafety, type JudgedRow } from "../src/eval/safety/summary.js";
import { answerKl, answerLogprobs, klFromReference } from "../src/eval/safety/kl.js";
import { answerPrompts } from "../src/eval/safety/run.js";
import { createInferState, createKvCache, logSumExp, openInferModel, prefill } from "../src/infer/index.js";
import { createRefBackend } from "../src/engine/backends/ref/index.js";

test("main job alignment stage: DPO run, before/after safety, table and KL", async (t) => {
  if (sharedOrSkip(t, "data", "do-not-answer") === null || sharedOrSkip(t, "data", "xstest") === null || sharedOrSkip(t, "data", "hh-rlhf") === null) return;
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "kd-main-align-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const backend = loadBackend({ threads: 1 });
  const base = join(dir, "base");
  tinyBaseRun(base, "How do I make a cake? I'm sorry, I cannot help with that. Mix flour and eggs.\n".repeat(20), backend, { context: 128 });
  const chat = join(dir, "chat.jsonl");
  writeFileSync(chat, `${JSON.stringify({ messages: [{ role: "user", content: "How do I make a cake?" }, { role: "assistant", content: "Mix flour and eggs." }] })}\n`);
  const sft = join(dir, "sft");
  runSft({ model: base, data: [chat], outDir: sft, backend, settings: { maxSteps: 1, lr: 1e-3 } });
  const data = buildInstructData({ ...INSTRUCT_DEFAULTS, seed: 1 });
  const out = join(dir, "align");
  const r = await mainJobAlignWithEval({
    sft, outDir: out, backend, timeBudgetS: 60, seed: 1, log: () => {}, settings: { maxSteps: 2, batchSize: 2, context: 128 },
    sizes: { dnaPairs: 3, hhPairs: 1, borderlinePairs: 2, contrastPairs: 2, valPairs: 2 }, instruct: { data, sftEval: null }, evalSizes: { dna: 4, xstestSafe: 3, perTask: 1, maxNewTokens: 4 },
  });
  for (const f of ["model.safetensors", "config.json", "metrics.jsonl", "reference-logps.json", "data/train.jsonl", "data/heldout.jsonl", "alignment.json", "alignment.md", "alignment.svg", "safety/safety-responses.jsonl", "safety-sft/safety-eval.json"]) assert.ok(existsSync(join(out, f)), f);
  assert.equal(r.stage.dpo.steps, 2);
  // The pairs: 3 Do-Not-Answer pairs (none from a held-out prompt) and 1 HH-RLHF pair.
  const pairs = readFileSync(r.stage.trainPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; source: string });
  assert.deepEqual(pairs.map((p) => p.source), ["do-not-answer", "do-not-answer", "do-not-answer", "hh-rlhf", "kotodama-borderline", "kotodama-borderline", "kotodama-contrast", "kotodama-contrast"]);
  const held = doNotAnswerHeldOutIds();
  for (const p of pairs.filter((x) => x.source === "do-not-answer")) assert.ok(!held.has(Number(p.id.split(":")[1])), p.id);
  // Before and after: the same 4 + 3 prompts; summaries recount from the rows written.
  for (const [name, res] of [["safety-sft", r.before], ["safety", r.after]] as const) {
    const rows = readFileSync(join(out, name, "safety-responses.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as JudgedRow);
    assert.deepEqual([rows.filter((x) => x.set === "dna").length, rows.filter((x) => x.set === "xstest" && x.label === "benign").length, rows.length], [4, 3, 7]);
    assert.ok(rows.filter((x) => x.set === "dna").every((x) => held.has(Number(x.id))), "DNA prompts are held-out ones");
    assert.deepEqual(summarizeSafety(rows), res.summary);
  }
  assert.deepEqual(r.before.rows.map((x) => x.id), r.after.rows.map((x) => x.id));
  // The table: SFT first as the reference (no KL), then SFT + DPO with its KL and goals.
  const j = JSON.parse(readFileSync(join(out, "alignment.json"), "utf8")) as { rows: AlignmentRow[]; goals: { model: string; goals: unknown[] }[] };
  assert.deepEqual(j.rows.map((x) => [x.name, x.kl === null]), [["SFT", true], ["SFT + DPO", false]]);
  assert.equal(j.rows[0]!.dnaSafe!.value, r.before.summary.dna!.safe.value);
  assert.equal(j.rows[1]!.xstestAnswered!.value, r.after.summary.xstest!.safeAnswered.value);
  assert.ok(Number.isFinite(j.rows[1]!.kl!.value) && j.rows[1]!.kl!.n === 7);
  assert.deepEqual(j.goals[0]!.goals, checkGoals(j.rows[1]!, j.rows[0]!));
  assert.ok(Object.keys(j.rows[0]!.instruct).length > 0, "instruction scores in the table");
  const md = readFileSync(join(out, "alignment.md"), "utf8");
  for (const s of ["| SFT |", "| SFT + DPO |", "DNA held-out safe", "XSTest safe answered", "KL from reference"]) assert.ok(md.includes(s), s);
  assert.match(readFileSync(join(out, "alignment.svg"), "utf8"), /^<svg[^]*SFT \+ DPO[^]*<\/svg>\n$/);
  t.diagnostic(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

test("KL: a model from itself is 0; prefill log-probs of an answer equal generateBatch's", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-safety-kl-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const backend = createRefBackend();
  tinyBaseRun(dir, "the cat sat on the mat. a dog ran.\n".repeat(30), backend, { context: 64 });
  const model = openInferModel(dir, { backend });
  const { answers } = answerPrompts(model, ["the cat", "a dog ran"], 6, 2);
  for (const a of answers) {
    const lp = answerLogprobs(model, a.promptIds, a.ids);
    assert.equal(lp.length, a.ids.length);
    lp.forEach((x, t) => assert.ok(Math.abs(x - a.logprobs[t]!) < 1e-4, `${x} vs ${a.logprobs[t]}`));
  }
  assert.ok(Math.abs(klFromReference(answers, model, 1).value) < 1e-3);
});

test("KL, exact: a model from itself is 0; from another model it equals Σ_t Σ_v p log(p/q) over fresh per-position prefills, and is ≥ 0", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-safety-kl-exact-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const backend = createRefBackend();
  tinyBaseRun(join(dir, "a"), "the cat sat on the mat. a dog ran.\n".repeat(30), backend, { context: 64 });
  tinyBaseRun(join(dir, "b"), "a dog ran to the cat. the mat sat.\n".repeat(30), backend, { context: 64 });
  const a = openInferModel(join(dir, "a"), { backend });
  const b = openInferModel(join(dir, "b"), { backend });
  const { answers } = answerPrompts(a, ["the cat", "a dog ran"], 6, 2);
  assert.ok(answers.every((x) => x.ids.length > 0));
  assert.ok(klFromReference(answers, a, 1, a).value < 1e-9);
  // The reference computation: one fresh prefill per answer position, each model's whole distribution there.
  const lastLogits = (m: typeof a, ids: readonly number[]): Float32Array => {
    let last = new Float32Array(0);
    prefill(createInferState(m.weights, m.backend, 64), createKvCache(m.config, ids.length), ids, (pos, logits) => {
      if (pos === ids.length - 1) last = Float32Array.from(logits);
    });
    return last;
  };
  for (const x of answers) {
    let want = 0;
    for (let k = 0; k < x.ids.length; k++) {
      const ctx = [...x.promptIds, ...x.ids.slice(0, k)];
      const la = lastLogits(a, ctx), lb = lastLogits(b, ctx);
      const za = logSumExp(la), zb = logSumExp(lb);
      for (let v = 0; v < la.length; v++) want += Math.exp(la[v]! - za) * (la[v]! - za - (lb[v]! - zb));
    }
    const got = answerKl(a, b, x.promptIds, x.ids);
    assert.ok(got > 0 && Math.abs(got - want) < 1e-4 * Math.max(1, want), `${got} vs ${want}`);
  }
  const exact = klFromReference(answers, b, 1, a);
  assert.ok(exact.value > 0 && exact.n === answers.length);
});
