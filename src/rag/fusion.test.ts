// Fusion against worked numbers: RRF (k = 60) and weighted min-max fusion on two small rankings computed by hand
// in the comments. Not here: retrieval quality (bench/rag-dense.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HybridRetriever, rrf, weightedFusion } from "./fusion.js";
import type { Hit } from "./types.js";

const lexical: Hit[] = [{ chunk: 10, score: 12 }, { chunk: 20, score: 8 }, { chunk: 30, score: 4 }];
const dense: Hit[] = [{ chunk: 30, score: 0.9 }, { chunk: 40, score: 0.7 }, { chunk: 50, score: 0.6 }, { chunk: 10, score: 0.5 }];

const close = (got: readonly Hit[], want: readonly [number, number][]): void => {
  assert.deepEqual(got.map((h) => h.chunk), want.map((w) => w[0]));
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]![1]) < 1e-12, `chunk ${h.chunk}: ${h.score} vs ${want[i]![1]}`));
};

test("rrf, k = 60: worked example", () => {
  // 30: 1/63 (lexical rank 3) + 1/61 (dense rank 1) = 0.0322664…   10: 1/61 + 1/64 = 0.0320184…
  // 20: 1/62, 40: 1/62 (tie: lower chunk first)   50: 1/63
  close(rrf([lexical, dense], 10), [[30, 1 / 63 + 1 / 61], [10, 1 / 61 + 1 / 64], [20, 1 / 62], [40, 1 / 62], [50, 1 / 63]]);
  close(rrf([lexical, dense], 2), [[30, 1 / 63 + 1 / 61], [10, 1 / 61 + 1 / 64]]);
  // k = 0: 1/rank.  10: 1 + 1/4 = 1.25, 30: 1/3 + 1 = 1.333…
  close(rrf([lexical, dense], 2, 0), [[30, 4 / 3], [10, 1.25]]);
});

test("weighted fusion: min-max per list, weights 0.7 / 0.3, worked example", () => {
  // lexical (min 4, max 12): 10 → 1, 20 → 0.5, 30 → 0.   dense (min 0.5, max 0.9): 30 → 1, 40 → 0.5, 50 → 0.25, 10 → 0.
  // 10: 0.7   20: 0.35   30: 0.3   40: 0.15   50: 0.075
  close(weightedFusion([lexical, dense], [0.7, 0.3], 10), [[10, 0.7], [20, 0.35], [30, 0.3], [40, 0.15], [50, 0.075]]);
  // One hit alone normalises to 1.
  close(weightedFusion([[{ chunk: 3, score: -2 }], []], [0.4, 0.6], 5), [[3, 0.4]]);
  assert.throws(() => weightedFusion([lexical], [0.5, 0.5], 3), /2 weights for 1 lists/);
});

test("HybridRetriever fuses its two retrievers' rankings", () => {
  const h = new HybridRetriever({ search: () => lexical }, { search: () => dense }, { method: "rrf", depth: 100, lexicalWeight: 0.5, rrfK: 60 });
  assert.deepEqual(h.search("q", 3).map((x) => x.chunk), [30, 10, 20]);
  const w = new HybridRetriever({ search: () => lexical }, { search: () => dense }, { method: "weighted", depth: 100, lexicalWeight: 0.7, rrfK: 60 });
  assert.deepEqual(w.search("q", 3).map((x) => x.chunk), [10, 20, 30]);
});
