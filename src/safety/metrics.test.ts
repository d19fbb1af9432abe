// Tests of the classification metrics against confusion matrices worked out by hand (the arithmetic is in the
// comments), scikit-learn's conventions for zero division and absent classes, and the SVG's counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classificationReport, confusionMatrix, confusionSvg, reportFromMatrix } from "./metrics.js";

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test("metrics: binary matrix [[50, 10], [5, 35]] by hand", () => {
  const r = reportFromMatrix([[50, 10], [5, 35]], ["no", "yes"]);
  close(r.accuracy, 85 / 100, "accuracy");
  // class 0: P = 50/55, R = 50/60, F1 = 2·50/(55+60) = 100/115; class 1: P = 35/45, R = 35/40, F1 = 70/85
  close(r.perClass[0]!.precision, 50 / 55, "P0");
  close(r.perClass[0]!.recall, 50 / 60, "R0");
  close(r.perClass[0]!.f1, 100 / 115, "F1_0");
  close(r.perClass[1]!.precision, 35 / 45, "P1");
  close(r.perClass[1]!.recall, 35 / 40, "R1");
  close(r.perClass[1]!.f1, 70 / 85, "F1_1");
  close(r.macroF1, (100 / 115 + 70 / 85) / 2, "macro-F1");
  // p_o = .85, p_e = .6·.55 + .4·.45 = .51, κ = .34/.49
  close(r.kappa, 0.34 / 0.49, "kappa");
  assert.deepEqual(r.perClass.map((c) => c.support), [60, 40]);
});

test("metrics: three classes from label lists, plus a class nobody used", () => {
  const ref = [0, 0, 1, 1, 2, 2, 2];
  const pred = [0, 1, 1, 1, 2, 0, 2];
  assert.deepEqual(confusionMatrix(ref, pred, 4), [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]);
  const r = classificationReport(ref, pred, ["a", "b", "c", "d"]);
  close(r.accuracy, 5 / 7, "accuracy");
  // F1: a = .5 (P 1/2, R 1/2); b = .8 (P 2/3, R 1); c = .8 (P 1, R 2/3); d absent from both → left out of the mean
  close(r.perClass[0]!.f1, 0.5, "F1 a");
  close(r.perClass[1]!.f1, 0.8, "F1 b");
  close(r.perClass[2]!.f1, 0.8, "F1 c");
  close(r.macroF1, 0.7, "macro-F1");
  // rows 2,2,3 and columns 2,3,2 of 7: p_e = (4 + 6 + 6)/49; κ = (35/49 − 16/49)/(33/49) = 19/33
  close(r.kappa, 19 / 33, "kappa");
});

test("metrics: a class never predicted has precision 0 (zero division), majority-class κ is 0", () => {
  const r = reportFromMatrix([[98, 0], [2, 0]], ["harmless", "harmful"]);
  close(r.accuracy, 0.98, "accuracy");
  assert.equal(r.perClass[1]!.precision, 0);
  assert.equal(r.perClass[1]!.f1, 0);
  close(r.macroF1, (2 * 98) / (98 + 100) / 2, "macro-F1"); // class 0: P = .98, R = 1, F1 = 196/198
  close(r.kappa, 0, "kappa");
  const perfect = reportFromMatrix([[3, 0], [0, 0]], ["x", "y"]);
  assert.equal(perfect.kappa, 1, "p_e = p_o = 1");
});

test("metrics: bad input is refused naming the item", () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), /2 reference labels but 1 predictions/);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 2), /item 1 has reference 3, prediction 1; expected integers in \[0, 2\)/);
  assert.throws(() => reportFromMatrix([[1, 2]], ["a", "b"]), /must be 2×2/);
});

test("metrics: the SVG shows every count and the summary", () => {
  const svg = confusionSvg(reportFromMatrix([[50, 10], [5, 35]], ["no", "yes"]), "t <1>");
  for (const n of [50, 10, 5, 35]) assert.match(svg, new RegExp(`>${n}</text>`));
  assert.match(svg, /accuracy 0\.850 {3}macro-F1 0\.847/);
  assert.match(svg, /t &lt;1&gt;/);
});
