// Tests of the n-gram logistic-regression baseline: features keep the question and the response apart and are
// unit-norm; on a toy task whose label is one response word it learns the word (and not the question's copy of
// it), with probabilities that sum to 1; bad labels are refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { logRegPredict, logRegProba, ngramFeatures, trainLogReg, type SparseVector } from "./ngram-logreg.js";

test("ngram features: unigrams + bigrams per part, hashed, unit L2 norm", () => {
  const a = ngramFeatures({ q: "how to", r: "no way" });
  assert.equal(a.index.length, 6, "q:how q:to q:how to r:no r:way r:no way (no collisions at this size)");
  let n2 = 0;
  for (const v of a.value) n2 += v * v;
  assert.ok(Math.abs(n2 - 1) < 1e-6);
  const b = ngramFeatures({ q: "no way", r: "how to" });
  assert.notDeepEqual([...a.index], [...b.index], "the same words in the other part are other features");
  assert.deepEqual(ngramFeatures({ q: "How TO", r: "no  way" }), a, "lower-cased, whitespace-insensitive");
});

test("logistic regression: learns which response word decides the label, not its copy in the question", () => {
  const fill = ["the", "a", "cat", "dog", "sat", "ran", "blue", "red"];
  const xs: SparseVector[] = [], ys: number[] = [];
  for (let i = 0; i < 80; i++) {
    const y = i % 2;
    const words = `${fill[i % 8]} ${fill[(i * 3) % 8]} ${y === 1 ? "bomb" : "sorry"} ${fill[(i * 5 + 1) % 8]}`;
    xs.push(ngramFeatures({ q: `question ${i % 2 === 0 ? "bomb" : "sorry"}`, r: words }));
    ys.push(y);
  }
  const m = trainLogReg(xs, ys, { classes: 2, epochs: 5, seed: 3 });
  assert.equal(logRegPredict(m, ngramFeatures({ q: "question sorry", r: "red bomb dog" })), 1);
  assert.equal(logRegPredict(m, ngramFeatures({ q: "question bomb", r: "cat sorry ran" })), 0);
  const p = logRegProba(m, ngramFeatures({ q: "x", r: "bomb" }));
  assert.ok(Math.abs(p[0]! + p[1]! - 1) < 1e-12 && p[1]! > 0.9, `${p[0]}, ${p[1]}`);
  assert.throws(() => trainLogReg(xs, ys.map((y) => y * 2), { classes: 2 }), /label 2 of example 1 outside \[0, 2\)/);
});
