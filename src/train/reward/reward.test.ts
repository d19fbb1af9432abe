// Tests of the reward model: the Bradley–Terry loss and its gradient by hand and by finite differences, the
// calibration report against hand-computed bins, and a tiny run that learns to rank held-out pairs, resumes, and
// whose run directory opens as a reward model giving the same scores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { Graph, gradCheck } from "../../tensor/index.js";
import { hfTokenizerJson, trainBpe } from "../../tokenizer/index.js";
import { resolveRunConfig } from "../config.js";
import { IGNORE_INDEX } from "../data.js";
import { train } from "../loop.js";
import { pairScoreReport } from "./eval.js";
import { bradleyTerryLoss, rowLengths } from "./loss.js";
import { openRewardModel } from "./model.js";
import { runReward } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "kd-reward-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const backend = createRefBackend();
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));

test("bradleyTerryLoss: −log σ(r_c − r_r) averaged over pairs, its gradient by hand and by finite differences", () => {
  const g = new Graph(backend);
  // Scores (r_c1, r_c2, r_r1, r_r2) = (1, −0.5, 0.2, 0.5): d1 = 0.8, d2 = −1.
  const s = g.tensor(Float32Array.from([1, -0.5, 0.2, 0.5]), [4, 1], { requiresGrad: true });
  const { loss, stats } = bradleyTerryLoss(s);
  const want = -(Math.log(sigma(0.8)) + Math.log(sigma(-1))) / 2;
  assert.ok(Math.abs(loss.item() - want) < 1e-6, `${loss.item()} vs ${want}`);
  assert.deepEqual([stats.accuracy, +stats.margin.toFixed(6)], [0.5, -0.1]);
  g.backward(loss);
  // dL/dr_c = −(1 − σ(d))/P, dL/dr_r = +(1 − σ(d))/P.
  const gc = [-(1 - sigma(0.8)) / 2, -(1 - sigma(-1)) / 2];
  const grad = Array.from(s.grad!);
  [gc[0]!, gc[1]!, -gc[0]!, -gc[1]!].forEach((x, i) => assert.ok(Math.abs(grad[i]! - x) < 1e-6, `grad ${i}: ${grad[i]} vs ${x}`));
  const x = g.tensor(Float32Array.from([0.3, -1.2, 2, 0.1, 0.4, -0.7]), [6], { requiresGrad: true });
  const r = gradCheck(g, () => bradleyTerryLoss(x).loss, [x], { h: 1e-2 });
  assert.ok(r.ok, JSON.stringify(r.inputs));
});

test("rowLengths: up to the last answer target of each row", () => {
  const I = IGNORE_INDEX;
  assert.deepEqual(rowLengths(Int32Array.from([I, 5, 6, I, I, I, 7, I]), 2, 4), [3, 3]);
  assert.throws(() => rowLengths(Int32Array.from([I, I]), 1, 2), /row 0 has no answer token/);
});

test("pairScoreReport: accuracy with ties as half, reliability bins and ECE by hand", () => {
  // Differences 2, −1, 0, 0.1 → σ: 0.881, 0.269, 0.5, 0.525 (σ(0.1)); confidences 0.881, 0.731, 0.5, 0.525.
  const r = pairScoreReport([2, 0, 1, 0.1], [0, 1, 1, 0], ["a", "a", "b", "b"], 1, 5);
  assert.equal(r.accuracy, (1 + 0 + 0.5 + 1) / 4);
  assert.deepEqual(r.bySource, { a: { pairs: 2, accuracy: 0.5 }, b: { pairs: 2, accuracy: 0.75 } });
  // Bins of width 0.1 from 0.5: [0.5,0.6) holds 0.5 (tie, 0.5 right) and 0.525 (right); [0.7,0.8) 0.731 (wrong); [0.8,0.9) 0.881 (right).
  const c = [0.5, sigma(0.1), sigma(1), sigma(2)];
  const ece = (2 / 4) * Math.abs(0.75 - (c[0]! + c[1]!) / 2) + (1 / 4) * Math.abs(0 - c[2]!) + (1 / 4) * Math.abs(1 - c[3]!);
  assert.ok(Math.abs(r.ece - ece) < 1e-12, `${r.ece} vs ${ece}`);
  assert.deepEqual(r.bins.map((b) => b.pairs), [2, 0, 1, 1, 0]);
});

const TEXT = "Hello there. Be kind and polite. Go away, fool! Thank you, friend. What do you say? I say thanks. You are rude.\n";
const PAIRS = [
  ["What do you say?", "Thank you, friend.", "Go away, fool!"],
  ["Hello there.", "Be kind and polite.", "You are rude."],
  ["Say thanks.", "I say thanks.", "You fool!"],
  ["Be polite.", "Hello there, friend.", "Go away, fool."],
  ["Greet me.", "Hello there, friend.", "You are rude, fool."],
  ["What now?", "Be kind, friend.", "Go away!"],
].map(([prompt, chosen, rejected]) => JSON.stringify({ prompt, chosen, rejected, source: "toy" }));

test("a tiny reward model learns to rank held-out pairs, resumes, and its run directory scores the same", () => {
  const tok = trainBpe({ texts: [TEXT.repeat(20)], vocabSize: 300 });
  const base = join(dir, "base");
  const model = { vocabSize: 300, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 96 };
  const run = resolveRunConfig("tiny", { model, train: { batchSize: 2, maxSteps: 2, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode(TEXT.repeat(20), { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: 300, description: "", tokenizerPath: null }, backend, outDir: base, tokenizerJson: hfTokenizerJson(tok) });
  const prefs = join(dir, "train.jsonl");
  writeFileSync(prefs, `${PAIRS.slice(0, 4).join("\n")}\n`);
  const val = join(dir, "heldout.jsonl");
  writeFileSync(val, `${PAIRS.slice(4).join("\n")}\n`);
  const out = join(dir, "rm");
  const settings = { maxSteps: 30, lr: 3e-3, batchSize: 2, seed: 3 };
  const first = runReward({ model: base, prefs, outDir: out, settings, backend, stopAfterStep: 10 });
  assert.equal(first.steps, 10);
  const res = runReward({ model: base, prefs, outDir: out, settings, backend });
  assert.deepEqual([res.resumedFrom, res.steps, res.trainPairs, res.valPairs], [10, 30, 4, 2]);
  assert.equal(res.heldOut.rewardModel.accuracy, 1, JSON.stringify(res.heldOut.rewardModel));
  assert.equal(res.heldOut.longerAnswer.pairs, 2);
  for (const f of ["model.safetensors", "head.safetensors", "head.json", "eval.json", "calibration.svg", "loss.svg", "metrics.jsonl"]) assert.ok(existsSync(join(out, f)), f);
  const ms = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
  assert.ok(ms.every((m) => typeof m.accuracy === "number" && typeof m.margin === "number"));
  const rm = openRewardModel(out, backend);
  const s = rm.score([{ messages: [{ role: "user", content: "Greet me." }], answer: "Hello there, friend." }, { messages: [{ role: "user", content: "Greet me." }], answer: "You are rude, fool." }]);
  assert.ok(s[0]! > s[1]!, `opened model ranks the held-out pair: ${s[0]} vs ${s[1]}`);
});
