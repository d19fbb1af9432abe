// SARI against EASSE's corpus_sari and against the published sentence-level example. The numbers below were
// computed by easse/sari.py (github.com/feralvam/easse @ 6a4352e, get_corpus_sari_operation_scores) on the
// same, already lowercased and 13a-tokenized, sentences; the first sentence is the example of Hugging Face's
// `sari` metric card / tensor2tensor (Xu et al.'s SARIsent, deletion precision only), whose published value is
// 26.953601953601954. The unigram counts are also derived by hand in the test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { corpusSari, sariStats } from "./sari.js";
import { tokenize13a } from "./tokenize-13a.js";

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

const ORIG = ["About 95 species are currently accepted.", "The cat sat on the mat."];
const SYS = ["About 95 you now get in.", "The cat sat."];
const REFS = [
  ["About 95 species are currently known.", "About 95 species are now accepted.", "95 species are now accepted."],
  ["The cat sat.", "The cat sat on the mat.", "A cat was on the mat."],
];

test("13a tokenization: punctuation split, numbers kept whole, apostrophes and hyphens kept", () => {
  assert.equal(tokenize13a("About 95 species are currently accepted."), "About 95 species are currently accepted .");
  assert.equal(tokenize13a('He said: "don\'t," 3.5 well-known (x)!'), 'He said : " don\'t , " 3.5 well-known ( x ) !');
  assert.equal(tokenize13a("pages 10-20, A&amp;B"), "pages 10 - 20 , A & B");
});

test("one sentence: the unigram counts by hand, and EASSE's scores", () => {
  const st = sariStats([ORIG[0]!], [SYS[0]!], [REFS[0]!]);
  // add: system adds {you, now, get, in}; references add {known, now}; correct {now}.
  assert.deepEqual([st.add.sysCorrect[0], st.add.sysTotal[0], st.add.refTotal[0]], [1, 4, 2]);
  // keep (×3 references): system keeps about, 95, "." (3 each = 9); references keep about 2, 95 3, species 3,
  // are 3, currently 1, accepted 2, "." 3 (= 17); both: about 2 + 95 3 + "." 3 = 8.
  assert.deepEqual([st.keep.sysCorrect[0], st.keep.sysTotal[0], st.keep.refTotal[0]], [8, 9, 17]);
  // delete: system deletes species, are, currently, accepted (3 each = 12); references delete about 1,
  // currently 2, accepted 1 (= 4); both: currently 2 + accepted 1 = 3.
  assert.deepEqual([st.del.sysCorrect[0], st.del.sysTotal[0], st.del.refTotal[0]], [3, 12, 4]);
  // Every order, as easse compute_ngram_stats prints them.
  assert.deepEqual(st.add, { sysCorrect: [1, 0, 0, 0], sysTotal: [4, 5, 5, 4], refTotal: [2, 4, 5, 5] });
  assert.deepEqual(st.keep, { sysCorrect: [8, 2, 0, 0], sysTotal: [9, 3, 0, 0], refTotal: [17, 11, 6, 3] });
  assert.deepEqual(st.del, { sysCorrect: [3, 6, 9, 9], sysTotal: [12, 15, 15, 12], refTotal: [4, 7, 9, 9] });
  const f = corpusSari([ORIG[0]!], [SYS[0]!], [REFS[0]!]);
  close(f.add, 8.333333333333332, "add");
  close(f.keep, 22.527472527472526, "keep");
  close(f.del, 63.189935064935064, "delete F1");
  close(f.sari, 31.350246975246975, "SARI");
  const p = corpusSari([ORIG[0]!], [SYS[0]!], [REFS[0]!], { deletion: "precision" });
  close(p.del, 50, "delete precision");
  close(p.sari, 26.953601953601954, "SARI, deletion precision only (the published example)");
});

test("two sentences: counts summed over the corpus before the F1s (EASSE corpus_sari)", () => {
  const f = corpusSari(ORIG, SYS, REFS);
  close(f.add, 16.726190476190478, "add");
  close(f.keep, 33.15236488860778, "keep");
  close(f.del, 62.523161278124405, "delete");
  close(f.sari, 37.46723888097422, "SARI");
  close(corpusSari(ORIG, SYS, REFS, { deletion: "precision" }).sari, 32.98420981295744, "SARI, deletion precision");
  close(corpusSari(ORIG, ORIG, REFS).sari, 23.124869383490076, "identity");
});

test("lowercasing by default, case kept on request; mismatched lengths are errors", () => {
  close(corpusSari(["ABOUT 95 species are currently accepted."], ["about 95 YOU now get in ."], [REFS[0]!]).sari, 31.350246975246975, "case-insensitive");
  assert.notEqual(corpusSari(["A b c"], ["A b c"], [["a b c"]], { lowercase: false }).sari, corpusSari(["A b c"], ["A b c"], [["a b c"]]).sari);
  assert.throws(() => corpusSari(ORIG, [SYS[0]!], REFS), /2 sources, 1 outputs/);
  assert.throws(() => corpusSari(["a"], ["a"], [[]]), /sentence 1 has no references/);
});
