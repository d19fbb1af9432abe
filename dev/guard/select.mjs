// Model selection for the guard on its TRAINING data only: the fit part (guard-data.ts) cut into 4 folds
// (stratified by source and class); for each variant and fold, fit on the other 3 folds, calibrate the per-area
// thresholds on the calibration part (95 % recall), and count on the left-out fold: risky flagged per source (the
// risky contrasts, guard-contrast.ts, stand in for XSTest's unsafe prompts), benign flagged per source (borderline = kotodama's look-alikes, the proxy for XSTest's safe prompts), and the ranking AUC of risky vs
// borderline. XSTest and the held-out Do-Not-Answer prompts are never read. Run after `npx tsc -p tsconfig.json`:
//   node dev/guard/select.mjs [variant …]      (no argument: every variant below)
// Not here: the final measurement (kotodama safety guard train).
import { loadGuardData } from "../../dist/src/safety/guard-data.js";
import { fitAndCalibrate } from "../../dist/src/safety/guard-train.js";
import { GUARD_DEFAULTS } from "../../dist/src/safety/guard-model.js";
import { scorePrompt } from "../../dist/src/safety/guard-classifier.js";
import { GUARD_AREAS } from "../../dist/src/safety/guard-taxonomy.js";
import { rngFor, shuffled } from "../../dist/src/data/instruct/split.js";
import { sharedPath } from "../../dist/src/util/paths.js";
import { isJapaneseText } from "../../dist/src/safety/ja-refusal.js";

const base = { ...GUARD_DEFAULTS, contrasts: false };
const PA = { thresholds: "per-area" };
const VARIANTS = {
  "v1 (first guard)": { ...PA, stages: 1, features: "word12+char24", borderline: false, questionForms: false },
  "v1 + borderline": { ...PA, stages: 1, features: "word12+char24", borderline: true, questionForms: false },
  "v1 + borderline + ask": { ...PA, stages: 1, features: "word12+char24", borderline: true, questionForms: true },
  "2-stage, w12+c24, +b +ask": { ...PA, stages: 2, features: "word12+char24", borderline: true, questionForms: true },
  "2-stage, w123+cjk, +b +ask": { ...PA, stages: 2, features: "word123+cjkchar24", borderline: true, questionForms: true },
  "2-stage, w123+c24, +b +ask": { ...PA, stages: 2, features: "word123+char24", borderline: true, questionForms: true },
  "1-stage, w123+cjk, +b +ask": { ...PA, stages: 1, features: "word123+cjkchar24", borderline: true, questionForms: true },
  "2-stage, w12+c24, +b +ask, benign×3": { ...PA, stages: 2, features: "word12+char24", borderline: true, questionForms: true, benignWeight: 3 },
  "2-stage, w12+c24, +b×3 +ask": { ...PA, stages: 2, features: "word12+char24", borderline: true, questionForms: true, copies: 3 },
  "2-stage, w12+c24, +b +ask, l2 1e-5": { ...PA, stages: 2, features: "word12+char24", borderline: true, questionForms: true, l2: 1e-5 },
  "2-stage, w12+c24, +b +ask, 3 epochs": { ...PA, stages: 2, features: "word12+char24", borderline: true, questionForms: true, epochs: 3 },
  "global: 2-stage, w12+c24, +b +ask": { stages: 2, features: "word12+char24", borderline: true, questionForms: true, thresholds: "global" },
  "global: 2-stage, w12+c24+fold, +b +ask": { stages: 2, features: "word12+char24+fold", borderline: true, questionForms: true, thresholds: "global" },
  "global: 2-stage, w12+c24, +b +ask +contrasts": { stages: 2, features: "word12+char24", borderline: true, questionForms: true, contrasts: true, thresholds: "global" },
  "global: 2-stage, w12+c24, +b×3 +ask +contrasts×3": { stages: 2, features: "word12+char24", borderline: true, questionForms: true, contrasts: true, thresholds: "global", copies: 3, contrastCopies: 3 },
  "global: 2-stage, w123+c24, +b +ask +contrasts": { stages: 2, features: "word123+char24", borderline: true, questionForms: true, contrasts: true, thresholds: "global" },
  "global: 2-stage, w12+skip+c24, +b +ask": { stages: 2, features: "word12+skip+char24", borderline: true, questionForms: true, thresholds: "global" },
  "global: 2-stage, w12+skip+c24, +b +ask +contrasts": { stages: 2, features: "word12+skip+char24", borderline: true, questionForms: true, contrasts: true, thresholds: "global" },
  "global: 2-stage, w12+c24, +b×3 +ask": { stages: 2, features: "word12+char24", borderline: true, questionForms: true, thresholds: "global", copies: 3 },
  "global: 2-stage, w123+c24, +b +ask": { stages: 2, features: "word123+char24", borderline: true, questionForms: true, thresholds: "global" },
  "global: 1-stage, w12+c24, +b +ask": { stages: 1, features: "word12+char24", borderline: true, questionForms: true, thresholds: "global" },
  // The contrast generator (src/data/instruct/contrast.ts): look-alikes benign, twins risky, N per kind/lang/side,
  // all in the fit part (guard-data.ts), so the thresholds are calibrated on the other sources only.
  "global: default +gen 100": { generated: 100, thresholds: "global" },
  "global: default +gen 300": { generated: 300, thresholds: "global" },
  "global: default +gen 1000": { generated: 1000, thresholds: "global" },
  "global: default +gen 300, benign×3": { generated: 300, thresholds: "global", benignWeight: 3 },
  "global: default +gen 300, w12+skip+c24": { generated: 300, thresholds: "global", features: "word12+skip+char24" },
  "global: default +gen 300, w123+c24": { generated: 300, thresholds: "global", features: "word123+char24" },
  "global: default +gen 300 +contrasts": { generated: 300, thresholds: "global", contrasts: true },
  "global: default +gen 1000, w12+skip+c24": { generated: 1000, thresholds: "global", features: "word12+skip+char24" },
  "global: default +gen 1000 +contrasts": { generated: 1000, thresholds: "global", contrasts: true },
  // The direct requests (guard-direct.ts), 30 per harm type and side: their fit part in the folds like every source
  // (counted apart, in the "direct" line, for every variant, trained on or not), their calibration part a second
  // pool ("fit only": none calibrated on, the calibration part left out).
  "global: default +direct 30": { direct: 30, thresholds: "global" },
  "global: default +direct 30, fit only": { direct: 30, directPool: false, thresholds: "global" },
};
const FOLDS = 4;
const group = (x) => x.source.split(":")[0];

const dataDir = sharedPath("data");
// One load per generator size (every other source's fit/calibration split and folds are the same in each: they
// are seeded per source), always with the direct requests (kept out of the fit and calibration unless the variant
// asks for them).
const loads = new Map();
function load(generated) {
  if (loads.has(generated)) return loads.get(generated);
  const data = loadGuardData(dataDir, { seed: base.seed, calibFraction: base.calibFraction, maxWiki: base.maxWiki, maxJa: base.maxJa, borderline: true, questionForms: true, contrasts: true, generated, direct: 30, jaComposed: base.jaComposed, jaPool: base.jaPool, dnaJa: base.dnaJa });
  const fold = new Map();
  const strata = new Map();
  for (const x of data.fit) {
    const k = `${group(x)}/${x.label > 0}`;
    strata.set(k, [...(strata.get(k) ?? []), x]);
  }
  for (const [k, xs] of [...strata].sort()) shuffled(xs, rngFor(1, `guard-select-${k}`)).forEach((x, i) => fold.set(x.source, i % FOLDS));
  loads.set(generated, { data, fold });
  return loads.get(generated);
}

const auc = (pos, neg) => {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
};
const pct = (k, n) => `${((100 * k) / n).toFixed(1)}`;

const want = process.argv.slice(2);
for (const [name, v] of Object.entries(VARIANTS)) {
  if (want.length > 0 && !want.some((w) => name.includes(w))) continue;
  const s = { ...base, ...v };
  const { data, fold } = load(s.generated);
  const keep = (x) => (s.borderline || group(x) !== "borderline") && (s.questionForms || group(x) !== "self-instruct-ask") && (s.contrasts || group(x) !== "contrast") && (s.direct > 0 || group(x) !== "direct");
  const calib = data.calib.filter((x) => keep(x) && (s.directPool !== false || group(x) !== "direct"));
  const dtally = { rk: 0, rn: 0, bk: 0, bn: 0, rs: [], bs: [] };
  const t0 = performance.now();
  const tally = new Map(), rtally = new Map();
  const riskyScores = [], borderScores = [];
  let rk = 0, rn = 0, areaOk = 0;
  const thresholds0 = [];
  for (let f = 0; f < FOLDS; f++) {
    const fit = data.fit.filter((x) => fold.get(x.source) !== f && keep(x));
    for (const x of fit.filter((y) => group(y) === "borderline")) for (let c = 1; c < (v.copies ?? 1); c++) fit.push(x);
    for (const x of fit.filter((y) => group(y) === "contrast")) for (let c = 1; c < (v.contrastCopies ?? 1); c++) fit.push(x);
    // Left out: every source of the fit part but the generator's (scored only when trained on: a variant without
    // it is then counted on the same prompts as the default).
    const test = data.fit.filter((x) => fold.get(x.source) === f);
    const { prompt, thresholds, thresholdsJa } = fitAndCalibrate(fit, calib, s);
    thresholds0.push(...thresholds);
    for (const x of test) {
      const p = scorePrompt(prompt, x.text);
      const flagged = p.unsafe >= (thresholdsJa !== null && isJapaneseText(x.text) ? thresholdsJa : thresholds)[GUARD_AREAS.indexOf(p.area)];
      if (group(x) === "direct") {
        if (x.label > 0) (dtally.rn++, dtally.rk += flagged ? 1 : 0, dtally.rs.push(p.unsafe));
        else (dtally.bn++, dtally.bk += flagged ? 1 : 0, dtally.bs.push(p.unsafe));
        continue;
      }
      if (x.label > 0) {
        rn++;
        if (flagged) rk++;
        const e = rtally.get(group(x)) ?? { n: 0, k: 0 };
        e.n++;
        if (flagged) e.k++;
        rtally.set(group(x), e);
        riskyScores.push(p.unsafe);
      } else {
        const g = group(x);
        const e = tally.get(g) ?? { n: 0, k: 0 };
        e.n++;
        if (flagged) e.k++;
        tally.set(g, e);
        if (g === "borderline") borderScores.push(p.unsafe);
      }
    }
  }
  const benign = [...tally.values()].reduce((a, e) => ({ n: a.n + e.n, k: a.k + e.k }), { n: 0, k: 0 });
  const b = tally.get("borderline");
  console.log(`${name}: risky recall ${pct(rk, rn)} % (${rn}), benign flagged ${pct(benign.k, benign.n)} %, borderline flagged ${pct(b.k, b.n)} % (${b.k}/${b.n}), AUC risky vs borderline ${auc(riskyScores, borderScores).toFixed(3)}  [${((performance.now() - t0) / 1000).toFixed(0)} s]`);
  console.log(`    benign flagged by source: ${[...tally].map(([g, e]) => `${g} ${pct(e.k, e.n)}`).join(", ")}`);
  console.log(`    direct requests (left-out folds, apart from the counts above): risky flagged ${pct(dtally.rk, dtally.rn)} % (${dtally.rn}), benign flagged ${pct(dtally.bk, dtally.bn)} % (${dtally.bn}), AUC ${auc(dtally.rs, dtally.bs).toFixed(3)}; thresholds ${[...new Set(thresholds0.map((t) => t.toFixed(3)))].join("/")}`);
  console.log(`    risky flagged by source: ${[...rtally].map(([g, e]) => `${g} ${pct(e.k, e.n)} (${e.n})`).join(", ")}`);
}
