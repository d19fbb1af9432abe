// Where inference buffers sit (native/binding/ops_memory.c): the KV cache pool's slab (src/infer/kv-cache.ts
// createKvSlab), every layer's keys and values in one buffer advised onto huge pages (adviseHugePages), with each
// slot's and layer's views where the per-layer layout put them, disjoint and zeroed; and the forward's scratch on
// 64-byte boundaries (engine alignedF32, from the addon's alignOffset, checked float by float). Not here:
// batched decode's bitwise equality (tests/batch-decode-bitwise.test.ts), the pool's bookkeeping
// (tests/batch-decode.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { alignedF32 } from "../src/engine/backend.js";
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

test("alignOffset counts the floats to the next 64-byte boundary; alignedF32 (the forward's scratch) starts on one", (t) => {
  const r = loadAddon();
  if (!r.ok || r.addon.alignOffset === null) return t.skip("native addon (with alignOffset) unavailable");
  const offsetOf = r.addon.alignOffset;
  const raw = new Float32Array(64);
  const o = offsetOf(raw);
  assert.ok(Number.isInteger(o) && o >= 0 && o < 16);
  // Each float further on is 4 bytes closer to the boundary, wrapping every 16 floats.
  for (let i = 0; i < 20; i++) assert.equal(offsetOf(raw.subarray(i)), (o - i + 16 * 8) % 16, `subarray(${i})`);
  const a = alignedF32(1000);
  assert.equal(a.length, 1000);
  assert.equal(offsetOf(a), 0);
  assert.ok(a.every((x) => x === 0));
});
