// Probe: does a kotodama LM's hidden state separate risky prompts from their safe look-alikes better than n-grams?
// Mean-pooled final hidden states (after the last norm) of the model at MODEL, alone and appended to the guard's
// n-gram features, as the gate's input; the same 4-fold protocol on training data as select.mjs (XSTest never
// read). Run after `npx tsc -p tsconfig.json`:  node dev/guard/lm-probe.mjs MODEL_DIR
// Not here: a guard that keeps the LM (the probe decides whether one is worth building).
import { loadGuardData } from "../../dist/src/safety/guard-data.js";
import { GUARD_DEFAULTS } from "../../dist/src/safety/guard-model.js";
import { guardFeatures } from "../../dist/src/safety/guard-classifier.js";
import { trainLogReg, logRegProba, NGRAM_BUCKETS } from "../../dist/src/safety/ngram-logreg.js";
import { thresholdForRecall } from "../../dist/src/safety/guard-calibration.js";
import { rngFor, shuffled } from "../../dist/src/data/instruct/split.js";
import { sharedPath } from "../../dist/src/util/paths.js";
import { loadModel, decoderWeightsOf } from "../../dist/src/models/load.js";
import { decoderHidden } from "../../dist/src/models/decoder.js";
import { Graph } from "../../dist/src/tensor/index.js";
import { loadBackend } from "../../dist/src/engine/backend.js";

const model = process.argv[2];
if (model === undefined) throw new Error("usage: node dev/guard/lm-probe.mjs MODEL_DIR");
const base = { ...GUARD_DEFAULTS, features: "word12+char24" };
const data = loadGuardData(sharedPath("data"), { seed: 1, calibFraction: 0.25, maxWiki: base.maxWiki, maxJa: base.maxJa, borderline: true, questionForms: true, contrasts: false });
const all = [...data.fit, ...data.calib];
const m = loadModel(model);
const g = new Graph(loadBackend());
const w = decoderWeightsOf(m, { graph: g });
const C = m.config.dim, TMAX = 48;
const t0 = performance.now();
const emb = new Map();
for (let i = 0; i < all.length; i += 32) {
  const chunk = all.slice(i, i + 32);
  const rows = chunk.map((x) => Int32Array.from(m.tokenizer.encode(x.text).slice(0, TMAX)));
  const T = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(chunk.length * T);
  rows.forEach((r, b) => ids.set(r, b * T));
  const h = g.noGrad(() => g.scope(() => decoderHidden(m.config, w, ids, chunk.length, T).data.slice())); // (B, T, C)
  rows.forEach((r, b) => {
    const v = new Float32Array(C);
    const n = Math.max(1, r.length);
    for (let t = 0; t < n; t++) for (let c = 0; c < C; c++) v[c] += h[(b * T + t) * C + c] / n;
    const norm = Math.hypot(...v) || 1;
    emb.set(chunk[b].source, v.map((x) => x / norm));
  });
  if (i % 1024 === 0) console.error(`${i}/${all.length} prompts, ${((performance.now() - t0) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
// Standardised per dimension (mean 0, sd 1 over all the prompts), then scaled by 1/√C to norm ≈ 1.
const mean = new Float64Array(C), sd = new Float64Array(C);
for (const v of emb.values()) for (let c = 0; c < C; c++) mean[c] += v[c] / emb.size;
for (const v of emb.values()) for (let c = 0; c < C; c++) sd[c] += (v[c] - mean[c]) ** 2 / emb.size;
for (const [k, v] of emb) emb.set(k, v.map((x, c) => (x - mean[c]) / Math.sqrt(sd[c] + 1e-12) / Math.sqrt(C)));
console.log(`hidden states of ${all.length} prompts in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const dense = (x) => ({ index: Int32Array.from({ length: C }, (_, c) => NGRAM_BUCKETS - C + c), value: emb.get(x.source) });
const both = (x) => {
  const a = guardFeatures(x.text, base.features), d = dense(x);
  return { index: Int32Array.from([...a.index, ...d.index]), value: Float32Array.from([...a.value, ...d.value]) };
};
const group = (x) => x.source.split(":")[0];
const fold = new Map(), strata = new Map();
for (const x of data.fit) strata.set(`${group(x)}/${x.label > 0}`, [...(strata.get(`${group(x)}/${x.label > 0}`) ?? []), x]);
for (const [k, xs] of [...strata].sort()) shuffled(xs, rngFor(1, `guard-select-${k}`)).forEach((x, i) => fold.set(x.source, i % 4));
for (const [name, feat, epochs] of [["LM hidden (mean-pooled)", dense, 30], ["n-grams + LM hidden", both, 8], ["n-grams alone", (x) => guardFeatures(x.text, base.features), 8]]) {
  let rk = 0, rn = 0, bk = 0, bn = 0, ok = 0, on = 0;
  for (let f = 0; f < 4; f++) {
    const fit = data.fit.filter((x) => fold.get(x.source) !== f), test = data.fit.filter((x) => fold.get(x.source) === f);
    const lr = trainLogReg(fit.map(feat), fit.map((x) => (x.label > 0 ? 1 : 0)), { classes: 2, epochs, seed: 1 });
    const p = (x) => logRegProba(lr, feat(x))[1];
    const thr = thresholdForRecall(data.calib.filter((x) => x.label > 0).map(p), 0.95);
    for (const x of test) {
      const fl = p(x) >= thr;
      if (x.label > 0) { rn++; rk += fl ? 1 : 0; } else if (group(x) === "borderline") { bn++; bk += fl ? 1 : 0; } else { on++; ok += fl ? 1 : 0; }
    }
  }
  console.log(`${name}: risky recall ${(100 * rk / rn).toFixed(1)} %, borderline flagged ${(100 * bk / bn).toFixed(1)} % (${bk}/${bn}), other benign flagged ${(100 * ok / on).toFixed(1)} %`);
}
