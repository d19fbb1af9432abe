// Corpus BLEU against hand-computed values (SacreBLEU settings: 13a, exp smoothing, closest reference length).
import assert from "node:assert/strict";
import { test } from "node:test";
import { corpusBleu } from "./bleu.js";

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test("clipped precisions 5/6, 3/5, 2/4, 1/3 give 100 · (1/12)^(1/4)", () => {
  // "the" twice in the output, once in the reference: clipped to 1.
  const b = corpusBleu(["the cat sat on the mat"], [["the cat sat on a mat"]]);
  close(b.bleu, 100 * Math.pow(1 / 12, 1 / 4), "BLEU");
  assert.deepEqual(b.precisions.map((p) => Math.round(p * 1000) / 1000), [83.333, 60, 50, 33.333]);
});

test("exp smoothing: the first order with no match counts 1 / (2 · total)", () => {
  // 1-grams 5/6, 2-grams 3/5, 3-grams 1/4, 4-grams 0/3 → 1/6.
  close(corpusBleu(["the cat sat in the mat"], [["the cat sat on the mat"]]).bleu, 100 * Math.pow(1 / 48, 1 / 4), "BLEU");
});

test("brevity penalty from the closest reference length, ties to the shorter; too short for 3-grams is 0", () => {
  const b = corpusBleu(["the cat sat on the"], [["the cat sat on the mat", "a cat sat on the mat today ok"]]);
  close(b.bp, Math.exp(1 - 6 / 5), "BP");
  close(b.bleu, 100 * Math.exp(-0.2), "BLEU");
  assert.equal(corpusBleu(["the cat sat on the"], [["the cat sat on", "the cat sat on the mat"]]).bp, 1); // 4 and 6: 4
  assert.equal(corpusBleu(["the cat"], [["the cat sat"]]).bleu, 0);
  assert.throws(() => corpusBleu(["a"], []), /1 outputs but 0 reference sets/);
});
