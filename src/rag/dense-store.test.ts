// Exact vector search against brute force (every cosine computed in float64 and fully sorted), top-k selection on
// ties, and the vectors file round trip. Not here: approximate indexes (lance-store.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { FlatVectorIndex, normalize, readVectors, topKScores, writeVectors } from "./dense-store.js";

function randomUnit(rng: Rng, n: number, C: number): Float32Array {
  const v = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const row = v.subarray(i * C, (i + 1) * C);
    for (let j = 0; j < C; j++) row[j] = rng.normal();
    normalize(row);
  }
  return v;
}

test("FlatVectorIndex: the k best equal a full sort of every cosine", () => {
  const rng = new Rng(3);
  const C = 24, N = 2000;
  const vecs = randomUnit(rng, N, C);
  const idx = new FlatVectorIndex(vecs, C);
  for (let q = 0; q < 20; q++) {
    const query = randomUnit(rng, 1, C);
    const all = Array.from({ length: N }, (_, n) => {
      let d = 0;
      for (let i = 0; i < C; i++) d += vecs[n * C + i]! * query[i]!;
      return { chunk: n, score: d };
    }).sort((a, b) => b.score - a.score);
    const got = idx.search(query, 10);
    assert.deepEqual(got.map((h) => h.chunk), all.slice(0, 10).map((h) => h.chunk));
    got.forEach((h, i) => assert.ok(Math.abs(h.score - all[i]!.score) < 1e-5));
  }
  // A stored vector is its own nearest neighbour, at cosine 1.
  const self = idx.search(vecs.slice(7 * C, 8 * C), 1)[0]!;
  assert.equal(self.chunk, 7);
  assert.ok(Math.abs(self.score - 1) < 1e-5);
  assert.throws(() => idx.search(new Float32Array(3), 1), /query has 3 dimensions, the index 24/);
});

test("topKScores: best first, ties to the lower index, k larger than N", () => {
  const s = Float32Array.of(0.5, 0.9, 0.5, -1, 0.9, 0.1);
  assert.deepEqual(topKScores(s, 4).map((h) => h.chunk), [1, 4, 0, 2]);
  assert.deepEqual(topKScores(s, 99).map((h) => h.chunk), [1, 4, 0, 2, 5, 3]);
  assert.deepEqual(topKScores(s, 0), []);
});

test("vectors.bin round trip", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-vecs-"));
  try {
    const v = randomUnit(new Rng(1), 5, 3);
    writeVectors(join(dir, "v.bin"), v, 3);
    const r = readVectors(join(dir, "v.bin"));
    assert.equal(r.dim, 3);
    assert.deepEqual([...r.vectors], [...v]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
