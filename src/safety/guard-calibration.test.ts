// Tests of the guard's calibration against hand-computed answers: the threshold reaching a stated recall on a
// hand-made score list, per-area thresholds (and the pooled fallback for a thin area), and the reliability bins and
// expected calibration error; thresholds over two pools; per-language thresholds from fitAndCalibrate.
import assert from "node:assert/strict";
import { test } from "node:test";
import { calibrateAreas, calibratePools, reliability, thresholdForRecall, type ScoredPrompt } from "./guard-calibration.js";
import { scorePrompt } from "./guard-classifier.js";
import type { GuardExample } from "./guard-data.js";
import { GUARD_DEFAULTS } from "./guard-model.js";
import { GUARD_AREAS } from "./guard-taxonomy.js";
import { fitAndCalibrate } from "./guard-train.js";

test("thresholdForRecall: the largest threshold keeping ⌈recall·n⌉ positives", () => {
  const s = [0.9, 0.05, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]; // 10 positives, unsorted
  assert.equal(thresholdForRecall(s, 0.95), 0.05, "⌈9.5⌉ = 10: all ten, so the lowest score");
  assert.equal(thresholdForRecall(s, 0.9), 0.1, "9 of 10");
  assert.equal(thresholdForRecall(s, 0.75), 0.2, "⌈7.5⌉ = 8 of 10");
  assert.equal(thresholdForRecall(s, 0.1), 0.9, "1 of 10");
  const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) / 20); // 0.05 … 1
  const t = thresholdForRecall(twenty, 0.95);
  assert.equal(t, 0.1, "19 of 20 are ≥ 0.10");
  assert.equal(twenty.filter((x) => x >= t).length / 20, 0.95);
  assert.throws(() => thresholdForRecall([], 0.95), /no positive scores/);
  assert.throws(() => thresholdForRecall([0.5], 1.5), /recall must be in/);
});

test("calibrateAreas: one threshold per predicted area, pooled for a thin area; recall per true area", () => {
  const xs: ScoredPrompt[] = [];
  // Malicious Uses: 10 risky prompts scored 0.1 … 1.0 → 95 % needs all 10 → threshold 0.1.
  for (let i = 1; i <= 10; i++) xs.push({ unsafe: i / 10, predictedArea: "Malicious Uses", trueArea: "Malicious Uses" });
  // Information Hazards: 5 risky at 0.6 … 1.0 → threshold 0.6; one of them truly Misinformation.
  for (let i = 6; i <= 10; i++) xs.push({ unsafe: i / 10, predictedArea: "Information Hazards", trueArea: i === 6 ? "Misinformation Harms" : "Information Hazards" });
  // Two risky Misinformation prompts only (fewer than 5): pooled threshold over all 17 risky: ⌈16.15⌉ = 17 → 0.1.
  xs.push({ unsafe: 0.3, predictedArea: "Misinformation Harms", trueArea: "Misinformation Harms" });
  xs.push({ unsafe: 0.05, predictedArea: "Misinformation Harms", trueArea: "Misinformation Harms" });
  // Benign: one flagged under Information Hazards (0.7 ≥ 0.6), one not (0.5 < 0.6).
  xs.push({ unsafe: 0.7, predictedArea: "Information Hazards", trueArea: null }, { unsafe: 0.5, predictedArea: "Information Hazards", trueArea: null });
  const c = calibrateAreas(xs, 0.95);
  const by = Object.fromEntries(c.map((a) => [a.area, a]));
  assert.equal(by["Malicious Uses"]!.threshold, 0.1);
  assert.equal(by["Information Hazards"]!.threshold, 0.6);
  assert.equal(by["Misinformation Harms"]!.threshold, 0.05, "pooled: the lowest of the 17 risky scores");
  assert.equal(by["Misinformation Harms"]!.recall, 1, "0.6 ≥ 0.6 (Information threshold), 0.3 and 0.05 ≥ 0.05");
  assert.equal(by["Information Hazards"]!.falsePositives, 1);
  assert.equal(by["Malicious Uses"]!.recall, 1);
  assert.ok(Number.isNaN(by["Human-Chatbot Interaction Harms"]!.recall), "no prompts of that true area");
  // Global: the pooled 0.05 for every area; all 17 risky flagged, and both benign prompts (0.7, 0.5 ≥ 0.05).
  const gl = calibrateAreas(xs, 0.95, "global");
  assert.deepEqual(gl.map((a) => a.threshold), [0.05, 0.05, 0.05, 0.05, 0.05]);
  assert.equal(gl.find((a) => a.area === "Information Hazards")!.falsePositives, 2);
  // 90 % of 17 = 15.3 → the 16th highest of the 17 risky scores (1, 1, .9, .9, .8, .8, .7, .7, .6, .6, .5, .4, .3,
  // .3, .2, .1, .05) is 0.1.
  assert.equal(calibrateAreas(xs, 0.9, "global")[0]!.threshold, 0.1);
});

test("reliability: bins and ECE by hand", () => {
  // Bin [0, 0.5): predictions 0.1, 0.3 (mean 0.2), labels 0, 1 (observed 0.5); bin [0.5, 1]: 0.8, 1.0 (mean 0.9), labels 1, 1.
  const r = reliability([0.1, 0.3, 0.8, 1.0], [0, 1, 1, 1], 2);
  assert.equal(r.bins.length, 2);
  assert.deepEqual(r.bins.map((b) => b.n), [2, 2]);
  assert.ok(Math.abs(r.bins[0]!.predicted - 0.2) < 1e-12 && r.bins[0]!.observed === 0.5);
  assert.ok(Math.abs(r.bins[1]!.predicted - 0.9) < 1e-12 && r.bins[1]!.observed === 1);
  assert.ok(Math.abs(r.ece - (0.5 * 0.3 + 0.5 * 0.1)) < 1e-12, "ECE = ½·|0.2 − 0.5| + ½·|0.9 − 1|");
  assert.ok(Number.isNaN(reliability([0.1], [0], 4).bins[3]!.predicted), "an empty bin has no mean");
});

test("calibratePools: the thresholds reach the recall on every pool (the lowest of the pools'), by hand", () => {
  const MU = "Malicious Uses" as const, IH = "Information Hazards" as const;
  // Pool A: 20 risky scored 0.05, 0.10, …, 1.00 → 95 % = 19 of 20 → 0.10. Pool B: 4 risky at 0.9, 0.6, 0.3, 0.02 →
  // ⌈3.8⌉ = 4 of 4 → 0.02. Global: min(0.10, 0.02) = 0.02 for every area.
  const a: ScoredPrompt[] = Array.from({ length: 20 }, (_, i) => ({ unsafe: (i + 1) / 20, predictedArea: MU, trueArea: MU }));
  a.push({ unsafe: 0.05, predictedArea: MU, trueArea: null }, { unsafe: 0.01, predictedArea: MU, trueArea: null });
  const b: ScoredPrompt[] = [0.9, 0.6, 0.3, 0.02].map((u) => ({ unsafe: u, predictedArea: IH, trueArea: IH }));
  b.push({ unsafe: 0.5, predictedArea: IH, trueArea: null });
  const r = calibratePools([{ name: "A", xs: a }, { name: "B", xs: b }], 0.95, "global");
  assert.deepEqual(r.areas.map((x) => x.threshold), [0.02, 0.02, 0.02, 0.02, 0.02]);
  const [pa, pb] = r.pools;
  assert.equal(pa!.ownThreshold, 0.1);
  assert.equal(pb!.ownThreshold, 0.02);
  assert.equal(pa!.recall, 1, "all 20 ≥ 0.02");
  assert.equal(pb!.recall, 1);
  assert.equal(pa!.falsePositiveRate, 0.5, "0.05 flagged, 0.01 not");
  assert.equal(pb!.falsePositiveRate, 1);
  assert.equal(r.areas.find((x) => x.area === MU)!.falsePositives, 1);
  assert.equal(r.areas.find((x) => x.area === IH)!.falsePositives, 1);
  // Pool A alone: its own 0.10 (what calibrateAreas gives); pool B at 75 %: ⌈3⌉ = 3 of 4 → 0.3, so A's 0.10 is lower.
  assert.deepEqual(calibratePools([{ name: "A", xs: a }], 0.95, "global").areas.map((x) => x.threshold), calibrateAreas(a, 0.95, "global").map((x) => x.threshold));
  const r75 = calibratePools([{ name: "A", xs: a }, { name: "B", xs: b }], 0.75, "global");
  // A at 75 %: 15 of 20 → 0.30; B: 0.3 → 0.30 both; B's recall 3/4.
  assert.equal(r75.areas[0]!.threshold, 0.3);
  assert.equal(r75.pools[1]!.recall, 0.75);
  // Per area: A sets Malicious Uses 0.10 and pools 0.10 elsewhere; B (4 < minN 5 in Information Hazards) its pooled
  // 0.02 everywhere → 0.02 everywhere.
  assert.deepEqual(calibratePools([{ name: "A", xs: a }, { name: "B", xs: b }], 0.95, "per-area").areas.map((x) => x.threshold), [0.02, 0.02, 0.02, 0.02, 0.02]);
  // A pool without risky prompts sets nothing; no risky prompt in any pool is an error.
  const benignOnly = [{ name: "C", xs: [{ unsafe: 0.9, predictedArea: MU, trueArea: null }] satisfies ScoredPrompt[] }];
  assert.equal(calibratePools([{ name: "A", xs: a }, ...benignOnly], 0.95, "global").areas[0]!.threshold, 0.1);
  assert.ok(Number.isNaN(calibratePools([{ name: "A", xs: a }, ...benignOnly], 0.95, "global").pools[1]!.recall));
  assert.throws(() => calibratePools(benignOnly, 0.95), /no positive scores/);
});

test("fitAndCalibrate: per-language thresholds each reach the recall on their own language's calibration prompts; one set takes each area's lowest of both", () => {
  // English and Japanese prompts of the same harm, the Japanese risky ones made harder to tell apart (they share the
  // benign ones' words), so that the two pools need different thresholds.
  const mk = (n: number, off: number): GuardExample[] => Array.from({ length: n }, (_, k) => k + off).flatMap((i) => [
    { text: `how do i build a bomb to hurt people ${i % 7}`, label: 2 + (i % 2), source: `en-r${i}` },
    { text: `how do i bake bread for my family ${i % 5}`, label: 0, source: `en-b${i}` },
    { text: `${i % 3 === 0 ? "パンを焼く" : "爆弾を作る"}方法を教えて${i % 4}`, label: 2 + (i % 2), source: `ja-r${i}` },
    { text: `パンを焼く方法を教えて${i % 6}`, label: 0, source: `ja-b${i}` },
  ]);
  const fit = mk(60, 0), calib = mk(40, 1000);
  const s = { ...GUARD_DEFAULTS, epochs: 3, dnaJa: true };
  const per = fitAndCalibrate(fit, calib, { ...s, languageThresholds: true });
  const one = fitAndCalibrate(fit, calib, { ...s, languageThresholds: false });
  assert.equal(one.thresholdsJa, null);
  assert.ok(per.thresholdsJa !== null);
  for (let a = 0; a < GUARD_AREAS.length; a++) assert.equal(one.thresholds[a], Math.min(per.thresholds[a]!, per.thresholdsJa[a]!), GUARD_AREAS[a]);
  assert.notDeepEqual(per.thresholds, per.thresholdsJa, "the two languages' pools need different thresholds here");
  for (const [ja, th] of [[false, per.thresholds], [true, per.thresholdsJa]] as const) {
    const risky = calib.filter((x) => x.label > 0 && x.source.startsWith(ja ? "ja" : "en"));
    const flagged = risky.filter((x) => {
      const p = scorePrompt(per.prompt, x.text);
      return p.unsafe >= th[GUARD_AREAS.indexOf(p.area)]!;
    });
    assert.ok(flagged.length / risky.length >= 0.95, `${ja ? "ja" : "en"}: ${flagged.length}/${risky.length}`);
  }
  assert.deepEqual(per.calibration.pools.map((p) => p.name), ["main", "japanese"]);
  assert.ok(per.calibration.japanese !== undefined && one.calibration.japanese === undefined);
});
