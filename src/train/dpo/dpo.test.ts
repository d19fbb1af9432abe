// Tests of DPO: the loss and its gradient against a hand-computed example, a finite-difference check through a
// tiny model, the summed answer log-probabilities against log-softmax in float64, the reference cache (used on
// resume, recomputed for another run), and tiny runs (full and LoRA) that move the margin the right way.
// Not here: the CLI's flags (cli/commands/align.test.ts), the pair format (data/prefs/prefs.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { decoderLogits, initDecoderWeights, namedWeights, type ModelConfig } from "../../models/index.js";
import { logprobOf } from "../../infer/logprobs.js";
import { Graph, gradCheck } from "../../tensor/index.js";
import { hfTokenizerJson, trainBpe } from "../../tokenizer/index.js";
import { Rng } from "../../util/rng.js";
import { parsePrefs } from "../../data/prefs/format.js";
import { IGNORE_INDEX } from "../data.js";
import { resolveRunConfig } from "../config.js";
import { train } from "../loop.js";
import { readMetrics } from "../metrics.js";
import { sftTemplates } from "../sft/template.js";
import { dpoLoss, sequenceLogps } from "./loss.js";
import { encodePairs, fillPairs } from "./pairs.js";
import { REFERENCE_FILE, referenceLogps } from "./reference.js";
import { runDpo } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "kd-dpo-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const backend = createRefBackend();
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));

test("dpoLoss: −log σ(β((πc − rc) − (πr − rr))) and its gradient, by hand", () => {
  const g = new Graph(backend);
  // Two pairs: policy log-probs (πc1, πc2, πr1, πr2), reference (rc1, rc2, rr1, rr2), β = 0.5.
  const pi = [-3, -10, -4, -9];
  const ref = [-3.5, -9, -3.5, -9.5];
  const beta = 0.5;
  const logps = g.tensor(Float32Array.from(pi), [4], { requiresGrad: true });
  const { loss, stats } = dpoLoss(logps, Float32Array.from(ref), beta);
  // z1 = 0.5((−3 + 3.5) − (−4 + 3.5)) = 0.5; z2 = 0.5((−10 + 9) − (−9 + 9.5)) = −0.75.
  const z = [0.5, -0.75];
  const want = (-Math.log(sigma(z[0]!)) - Math.log(sigma(z[1]!))) / 2;
  assert.ok(Math.abs(loss.item() - want) < 1e-6, `${loss.item()} vs ${want}`);
  assert.ok(Math.abs(stats.margin - (z[0]! + z[1]!) / 2) < 1e-6);
  assert.equal(stats.accuracy, 0.5);
  assert.deepEqual([stats.logp_chosen, stats.logp_rejected], [-6.5, -6.5]);
  g.backward(loss);
  // ∂L/∂πc_i = −(β/P)·σ(−z_i), ∂L/∂πr_i = +(β/P)·σ(−z_i).
  const d = z.map((zi) => (beta / 2) * sigma(-zi));
  const wantGrad = [-d[0]!, -d[1]!, d[0]!, d[1]!];
  logps.grad!.forEach((v, i) => assert.ok(Math.abs(v - wantGrad[i]!) < 1e-6, `grad[${i}] ${v} vs ${wantGrad[i]}`));
});

test("dpoLoss with the NLL term: + α·mean(−πc/n_c), and its gradient, by hand", () => {
  const g = new Graph(backend);
  const pi = [-3, -10, -4, -9];
  const ref = [-3.5, -9, -3.5, -9.5];
  const beta = 0.5, alpha = 2;
  const tokens = Float32Array.from([3, 5, 7, 9]); // only the chosen rows' counts (3, 5) are read
  const logps = g.tensor(Float32Array.from(pi), [4], { requiresGrad: true });
  const { loss } = dpoLoss(logps, Float32Array.from(ref), beta, { alpha, tokens });
  const z = [0.5, -0.75];
  // DPO part as above; NLL part: α·((3/3) + (10/5))/2 = 2·1.5 = 3.
  const want = (-Math.log(sigma(z[0]!)) - Math.log(sigma(z[1]!))) / 2 + 3;
  assert.ok(Math.abs(loss.item() - want) < 1e-6, `${loss.item()} vs ${want}`);
  g.backward(loss);
  // ∂/∂πc_i gains −α/(P·n_i): −2/(2·3) and −2/(2·5).
  const d = z.map((zi) => (beta / 2) * sigma(-zi));
  const wantGrad = [-d[0]! - 1 / 3, -d[1]! - 1 / 5, d[0]!, d[1]!];
  logps.grad!.forEach((v, i) => assert.ok(Math.abs(v - wantGrad[i]!) < 1e-6, `grad[${i}] ${v} vs ${wantGrad[i]}`));
});

/** A tiny byte-level BPE and model config over a few phrases. */
function tinyTokenizer(): ReturnType<typeof trainBpe> {
  const text = "Hello there. Be kind and polite. Go away, fool! Thank you, friend. What do you say? I say thanks.\n".repeat(20);
  return trainBpe({ texts: [text], vocabSize: 300 });
}
const tinyModel = (context = 96): ModelConfig => resolveRunConfig("tiny", { model: { vocabSize: 300, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context } }).model;

const PAIRS = [
  { prompt: "What do you say?", chosen: "Thank you, friend.", rejected: "Go away, fool!" },
  { prompt: "Hello there.", chosen: "Be kind and polite.", rejected: "Go away!" },
  { prompt: "Say thanks.", chosen: "I say thanks.", rejected: "You fool!" },
  { prompt: "Be polite.", chosen: "Hello there, friend.", rejected: "Go away, fool." },
];
const pairsText = PAIRS.map((p) => JSON.stringify(p)).join("\n");

test("sequenceLogps: the sum of log-softmax[target] over answer tokens only (float64 reference); finite differences through a tiny model", () => {
  const tok = tinyTokenizer();
  const c = tinyModel();
  const g = new Graph(backend);
  const w = initDecoderWeights(g, c, new Rng(5));
  const rows = encodePairs(tok, parsePrefs(pairsText, "p").pairs.slice(0, 2), { templates: sftTemplates(tok).templates, context: c.context, overflow: "truncate" });
  const T = Math.max(...[...rows.chosen, ...rows.rejected].map((r) => r.inputs.length));
  const b = fillPairs(rows, null, (r) => r, 2, T);
  const lp = g.noGrad(() => Float32Array.from(sequenceLogps(c, w, b, 4, T).data));
  const logits = g.noGrad(() => decoderLogits(c, w, b.inputs, 4, T).data.slice());
  const V = c.vocabSize;
  for (let r = 0; r < 4; r++) {
    let s = 0, n = 0;
    for (let t = 0; t < T; t++) {
      const y = b.targets[r * T + t]!;
      if (y === IGNORE_INDEX) continue;
      s += logprobOf(logits.subarray((r * T + t) * V, (r * T + t + 1) * V), y);
      n++;
    }
    assert.ok(n > 0 && n < T, `row ${r}: ${n} answer tokens of ${T}`);
    assert.ok(Math.abs(lp[r]! - s) < 1e-3 * Math.max(1, Math.abs(s)), `row ${r}: ${lp[r]} vs ${s}`);
  }
  // The loss's gradient in the weights, against central differences.
  const ref = Float32Array.from(lp, (v, i) => v + (i < 2 ? 0.3 : -0.2));
  const ws = namedWeights(w).filter((n) => /wte\.weight|c_attn\.weight|mlp\.c_proj\.weight|ln_f\.weight/.test(n.name)).map((n) => n.tensor);
  assert.equal(ws.length, 4);
  const res = gradCheck(g, () => dpoLoss(sequenceLogps(c, w, b, 4, T), ref, 2).loss, ws, { maxElements: 12, seed: 3, tol: 2e-2 });
  assert.ok(res.ok, `worst relative error ${res.worst}`);
});

test("referenceLogps: computed once, read back for the same key, recomputed for another", () => {
  const d = mkdtempSync(join(dir, "ref-"));
  let calls = 0;
  const compute = (): { train: Float32Array; val: Float32Array } => (calls++, { train: Float32Array.of(-1.5, -2.25), val: Float32Array.of(-0.1, -7) });
  const a = referenceLogps(d, "k1", { train: 1, val: 1 }, compute);
  const b = referenceLogps(d, "k1", { train: 1, val: 1 }, compute);
  assert.deepEqual([a.cached, b.cached, calls], [false, true, 1]);
  assert.deepEqual([...b.train, ...b.val], [-1.5, -2.25, Math.fround(-0.1), -7]);
  assert.equal(referenceLogps(d, "k2", { train: 1, val: 1 }, compute).cached, false);
  assert.equal(calls, 2);
});

/** A kotodama run directory holding a tiny pretrained model. */
function tinyBase(name: string): string {
  const tok = tinyTokenizer();
  const base = join(dir, name);
  const run = resolveRunConfig("tiny", { model: tinyModel(), train: { batchSize: 2, maxSteps: 2, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode("Hello there. Be kind and polite. Thank you, friend. What do you say? I say thanks.\n".repeat(20), { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: 300, description: "", tokenizerPath: null }, backend, outDir: base, tokenizerJson: hfTokenizerJson(tok) });
  return base;
}

test("a tiny DPO run raises the margin and the preference accuracy; a resumed run reuses the reference cache", () => {
  const base = tinyBase("base-full");
  const prefs = join(dir, "pairs.jsonl");
  writeFileSync(prefs, `${pairsText}\n`);
  const out = join(dir, "dpo-full");
  const settings = { maxSteps: 12, lr: 3e-3, batchSize: 2, beta: 0.5, seed: 7 };
  const first = runDpo({ model: base, prefs, outDir: out, settings, backend, stopAfterStep: 5 });
  assert.deepEqual([first.steps, first.referenceCached, first.trainPairs, first.valPairs], [5, false, 4, 4]);
  const cache = readFileSync(join(out, REFERENCE_FILE), "utf8");
  const res = runDpo({ model: base, prefs, outDir: out, settings, backend });
  assert.deepEqual([res.resumedFrom, res.steps, res.referenceCached], [5, 12, true]);
  assert.equal(readFileSync(join(out, REFERENCE_FILE), "utf8"), cache);
  // Before training the policy is the reference: every margin is 0 and no pair is "preferred". After: most are.
  assert.ok(res.heldOut.meanMargin > 0, `mean margin ${res.heldOut.meanMargin}`);
  assert.ok(res.heldOut.accuracy >= 0.75, `accuracy ${res.heldOut.accuracy}`);
  const ms = readMetrics(join(out, "metrics.jsonl")) as unknown as Record<string, number>[];
  assert.equal(ms.length, 12);
  assert.ok(ms.every((m) => typeof m.margin === "number" && typeof m.accuracy === "number" && typeof m.logp_chosen === "number"));
  assert.ok(ms[11]!.train_loss < Math.log(2), `last loss ${ms[11]!.train_loss} (log 2 at the start)`);
  for (const f of ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "loss.svg", "margins.svg", "eval.json"]) assert.ok(existsSync(join(out, f)), f);
  const ev = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { heldOut: { accuracy: number } };
  assert.equal(ev.heldOut.accuracy, res.heldOut.accuracy);
});

test("a tiny DPO run with LoRA trains the adapters only and writes them", () => {
  const base = tinyBase("base-lora");
  const prefs = join(dir, "pairs-lora.jsonl");
  writeFileSync(prefs, `${pairsText}\n`);
  const out = join(dir, "dpo-lora");
  const res = runDpo({ model: base, prefs, outDir: out, settings: { maxSteps: 8, lr: 2e-2, batchSize: 2, beta: 0.5, lora: { rank: 4, targets: ["c_attn", "c_proj", "c_fc"] } }, backend });
  assert.ok(res.parameterCount < 5000, `${res.parameterCount} trainable parameters`);
  assert.ok(res.heldOut.meanMargin > 0, `mean margin ${res.heldOut.meanMargin}`);
  assert.ok(existsSync(join(out, "adapter", "adapter_model.safetensors")));
});
