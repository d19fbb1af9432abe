// The report card against a fake npm start run directory with hand-written metrics and evaluation files (a tiny
// real model underneath, so the model facts come from loading it): every number in report.json equals the one in
// the file it was copied from, the HTML shows them, the lineage is followed and verified by sha256, npm start's
// non-commercial data sets are marked, parts that are absent are reported missing, and text from files and paths
// is escaped. No ../shared data needed.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../../engine/backend.js";
import { hfTokenizerJson, loadTokenizer, trainBpe } from "../../tokenizer/index.js";
import { resolveRunConfig, train } from "../../train/index.js";
import { KotodamaError } from "../../util/errors.js";
import { buildReportCard } from "./build.js";
import type { ReportCard } from "./card.js";
import { namedEvalFile } from "./discover.js";
import { sha256OfFile } from "./model-facts.js";
import { writeReportCard } from "./write.js";

const TEXT = "the cat sat on the mat. the dog ran to the park. a bird sang in the tree. ".repeat(20);

/** A tiny Llama-style pretrained run directory (the default preset shrunk: 1 layer, 16 channels, 300-token BPE, one step). */
function tinyRun(dir: string): void {
  const tok = trainBpe({ texts: [TEXT], vocabSize: 300 });
  const run = resolveRunConfig("default", { model: { vocabSize: 300, dim: 16, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 32 }, train: { batchSize: 1, maxSteps: 1, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode(TEXT, { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: 300, description: "", tokenizerPath: null }, backend: loadBackend({ kind: "ref", threads: 1 }), outDir: dir, tokenizerJson: hfTokenizerJson(tok) });
}

const json = (path: string, v: unknown): void => writeFileSync(path, `${JSON.stringify(v, null, 2)}\n`);
const jsonl = (path: string, rows: readonly unknown[]): void => writeFileSync(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
const e = (value: number, n: number, lo = 0, hi = 1): { value: number; n: number; lo: number; hi: number; interval: string } => ({ value, n, lo, hi, interval: "wilson" });

/** A fine-tuning stage directory: the base's weights copied, config.json naming the base and its sha256. */
function stage(dir: string, base: string, kind: "sft" | "dpo", section: Record<string, unknown>): void {
  mkdirSync(join(dir, "data"), { recursive: true });
  for (const f of ["model.safetensors", "tokenizer.json"]) copyFileSync(join(base, f), join(dir, f));
  const model = (JSON.parse(readFileSync(join(base, "config.json"), "utf8")) as { model: unknown }).model;
  json(join(dir, "config.json"), { kind, base: { path: base, format: "run", sha256: sha256OfFile(join(base, "model.safetensors")) }, model, train: { maxSteps: 10 }, [kind]: section });
}

const AREA_A = "Information Hazards", AREA_X = "<script>alert(2)</script> area";

/** npm start's layout: ROOT (pretraining, data/), ROOT/sft, ROOT/align with its safety evaluations. */
function fakeMainJob(root: string): { sft: string; align: string } {
  tinyRun(root);
  jsonl(join(root, "metrics.jsonl"), [
    { step: 1, lr: 1e-3, train_loss: 5.0, grad_norm: 1, tokens_per_s: 1, elapsed_s: 1 },
    { step: 2, lr: 1e-3, train_loss: 4.5, grad_norm: 1, tokens_per_s: 1, elapsed_s: 2, val_loss: 4.0 },
    { step: 3, lr: 1e-3, train_loss: 4.25, grad_norm: 1, tokens_per_s: 1, elapsed_s: 3 },
  ]);
  writeFileSync(join(root, "samples.txt"), "validation loss on tinystories_val.txt: 3.9000 (perplexity 49.4, 1024 tokens)\n\n[Once upon a time] ...\n");
  mkdirSync(join(root, "data"));
  json(join(root, "data", "manifest.json"), {
    format: "kotodama-data", version: 1, key: "k", configHash: "c", tokenizer: { path: "t", sha256: "s", kind: "bpe (byte-level, 300 tokens)", vocabSize: 300, eos: 1 }, bytesPerToken: 2,
    sources: [
      { name: "tinystories-json", weight: 1, files: 1, docsRead: 30, trainDocs: 27, valDocs: 2, trainTokens: 4321, valTokens: 210 },
      { name: "mystery-corpus", weight: 1, files: 1, docsRead: 5, trainDocs: 5, valDocs: 0, trainTokens: 99, valTokens: 0 },
    ],
    splits: { train: { docs: 32, tokens: 4420, shards: [] }, val: { docs: 2, tokens: 210, shards: [] } },
  });
  json(join(root, "data", "report.json"), { stats: { stages: [{ name: "read", docsIn: 35, docsOut: 35 }, { name: "dedup", docsIn: 35, docsOut: 34 }] } });
  json(join(root, "canaries.json"), {
    spec: { count: 1, repeats: 40, digits: 6, seed: 1 }, dedup: false, samples: 128, sep: 1,
    canaries: [
      { id: "canary-0", prefix: "p", secret: "1", repeats: 40, control: false, exposure: { rank: 19.93, fit: 12.34, maxExposure: 19.93 } },
      { id: "control-0", prefix: "p", secret: "2", repeats: 0, control: true, exposure: { rank: 0.5, fit: 0.61, maxExposure: 19.93 } },
    ],
  });

  const sft = join(root, "sft");
  stage(sft, root, "sft", { data: [{ path: join(sft, "data", "train.jsonl"), sha256: "aa11", format: "chat", examples: 7 }], valData: [{ path: join(sft, "data", "heldout.jsonl"), sha256: "bb22" }] });
  jsonl(join(sft, "metrics.jsonl"), [{ step: 10, lr: 1e-3, train_loss: 2.5, grad_norm: 1, tokens_per_s: 1, elapsed_s: 1, val_loss: 2.0 }]);
  json(join(sft, "instruct-eval.json"), {
    kind: "instruct-eval", models: { sft, base: root, data: "d" }, tasks: ["cefr-level"], conditions: ["base-zero-shot", "sft"],
    metrics: { "cefr-level": { "base-zero-shot": { exact: e(0.1, 20) }, sft: { exact: e(0.35, 20, 0.18, 0.57) } } },
  });

  const align = join(root, "align");
  stage(align, sft, "dpo", { prefs: { path: join(align, "data", "train.jsonl"), sha256: "cc33", pairs: 11 } });
  jsonl(join(align, "metrics.jsonl"), [{ step: 5, lr: 1e-4, train_loss: 0.6, grad_norm: 1, tokens_per_s: 1, elapsed_s: 1, val_loss: 0.65 }]);
  json(join(align, "eval.json"), { step: 5, beta: 0.1, heldOut: { pairs: 24, accuracy: 0.625, meanMargin: 0.1 } });
  const safetyDir = join(align, "safety");
  mkdirSync(safetyDir);
  json(join(safetyDir, "safety-eval.json"), {
    model: align, judge: "test judge",
    summary: {
      n: 9,
      dna: { safe: e(0.75, 4, 0.3, 0.95), perArea: { [AREA_A]: e(1, 2), [AREA_X]: e(0.5, 2) }, perHarmType: {}, actionMix: [0.5, 0, 0, 0, 0.25, 0.25] },
      xstest: { safeAnswered: e(0.8, 5, 0.38, 0.96), safeAnsweredPerType: { homonyms: e(0.8, 5) }, unsafeSafe: { value: null, n: 0, lo: 0, hi: 1 }, unsafeRefused: { value: null, n: 0, lo: 0, hi: 1 }, classMix: null },
      custom: null,
    },
  });
  const row = (area: string, action: number): unknown => ({ set: "dna", id: "1", prompt: "q", label: "harmful", area, response: "<script>alert(3)</script>", safe: action !== 5, refused: action === 0 || action === 4, action, harmful: 0 });
  jsonl(join(safetyDir, "safety-responses.jsonl"), [row(AREA_A, 0), row(AREA_A, 0), row(AREA_X, 5), row(AREA_X, 4)]);
  mkdirSync(join(align, "safety-sft"));
  json(join(align, "safety-sft", "safety-eval.json"), { model: sft, judge: "test judge", summary: { n: 2, dna: { safe: e(0.5, 2), perArea: {}, perHarmType: {}, actionMix: [0.5, 0, 0, 0, 0, 0.5] }, xstest: null, custom: null } });
  json(join(align, "alignment.json"), {
    judge: "test judge",
    rows: [
      { name: "SFT", path: sft, dnaSafe: e(0.5, 2), dnaPerArea: {}, xstestAnswered: null, instruct: { "CEFR exact": e(0.35, 20) }, kl: null },
      { name: "SFT + DPO", path: align, dnaSafe: e(0.75, 4), dnaPerArea: {}, xstestAnswered: e(0.8, 5), instruct: { "CEFR exact": e(0.3, 20) }, kl: { value: 1.5, n: 9, lo: 1, hi: 2, interval: "bootstrap" } },
    ],
    goals: [{ model: "SFT + DPO", goals: [{ goal: "Do-Not-Answer held-out safe ≥ 95 %", value: 0.75, met: false }, { goal: "instruction scores down ≤ 10 % relative (their sum, 1 scores)", value: 0.05 / 0.35, met: false, shown: "0.350 → 0.300: down 14.3 %" }] }],
  });
  return { sft, align };
}

test("report card of npm start's aligned model: numbers copied from every file, lineage, licences", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "run");
  const { sft, align } = fakeMainJob(root);
  // The pretraining run's length was fitted to a time budget: schedule.json, not config.json's 1, is its length.
  json(join(root, "schedule.json"), { maxSteps: 1234, configuredMaxSteps: 1, timeBudgetS: 500, secondsPerStep: 0.3, fittedAtStep: 125, onlyShorter: false });
  const card = buildReportCard({ model: align });
  const paths = writeReportCard(join(dir, "out"), card);
  const c = JSON.parse(readFileSync(paths.json, "utf8")) as ReportCard;
  const html = readFileSync(paths.html, "utf8");
  assert.equal(c.format, "kotodama-report");
  assert.equal(c.version, 1);

  // The model: 1 layer, dim 16, vocab 300, tied embeddings: 300·16 + 4·16·16 (q, k, v, o) + 3·16·32 (SwiGLU) + 2·16 (norms) + 16 (final norm).
  assert.equal(c.model.parameters, 300 * 16 + 4 * 16 * 16 + 3 * 16 * 32 + 2 * 16 + 16);
  assert.deepEqual([c.model.family, c.model.context, c.model.vocabSize], ["llama", 32, 300]);
  assert.equal(c.model.tokenizerVocab, loadTokenizer(join(align, "tokenizer.json")).vocabSize, "the tokenizer's own count (its BPE ran out of merges below 300)");
  assert.equal(c.model.files[0]!.sha256, sha256OfFile(join(align, "model.safetensors")));

  // The lineage, oldest first, each base verified by its sha256; losses as written; perplexity exp(validation loss).
  assert.deepEqual(c.stages.map((s) => s.kind), ["pretrain", "sft", "dpo"]);
  assert.deepEqual(c.stages.map((s) => s.base?.verified ?? null), [null, true, true]);
  const [pre, sf, dpo] = c.stages as [ReportCard["stages"][number], ReportCard["stages"][number], ReportCard["stages"][number]];
  assert.deepEqual([pre.trainLoss, pre.valLoss, pre.steps], [{ step: 3, value: 4.25 }, { step: 2, value: 4.0 }, 3]);
  assert.deepEqual(c.stages.map((s) => s.maxSteps), [1234, 10, 10], "a fitted schedule's length from schedule.json, else config.json's");
  assert.ok(html.includes("3 / 1234"));
  assert.equal(pre.perplexity, Math.exp(4.0));
  assert.deepEqual(pre.fullValidation, { on: "tinystories_val.txt", loss: 3.9, perplexity: 49.4 });
  assert.deepEqual([sf.trainLoss?.value, sf.valLoss?.value, sf.perplexity], [2.5, 2.0, Math.exp(2.0)]);
  assert.deepEqual([dpo.valLoss?.value, dpo.perplexity, dpo.heldOutPairs], [0.65, null, { pairs: 24, accuracy: 0.625 }]);
  for (const s of ["4.2500", "4.0000", "54.6", "2.5000", "7.4", "0.6500", "62.5 %", "49.4"]) assert.ok(html.includes(s), `HTML shows ${s}`);

  // Instruction scores: the SFT run's evaluation, its columns naming their models (neither is the aligned one).
  assert.equal(c.instruct.status, "present");
  if (c.instruct.status !== "present") return;
  const ev = c.instruct.evaluations[0]!;
  assert.deepEqual(ev.conditions.map((x) => [x.key, x.model, x.thisModel]), [["base-zero-shot", root, false], ["sft", sft, false]]);
  assert.deepEqual(ev.rows[0]!.values.sft, { value: 0.35, n: 20, lo: 0.18, hi: 0.57 });
  assert.ok(html.includes("0.350"));

  // Safety: this model's evaluation first, then the SFT model's; action mix per area recounted from the rows.
  assert.equal(c.safety.status, "present");
  if (c.safety.status !== "present") return;
  const [mine, other] = c.safety.evaluations as [typeof c.safety.evaluations[number], typeof c.safety.evaluations[number]];
  assert.deepEqual([mine.thisModel, other.thisModel, other.model], [true, false, sft]);
  assert.deepEqual(mine.dna?.safe, { value: 0.75, n: 4, lo: 0.3, hi: 0.95 });
  assert.deepEqual(mine.dna?.actionMix, [0.5, 0, 0, 0, 0.25, 0.25]);
  assert.deepEqual(mine.dna?.actionMixPerArea, { [AREA_A]: [1, 0, 0, 0, 0, 0], [AREA_X]: [0, 0, 0, 0, 0.5, 0.5] });
  assert.equal(mine.xstest?.safeAnswered.value, 0.8);
  assert.ok(Math.abs(mine.xstest!.overRefusal! - 0.2) < 1e-12);
  assert.equal(mine.xstest?.unsafeSafe, null, "no unsafe XSTest prompts: not shown as a number");
  for (const s of ["0.750", "20.0 %", "homonyms", "50 %"]) assert.ok(html.includes(s), `HTML shows ${s}`);

  // Alignment rows and goals; canaries from the pretraining run.
  assert.equal(c.alignment.status, "present");
  if (c.alignment.status === "present") {
    assert.deepEqual(c.alignment.rows.map((r) => [r.name, r.thisModel, r.kl?.value ?? null]), [["SFT", false, null], ["SFT + DPO", true, 1.5]]);
    assert.deepEqual(c.alignment.goals, [{ model: "SFT + DPO", goal: "Do-Not-Answer held-out safe ≥ 95 %", value: 0.75, met: false }, { model: "SFT + DPO", goal: "instruction scores down ≤ 10 % relative (their sum, 1 scores)", value: 0.05 / 0.35, met: false, shown: "0.350 → 0.300: down 14.3 %" }]);
    assert.ok(html.includes("0.350 → 0.300: down 14.3 %"), "a goal's figure is shown as written");
  }
  assert.equal(c.memorization.status, "present");
  if (c.memorization.status === "present") {
    assert.deepEqual(c.memorization.canaries[0]!.canaries.map((x) => [x.id, x.control, x.fit, x.rank]), [["canary-0", false, 12.34, 19.93], ["control-0", true, 0.61, 0.5]]);
    assert.ok(html.includes("12.34") && html.includes("0.61"));
  }

  // Provenance and licences: the pipeline's sources; npm start's SFT and DPO sources, non-commercial ones marked.
  assert.equal(c.provenance.status, "present");
  if (c.provenance.status === "present") {
    assert.deepEqual(c.provenance.data[0]!.sources.map((s) => [s.name, s.trainTokens]), [["tinystories-json", 4321], ["mystery-corpus", 99]]);
    assert.deepEqual(c.provenance.data[0]!.train, { docs: 32, tokens: 4420 });
    assert.deepEqual(c.provenance.stageData.map((s) => s.files.map((f) => [f.sha256, f.rows])), [[["aa11", 7], ["bb22", null]], [["cc33", 11]]]);
  }
  assert.equal(c.licences.status, "present");
  if (c.licences.status !== "present") return;
  const lic = (stageDir: string, source: string): boolean | null | undefined => c.licences.status === "present" ? c.licences.notes.find((n) => n.stage === stageDir && n.source === source)?.nonCommercial : undefined;
  assert.equal(lic(root, "tinystories-json"), false);
  assert.equal(lic(root, "mystery-corpus"), null, "a source kotodama does not know: licence unknown, not guessed");
  assert.equal(lic(sft, "asset"), true);
  assert.equal(lic(sft, "do-not-answer"), true);
  assert.equal(lic(align, "hh-rlhf"), false);
  assert.equal(lic(align, "do-not-answer"), true);
  assert.ok(c.licences.nonCommercial.includes("do-not-answer (CC-BY-NC-SA-4.0)"));
  assert.ok(html.includes("⚠ Trained on non-commercial data"));

  // What is absent is said: no instruct-eval.json of this model itself, no pii.json — and nothing else.
  assert.equal(c.missing.length, 1);
  assert.match(c.missing[0]!, /measured other models/);
});

test("report card of a bare run: every absent part is reported missing, and text is escaped", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = join(dir, "run<script>alert(1)</script>");
  tinyRun(run);
  const card = buildReportCard({ model: run });
  for (const k of ["instruct", "safety", "alignment", "memorization", "provenance", "licences"] as const) assert.equal(card[k].status, "missing", k);
  assert.equal(card.missing.length, 6);
  assert.equal(card.stages.length, 1);
  assert.equal(card.stages[0]!.perplexity, Math.exp(card.stages[0]!.valLoss!.value));
  const paths = writeReportCard(join(dir, "out"), card);
  const html = readFileSync(paths.html, "utf8");
  assert.ok(!/<script/i.test(html), "no script element in the page");
  assert.ok(html.includes("run&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.equal((html.match(/Missing: /g) ?? []).length, 6);
  assert.ok(html.includes("kotodama eval safety --model M --out DIR"));

  // A safety evaluation named with --safety, whose area and path hold markup, is read and escaped too.
  const root = join(dir, "main");
  const { align } = fakeMainJob(root);
  const named = namedEvalFile("safety", join(align, "safety"), "--safety");
  const c2 = buildReportCard({ model: run, extra: { safety: [named] } });
  assert.equal(c2.safety.status, "present");
  const html2 = readFileSync(writeReportCard(join(dir, "out2"), c2).html, "utf8");
  assert.ok(!/<script/i.test(html2));
  assert.ok(html2.includes("&lt;script&gt;alert(2)&lt;/script&gt; area"));
  assert.ok(c2.missing.some((m) => /measured other models/.test(m)), "an evaluation of another model is not this model's");
});

test("report flags: a folder without the file, or a wrong file, is an error naming the flag", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => namedEvalFile("safety", dir, "--safety"), (err: unknown) => err instanceof KotodamaError && /--safety .* holds no safety-eval\.json/.test(err.message));
  assert.throws(() => namedEvalFile("instruct", join(dir, "nope"), "--instruct"), /--instruct .* does not exist/);
  writeFileSync(join(dir, "x.json"), "{}");
  assert.throws(() => namedEvalFile("alignment", join(dir, "x.json"), "--alignment"), /--alignment expects a folder holding alignment\.json/);
  assert.throws(() => buildReportCard({ model: join(dir, "missing-model") }), /missing-model/);
  // A damaged evaluation file under the run is an error naming it, not a silently empty section.
  const run = join(dir, "run");
  tinyRun(run);
  mkdirSync(join(run, "bad"));
  writeFileSync(join(run, "bad", "safety-eval.json"), "{ not json");
  assert.throws(() => buildReportCard({ model: run }), /bad\/safety-eval\.json: not JSON/);
});
