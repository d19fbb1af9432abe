// The byte-level BPE encoder's fast paths against its reference paths: the native heap merge against the
// TypeScript mergeByHeap (random tables, dropped bytes, long pieces), and whole encodes of the GPT-2 vocabulary
// with scanner + native merge + cache against regex + TypeScript merge + no cache, on random Unicode and corpus
// text. Not here: agreement with tiktoken and llama.cpp (bpe.test.ts, vectors.test.ts), the scanners alone
// (pretokenize-scan.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nativeBpeMerge } from "../engine/index.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { ByteLevelBpe } from "./bpe.js";
import { randomUnicode } from "./conformance.js";
import { loadTokenizer } from "./load.js";
import { mergeByHeap, NO_MERGE, PairTable } from "./merge.js";

test("native merge equals mergeByHeap on random tables, with dropped bytes (-1) and pieces past the stack buffer", (t) => {
  const native = nativeBpeMerge();
  if (native === null) return void t.skip("native addon unavailable (npm run build:native)");
  const rng = new Rng(21);
  for (let trial = 0; trial < 60; trial++) {
    // Ids on both sides of 256 so that the dense table and the hashed slots both serve lookups.
    const alphabet = 2 + rng.int(6);
    const base = rng.int(2) === 0 ? 0 : 250;
    const triples: [number, number, number][] = [];
    let next = base + alphabet;
    for (let r = 0; r < 30; r++) triples.push([base + rng.int(next - base), base + rng.int(next - base), next++]);
    triples.push(triples[0]!); // a duplicate keeps its first rank
    const table = new PairTable(triples);
    for (let k = 0; k < 20; k++) {
      const n = 1 + rng.int(rng.int(4) === 0 ? 1200 : 60);
      const a = Int32Array.from({ length: n }, () => (rng.int(20) === 0 ? -1 : base + rng.int(alphabet)));
      const b = a.slice();
      const na = mergeByHeap(table, a, n);
      const nb: number = native(table.packed, b, n);
      assert.deepEqual(b.subarray(0, nb), a.subarray(0, na), `trial ${trial}, n ${n}`);
    }
  }
});

test("PairTable.rank equals a Map of the merges: the miss filter never hides a pair, duplicates keep the first rank", () => {
  const rng = new Rng(33);
  for (const pairs of [10, 3000, 70000]) { // filter sizes 2^10, 2^16 and 2^21 bits
    const triples: [number, number, number][] = [];
    const want = new Map<string, number>();
    for (let r = 0; r < pairs; r++) {
      const a = rng.int(4) === 0 ? rng.int(256) : rng.int(200000);
      const b = rng.int(4) === 0 ? rng.int(256) : rng.int(200000);
      triples.push([a, b, 300000 + r]);
      if (!want.has(`${a},${b}`)) want.set(`${a},${b}`, r);
    }
    const table = new PairTable(triples);
    assert.equal(table.size, want.size);
    for (const [k, r] of want) {
      const [a, b] = k.split(",").map(Number) as [number, number];
      assert.equal(table.rank(a, b), r, k);
      assert.equal(table.mergedOf[r], 300000 + r);
    }
    for (let i = 0; i < 20000; i++) {
      const a = rng.int(200000);
      const b = rng.int(200000);
      assert.equal(table.rank(a, b), want.get(`${a},${b}`) ?? NO_MERGE);
    }
  }
});

test("native merge rejects a table whose layout does not add up, and n past the array", (t) => {
  const native = nativeBpeMerge();
  if (native === null) return void t.skip("native addon unavailable (npm run build:native)");
  const table = new PairTable([[0, 1, 2]]);
  assert.throws(() => native(table.packed.subarray(0, 100), new Int32Array([0, 1]), 2), /packed is not a pair table/);
  assert.throws(() => native(table.packed, new Int32Array([0, 1]), 3), /n must be an integer in \[0, sym\.length\]/);
  const sym = new Int32Array([0, 1, 0, 1]);
  assert.equal(native(table.packed, sym, 4), 2);
  assert.deepEqual([...sym.subarray(0, 2)], [2, 2]);
});

test("GPT-2 vocabulary: scanner + native merge + cache + cuts give the ids of regex + TypeScript merge, no cache, whole pieces", (t) => {
  const vocab = sharedPath("reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  if (vocab === null) return void sharedOrSkip(t, "reference", "tokenizers");
  const fast = loadTokenizer(vocab);
  assert.ok(fast instanceof ByteLevelBpe);
  const ref = new ByteLevelBpe({ ...fast.spec, preTokenizer: "regex", merge: "typescript", cacheSize: 0, cut: false });
  const small = new ByteLevelBpe({ ...fast.spec, cacheSize: 7 }); // the cache fills and clears many times
  const rng = new Rng(4);
  const texts: string[] = [];
  for (let i = 0; i < 800; i++) texts.push(randomUnicode(rng, 1 + rng.int(80)));
  texts.push("吾輩は猫である。名前はまだ無い。".repeat(40), " ".repeat(300) + "x", "ab".repeat(700));
  const data = sharedPath("data");
  if (data !== null) {
    texts.push(readFileSync(join(data, "tinystories", "tinystories_val.txt"), "utf8").slice(0, 100000));
    texts.push(readFileSync(join(data, "aozora", "clean", "789_ruby_5639.txt"), "utf8").slice(0, 80000));
  }
  for (let pass = 0; pass < 2; pass++) { // the second pass reads the cache the first one filled
    for (const s of texts) {
      const want = ref.encode(s);
      assert.deepEqual(fast.encode(s), want, JSON.stringify(s.slice(0, 60)));
      assert.deepEqual(small.encode(s), want, JSON.stringify(s.slice(0, 60)));
    }
  }
  // encodeOrdinary appends to the array it is given.
  assert.deepEqual(fast.encodeOrdinary(" world", fast.encodeOrdinary("Hello")), ref.encode("Hello world"));
});
