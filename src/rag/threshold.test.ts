// The threshold sweep on worked numbers: precision/recall of "the sources do not say" and the ROC AUC.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rocAuc, sweepThresholds, thresholdPoint } from "./threshold.js";

test("precision, recall and AUC of a worked example", () => {
  const pos = [0.5, 0.6, 0.2, 0.9];
  const neg = [0.1, 0.3, 0.05];
  // t = 0.35: routed = {0.2 (pos), 0.1, 0.3, 0.05 (neg)} → precision 3/4, recall 3/3, false abstain 1/4.
  const p = thresholdPoint(pos, neg, 0.35);
  assert.deepEqual([p.precision, p.recall, p.falseAbstain], [0.75, 1, 0.25]);
  assert.ok(Math.abs(p.f1 - (2 * 0.75) / 1.75) < 1e-12);
  // AUC: of the 12 (pos, neg) pairs, only (0.2, 0.3) has the negative above: 11/12.
  assert.ok(Math.abs(rocAuc(pos, neg) - 11 / 12) < 1e-12);
  assert.equal(rocAuc([1, 2], [1]), 0.75); // a tie counts half
  // Thresholds 0, 0.1, …, 0.9; F1: 0, 0.5, 0.8, 2/3, 6/7 (t = 0.4: 3 negatives and 0.2 routed), 6/7 (0.5), 0.75, …
  // The best is the lower of the two tied at 6/7.
  const s = sweepThresholds(pos, neg, 9, 0.35);
  assert.equal(s.points.length, 10);
  assert.equal(s.best.threshold, 0.4);
  assert.ok(Math.abs(s.best.f1 - 6 / 7) < 1e-12);
  assert.ok(Math.abs(s.points[2]!.f1 - 0.8) < 1e-12);
  assert.deepEqual(s.at, p);
});
