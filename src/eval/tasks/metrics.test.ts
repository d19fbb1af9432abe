// Answer scores against hand-computed values of SQuAD v1.1's evaluate script (normalize_answer, f1_score,
// exact_match_score) and of character F1 on Japanese (the JSQuAD scoring of rag/answer-metrics.ts), and the
// length-normalised picks against hand arithmetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { argmax, exactMatch, f1Max, f1Words, normalisedPicks, normalizeAnswer } from "./metrics.js";

test("normalize_answer: lower case, ASCII punctuation and articles removed, spaces collapsed", () => {
  assert.equal(normalizeAnswer("The  Cat, sat!"), "cat sat");
  assert.equal(normalizeAnswer("an apple a day"), "apple day");
  assert.equal(normalizeAnswer("小笠原諸島。"), "小笠原諸島。", "only ASCII punctuation, as SQuAD's string.punctuation");
});

test("word F1 and exact match as SQuAD computes them", () => {
  // pred {cat, sat, on, mat} vs gold {cat, sat}: P = 2/4, R = 2/2, F1 = 2·0.5·1/1.5 = 2/3.
  assert.ok(Math.abs(f1Words("the cat sat on the mat", "a cat sat") - 2 / 3) < 1e-12);
  assert.equal(f1Words("dog", "cat"), 0);
  assert.equal(exactMatch("The Cat.", ["a dog", "cat"], "words"), 1);
  assert.equal(exactMatch("cats", ["cat"], "words"), 0);
  assert.equal(f1Max("cat sat", ["dog", "cat sat"], "words"), 1);
});

test("character F1 for Japanese (JSQuAD)", () => {
  // 小笠原諸島 (5 chars) vs 小笠原諸島を除く日本 (10): P = 1, R = 1/2, F1 = 2/3.
  assert.ok(Math.abs(f1Max("小笠原諸島", ["小笠原諸島を除く日本"], "chars") - 2 / 3) < 1e-12);
  // Repeated characters count as a multiset: 雨雨 vs 雨季: one shared, P = R = 1/2.
  assert.ok(Math.abs(f1Max("雨雨", ["雨季"], "chars") - 0.5) < 1e-12);
  assert.equal(f1Max("雨 季。", ["雨季"], "chars"), 1, "whitespace and punctuation are ignored");
  assert.equal(exactMatch("「雨季」", ["雨季"], "chars"), 1);
  assert.equal(f1Max("５月", ["5月"], "chars"), 1, "NFKC: full-width digits");
});

test("argmax takes the first of ties; acc_norm divides by characters, acc_bytes by UTF-8 bytes", () => {
  assert.equal(argmax([1, 3, 3]), 1);
  // lls −6 and −8 for "ab" (2 chars, 2 bytes) and "日本語x" (4 chars, 10 bytes):
  // per char −3 vs −2 → choice 1; per byte −3 vs −0.8 → choice 1; raw → choice 0.
  assert.deepEqual(normalisedPicks([-6, -8], ["ab", "日本語x"]), { chars: 1, bytes: 1 });
  // −3 vs −10 over "ab" / "日本語x": per char −1.5 vs −2.5 → 0; per byte −1.5 vs −1.0 → 1.
  assert.deepEqual(normalisedPicks([-3, -10], ["ab", "日本語x"]), { chars: 0, bytes: 1 });
});
