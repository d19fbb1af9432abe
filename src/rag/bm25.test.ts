// BM25 against a hand-computed example (numbers worked out below from the formula in bm25.ts), through the
// on-disk postings (PostingsBuilder → postings.bin → PostingsFile), and the analyzers' terms on a known sentence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bm25Scorer, bm25Idf, topK } from "./bm25.js";
import { PostingsBuilder, PostingsFile } from "./postings.js";
import { makeAnalyzer } from "./analyzer.js";

// Three chunks: d0 = a b a (|d| 3), d1 = b c (2), d2 = c c c d (4); N = 3, avgdl = 3. Query "a c".
//   idf(a) = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(8/3) = 0.980829    idf(c) = ln(1 + 1.5/2.5) = ln(1.6) = 0.470004
// k1 = 1.2, b = 0.75:
//   d0: a, tf 2:  0.980829 · 2·2.2 / (2 + 1.2·(0.25 + 0.75·3/3)) = 0.980829 · 4.4/3.2 = 1.348640
//   d2: c, tf 3:  0.470004 · 3·2.2 / (3 + 1.2·(0.25 + 0.75·4/3)) = 0.470004 · 6.6/4.5 = 0.689339
//   d1: c, tf 1:  0.470004 · 1·2.2 / (1 + 1.2·(0.25 + 0.75·2/3)) = 0.470004 · 2.2/1.9 = 0.544215
// k1 = 2, b = 0 (no length normalization): d0 0.980829·6/4 = 1.471244, d2 0.470004·9/5 = 0.846007, d1 0.470004
function withPostings(fn: (p: PostingsFile) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-bm25-"));
  try {
    const b = new PostingsBuilder();
    for (const d of [["a", "b", "a"], ["b", "c"], ["c", "c", "c", "d"]]) b.add(d);
    b.write(join(dir, "postings.bin"));
    const p = new PostingsFile(join(dir, "postings.bin"));
    try {
      fn(p);
    } finally {
      p.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("BM25 scores equal the hand-computed example (k1 1.2, b 0.75 and k1 2, b 0)", () => {
  withPostings((p) => {
    assert.equal(p.nDocs, 3);
    assert.equal(p.avgLen, 3);
    assert.ok(Math.abs(bm25Idf(3, 1) - 0.980829) < 1e-6);
    assert.deepEqual(p.postings("c"), { docs: new Uint32Array([1, 2]), tfs: new Uint16Array([1, 3]) });
    assert.equal(p.postings("zzz"), null);
    const got = new Bm25Scorer(p, { k1: 1.2, b: 0.75 }).search(["a", "c"], 10);
    assert.deepEqual(got.map((h) => h.chunk), [0, 2, 1]);
    [1.34864, 0.689339, 0.544215].forEach((s, i) => assert.ok(Math.abs((got[i]?.score ?? 0) - s) < 1e-6, `hit ${i}: ${got[i]?.score} vs ${s}`));
    const flat = new Bm25Scorer(p, { k1: 2, b: 0 }).search(["a", "c", "c"], 2); // a repeated query term counts once
    assert.deepEqual(flat.map((h) => h.chunk), [0, 2]);
    [1.471244, 0.846007].forEach((s, i) => assert.ok(Math.abs((flat[i]?.score ?? 0) - s) < 1e-6, `hit ${i}: ${flat[i]?.score} vs ${s}`));
    // The scorer resets its accumulator: a second query is not polluted by the first.
    assert.deepEqual(new Bm25Scorer(p).search(["d"], 5).map((h) => h.chunk), [2]);
  });
});

test("topK keeps the k best, ties broken by the lower chunk number", () => {
  const scores = new Float64Array([0.5, 2, 0, 2, 1, 3]);
  const touched = new Uint32Array([0, 1, 3, 4, 5]);
  assert.deepEqual(topK(scores, touched, 5, 3).map((h) => h.chunk), [5, 1, 3]);
  assert.deepEqual(topK(scores, touched, 5, 10).map((h) => h.chunk), [5, 1, 3, 4, 0]);
  assert.deepEqual(topK(scores, touched, 5, 0), []);
});

test("analyzers: CJK bigrams with whole Latin words; Intl.Segmenter words; union keeps both apart", () => {
  const text = "東京タワーはＴＯＫＹＯ 3.14m";
  assert.deepEqual(makeAnalyzer("bigram")(text), ["東京", "京タ", "タワ", "ワー", "ーは", "tokyo", "3", "14m"]);
  const words = makeAnalyzer("word")(text); // ICU's dictionary: 東京タワー is one word
  assert.ok(words.includes("tokyo") && words.includes("は") && !words.includes("京タ"), words.join(" "));
  // union = the words, then the CJK bigrams marked with \u0002 (Latin words not repeated).
  assert.deepEqual(makeAnalyzer("union")(text), [...words, ...["東京", "京タ", "タワ", "ワー", "ーは"].map((t) => `\u0002${t}`)]);
});
