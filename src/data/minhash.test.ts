import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { unitHashes } from "./units.js";
import { MinHasher, MINHASH_DEFAULTS, estimateJaccard, shingleHashes, candidateProbability } from "./minhash.js";
import { Deduplicator, Key52Set, exactKey } from "./dedup.js";

/** Exact Jaccard similarity of two texts' shingle sets: the independent reference for MinHash. */
function exactJaccard(a: string, b: string, n = MINHASH_DEFAULTS.shingle): number {
  const A = new Set(shingleHashes(unitHashes(a), n));
  const B = new Set(shingleHashes(unitHashes(b), n));
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter);
}

function randomWords(rng: Rng, vocab: string[], n: number): string[] {
  return Array.from({ length: n }, () => vocab[rng.int(vocab.length)]!);
}

function makeVocab(rng: Rng, n: number): string[] {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(6) }, () => letters[rng.int(26)]).join(""));
}

test("a near-duplicate with one word changed is caught; exact duplicates ignore case and punctuation", () => {
  const rng = new Rng(7);
  const vocab = makeVocab(rng, 500);
  const words = randomWords(rng, vocab, 120);
  const a = words.join(" ") + ".";
  const changed = [...words];
  changed[60] = "zebra";
  const b = changed.join(" ") + ".";
  const other = randomWords(rng, vocab, 120).join(" ");
  const dd = new Deduplicator({ exact: true, near: true, minhash: MINHASH_DEFAULTS });
  assert.deepEqual(dd.check("a", a), { keep: true });
  const v = dd.check("b", b);
  assert.equal(v.keep, false);
  assert.ok(!v.keep && v.kind === "near" && v.of === "a" && v.similarity >= 0.7, JSON.stringify(v));
  assert.deepEqual(dd.check("c", other), { keep: true });
  assert.deepEqual(dd.check("d", a.toUpperCase().replace(/ /g, ",  ")), { keep: false, kind: "exact" });
  // Japanese: one character changed in a paragraph (units are characters).
  const ja = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。";
  assert.deepEqual(dd.check("ja1", ja), { keep: true });
  assert.equal(dd.check("ja2", ja.replace("薄暗い", "薄明い")).keep, false);
});

test("MinHash estimates track exact Jaccard (mean abs error < 0.04 over 200 pairs)", () => {
  const rng = new Rng(11);
  const vocab = makeVocab(rng, 1000);
  const h = new MinHasher(MINHASH_DEFAULTS);
  let err = 0;
  for (let i = 0; i < 200; i++) {
    const w = randomWords(rng, vocab, 80 + rng.int(80));
    const c = [...w];
    const edits = rng.int(Math.floor(w.length * 0.3));
    for (let e = 0; e < edits; e++) c[rng.int(c.length)] = vocab[rng.int(vocab.length)]!;
    const [a, b] = [w.join(" "), c.join(" ")];
    err += Math.abs(estimateJaccard(h.signature(unitHashes(a))!, h.signature(unitHashes(b))!) - exactJaccard(a, b));
  }
  assert.ok(err / 200 < 0.04, `mean abs error ${err / 200}`);
});

test("MinHash-LSH precision and recall on a synthetic corpus with known duplicates (threshold 0.7)", (t) => {
  // 800 unrelated base documents; 400 of them get a later copy with 0-10 % of words replaced, so the copies'
  // exact Jaccard similarity to their base spreads over about [0.35, 1]. Ground truth: a copy is a duplicate
  // when its exact Jaccard with its base is >= the threshold.
  const rng = new Rng(2024);
  const vocab = makeVocab(rng, 3000);
  const docs: { id: string; text: string; base: number }[] = [];
  const bases: string[] = [];
  for (let i = 0; i < 800; i++) {
    bases.push(randomWords(rng, vocab, 60 + rng.int(140)).join(" "));
    docs.push({ id: `b${i}`, text: bases[i]!, base: -1 });
  }
  for (let i = 0; i < 400; i++) {
    const w = bases[i]!.split(" ");
    const edits = Math.floor(rng.next() * 0.1 * w.length);
    for (let e = 0; e < edits; e++) w[rng.int(w.length)] = vocab[rng.int(vocab.length)]!;
    docs.push({ id: `c${i}`, text: w.join(" "), base: i });
  }
  const tau = MINHASH_DEFAULTS.threshold;
  const dd = new Deduplicator({ exact: false, near: true, minhash: MINHASH_DEFAULTS });
  // Counts overall, and outside the band |J - tau| < 0.1 (2.4 sd) where the estimate's noise (sd ≈ 0.04 at P = 120)
  // makes either answer defensible.
  const all = { tp: 0, fp: 0, fn: 0 };
  const clear = { tp: 0, fp: 0, fn: 0 };
  let positives = 0;
  for (const d of docs) {
    const j = d.base >= 0 ? exactJaccard(d.text, bases[d.base]!) : 0;
    const truth = j >= tau;
    if (truth) positives++;
    const dropped = !dd.check(d.id, d.text).keep;
    for (const c of Math.abs(j - tau) < 0.1 ? [all] : [all, clear]) {
      if (dropped && truth) c.tp++;
      else if (dropped) c.fp++;
      else if (truth) c.fn++;
    }
  }
  const pr = (c: typeof all): [number, number] => [c.tp / (c.tp + c.fp), c.tp / (c.tp + c.fn)];
  const [precision, recall] = pr(all);
  const [pClear, rClear] = pr(clear);
  t.diagnostic(`positives ${positives}; all: tp ${all.tp} fp ${all.fp} fn ${all.fn}, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}; |J-${tau}|>=0.1: precision ${pClear.toFixed(3)}, recall ${rClear.toFixed(3)}`);
  assert.ok(positives > 100, `enough positives (${positives})`);
  assert.ok(precision >= 0.9 && recall >= 0.9, `precision ${precision}, recall ${recall}`);
  assert.ok(pClear >= 0.99 && rClear >= 0.99, `away from the threshold: precision ${pClear}, recall ${rClear}`);
});

test("the LSH S-curve: candidate probability at the documented points", () => {
  const r = MINHASH_DEFAULTS.permutations / MINHASH_DEFAULTS.bands;
  assert.equal(r, 5);
  assert.ok(Math.abs(candidateProbability(0.5, 24, r) - 0.53) < 0.01);
  assert.ok(Math.abs(candidateProbability(0.7, 24, r) - 0.988) < 0.002);
  assert.ok(candidateProbability(0.8, 24, r) > 0.9999);
  assert.ok(candidateProbability(0.3, 24, r) < 0.06);
  assert.throws(() => new MinHasher({ ...MINHASH_DEFAULTS, permutations: 100, bands: 30 }), /multiple of bands/);
});

test("the exact-duplicate key set grows and answers like a Set", () => {
  const s = new Key52Set();
  const ref = new Set<number>();
  const rng = new Rng(9);
  for (let i = 0; i < 20000; i++) {
    const k = rng.int(5000) * 1048576 + rng.int(1 << 20); // many repeats
    assert.equal(s.add(k), !ref.has(k));
    ref.add(k);
  }
  assert.equal(s.size, ref.size);
  assert.notEqual(exactKey(unitHashes("the cat sat")), exactKey(unitHashes("the sat cat")));
  assert.equal(exactKey(unitHashes("The cat, sat!")), exactKey(unitHashes("the  cat sat")));
});
