// FKGL and its syllable heuristic against hand counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { corpusFkgl, splitSentences, syllables } from "./fkgl.js";

test("syllables: vowel groups, silent e, the +1/−1 patterns, punctuation 0", () => {
  assert.equal(syllables("cat"), 1);
  assert.equal(syllables("table"), 2); // "tabl": 1 group, +1 for [aeiouy]bl$
  assert.equal(syllables("nation"), 2); // a, io: 2 groups, +1 io, −1 ion
  assert.equal(syllables("photosynthesis"), 5);
  assert.equal(syllables("complicated"), 4);
  assert.equal(syllables("."), 0);
});

test("FKGL: 4 words (the period counts, as in EASSE), 10 syllables, 1 sentence → 15.47; floors at 0", () => {
  const v = corpusFkgl(["Photosynthesis is complicated."]);
  assert.ok(Math.abs(v - (0.39 * 4 + 11.8 * (10 / 4) - 15.59)) < 1e-12, String(v));
  assert.equal(corpusFkgl(["The cat sat."]), 0);
  assert.deepEqual(splitSentences("It rains. Go home! Why? ok"), ["It rains.", "Go home!", "Why?", "ok"]);
});
