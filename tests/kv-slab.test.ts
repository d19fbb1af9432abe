// The KV cache pool's slab (src/infer/kv-cache.ts createKvSlab): every layer's keys and values in one buffer advised
// onto huge pages (native/binding/ops_memory.c adviseHugePages), with each slot's and layer's views where the
// per-layer layout put them: disjoint, zeroed, and decoding into them gives the ids of separate caches. Not here:
// batched decode's bitwise equality (tests/batch-decode-bitwise.test.ts), the pool's bookkeeping
// (tests/batch-decode.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { loadAddon } from "../src/engine/backends/native/index.js";
import { createKvSlab } from "../src/infer/kv-cache.js";
import { MODEL_PRESETS } from "../src/models/config.js";

test("createKvSlab: slot i, layer l of keys and values are disjoint zeroed views at i·capacity·kvDim of their layer", () => {
  const c = { ...MODEL_PRESETS.default, nLayers: 3 }, kv = (c.dim / c.nHeads) * c.nKvHeads, capacity = 5, slots = 4;
  const caches = createKvSlab(c, slots, capacity)!;
  assert.equal(caches.length, slots);
  const slab = caches[0]!.slab!;
  assert.equal(slab.k.length, 3);
  for (const x of [...slab.k, ...slab.v]) assert.equal(x.length, slots * capacity * kv);
  // Mark every float with its (kind, layer, slot, index) and read the marks back through the other views.
  const mark = (kind: number, l: number, s: number, i: number): number => ((kind * 8 + l) * 8 + s) * 1000 + i;
  caches.forEach((cache, s) => {
    assert.equal(cache.slot, s);
    for (let l = 0; l < 3; l++) {
      assert.ok(cache.k[l]!.every((x) => x === 0) && cache.v[l]!.every((x) => x === 0), "zeroed");
      cache.k[l]!.forEach((_, i, a) => (a[i] = mark(0, l, s, i)));
      cache.v[l]!.forEach((_, i, a) => (a[i] = mark(1, l, s, i)));
    }
  });
  for (let l = 0; l < 3; l++) {
    for (let s = 0; s < slots; s++) {
      for (const i of [0, capacity * kv - 1]) {
        assert.equal(slab.k[l]![s * capacity * kv + i], mark(0, l, s, i), `k layer ${l} slot ${s} index ${i}`);
        assert.equal(slab.v[l]![s * capacity * kv + i], mark(1, l, s, i), `v layer ${l} slot ${s} index ${i}`);
      }
    }
  }
});

test("adviseHugePages: true for a fresh buffer holding whole 2 MiB pages (Linux with THP), false for a small one; values unchanged", (t) => {
  const r = loadAddon();
  if (!r.ok || r.addon.adviseHugePages === null) return t.skip("native addon (with adviseHugePages) unavailable");
  const advise = r.addon.adviseHugePages;
  assert.equal(advise(new Float32Array(1000)), false, "4 KB holds no whole 2 MiB page");
  const big = new Float32Array((5 << 20) / 4);
  const thp = process.platform === "linux" && existsSync("/sys/kernel/mm/transparent_hugepage/enabled");
  assert.equal(advise(big), thp, thp ? "a 5 MiB buffer holds at least one whole 2 MiB page" : "no THP here");
  assert.ok(big.every((x) => x === 0));
  big[big.length - 1] = 3;
  assert.equal(big[big.length - 1], 3);
  assert.throws(() => r.addon.callRaw("adviseHugePages", { x: new Int32Array(4) }), /'x'/);
});
