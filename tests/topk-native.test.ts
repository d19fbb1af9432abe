// The sampler's native top-k selection (native/generic/topk.c, through nativeTopSelect) against its specification,
// topIds in src/infer/sampler.ts: the same ids in the same order on every ISA path, for random rows, rows full of
// ties, ±0, ±Infinity, ascending rows (every id enters the heap) and rows with NaN (the kernel declines, the
// TypeScript spec answers); rows that put the bounded scan's lane bound at its loosest and tightest (top values in
// one lane, one chunk, the tail; k at the 128 boundary); a hand-worked row; and a Sampler with the native selection drawing exactly the ids of a
// Sampler on topIds. Not here: the sampling maths (src/infer/sampler.test.ts).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadAddon, type NativeAddon, type NativeIsa } from "../src/engine/backends/native/index.js";
import { DEFAULT_GENERATE_OPTIONS } from "../src/infer/options.js";
import { nativeTopSelect, Sampler, topIds } from "../src/infer/sampler.js";
import { Rng } from "../src/util/rng.js";

const loaded = loadAddon();

function addonOr(t: TestContext): NativeAddon | undefined {
  if (loaded.ok && loaded.addon.topK !== null) return loaded.addon;
  if (process.env.KOTODAMA_ALLOW_NO_NATIVE === "1") {
    t.skip("native addon (with topK) unavailable, skipped because KOTODAMA_ALLOW_NO_NATIVE=1");
    return undefined;
  }
  assert.fail(`the native addon's topK is unavailable: ${loaded.ok ? "stale build (run 'npm run build:native')" : loaded.reason}`);
}

/** Rows that exercise every branch: random normals, few distinct levels (ties everywhere), signed zeros and
 *  infinities, ascending and descending. */
function rows(rng: Rng, V: number): Float32Array[] {
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const special = [0, -0, Infinity, -Infinity, 1, -1];
  return [
    Float32Array.from({ length: V }, normal),
    Float32Array.from({ length: V }, () => Math.floor(rng.next() * 5)),
    Float32Array.from({ length: V }, () => special[Math.floor(rng.next() * special.length)]!),
    Float32Array.from({ length: V }, (_, i) => i * 0.5),
    Float32Array.from({ length: V }, (_, i) => -i),
    Float32Array.from({ length: V }, (_, i) => (i % 7 === 3 ? 2 : normal())),
  ];
}

test("hand-worked row: top 3 of [1, 3, 3, 2, −∞, 3] are ids 1, 2, 5 (ties to the lower id); top 2 of a NaN row falls back", (t) => {
  if (addonOr(t) === undefined) return;
  const select = nativeTopSelect()!;
  assert.deepEqual([...select(Float32Array.from([1, 3, 3, 2, -Infinity, 3]), 3, new Int32Array(3))], [1, 2, 5]);
  assert.deepEqual([...select(Float32Array.from([0.5, 4, -0, 0, 4]), 4, new Int32Array(5)).subarray(0, 4)], [1, 4, 0, 2], "ids in [0, k) of a longer array");
  const addon = loaded.ok ? loaded.addon : null;
  const withNaN = Float32Array.from([1, NaN, 3, 2]);
  assert.equal(addon!.topK!(withNaN, 2, new Int32Array(2)), -1);
  assert.deepEqual([...select(withNaN, 2, new Int32Array(2))], [...topIds(withNaN, 2)]);
});

test("topK rejects k outside [1, V] and a short ids array with an error naming the field", (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  assert.throws(() => addon.topK!(new Float32Array(8), 0, new Int32Array(1)), /'k'/);
  assert.throws(() => addon.topK!(new Float32Array(8), 9, new Int32Array(9)), /'k'/);
  assert.throws(() => addon.topK!(new Float32Array(8), 4, new Int32Array(3)), /ids/);
});

test("native top-k equals topIds on every ISA path: V = 1 … 4099, k = 1 … V, random, tied, ±0, ±∞, sorted rows", (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  const before = addon.isa();
  const rng = new Rng(7);
  let checked = 0;
  try {
    for (const isa of ["generic", "avx2", "avx512"] as NativeIsa[]) {
      if (!addon.setIsa(isa)) continue;
      for (const V of [1, 5, 16, 17, 100, 4096, 4099]) {
        for (const row of rows(rng, V)) {
          for (const k of new Set([1, 2, Math.min(V, 40), Math.max(1, Math.floor(V / 4) - 1), V])) {
            if (k > V) continue;
            const ids = new Int32Array(k);
            assert.equal(addon.topK!(row, k, ids), k);
            assert.deepEqual([...ids], [...topIds(row, k)], `${isa}, V = ${V}, k = ${k}`);
            checked++;
          }
        }
      }
    }
  } finally {
    addon.setIsa(before);
  }
  assert.ok(checked >= 150, `only ${checked} cases ran`);
});

test("the bounded scan (V ≥ 256, k ≤ 128) equals topIds on every ISA path where its bound is tight or loose", (t) => {
  // The kernel first bounds the k-th largest value by the lanes' (i mod 16) largest values; these rows put the top
  // values in one lane (the bound is loosest), in one 256-value chunk, at the row's tail past the last whole
  // 16-value block, all equal (every element a candidate), a NaN only in the tail, and k at the 128 boundary.
  const addon = addonOr(t);
  if (addon === undefined) return;
  const before = addon.isa();
  const rng = new Rng(11);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const cases: { row: Float32Array; ks: number[] }[] = [];
  for (const V of [256, 257, 4096, 4111, 8192]) {
    const oneLane = Float32Array.from({ length: V }, (_, i) => (i % 16 === 5 ? 10 + normal() : normal()));
    const oneChunk = Float32Array.from({ length: V }, (_, i) => (i >= V - 300 && i < V - 44 ? 10 + normal() : normal()));
    const tail = Float32Array.from({ length: V }, (_, i) => (i >= V - (V % 16) ? 100 + i : normal()));
    const flat = new Float32Array(V).fill(1.5);
    const coarse = Float32Array.from({ length: V }, () => Math.round(4 * normal()) / 4);
    for (const row of [oneLane, oneChunk, tail, flat, coarse]) cases.push({ row, ks: [1, 15, 16, 17, 40, 127, 128, 129].filter((k) => k <= V) });
  }
  let checked = 0;
  try {
    for (const isa of ["generic", "avx2", "avx512"] as NativeIsa[]) {
      if (!addon.setIsa(isa)) continue;
      for (const { row, ks } of cases) {
        for (const k of ks) {
          const ids = new Int32Array(k);
          assert.equal(addon.topK!(row, k, ids), k);
          assert.deepEqual([...ids], [...topIds(row, k)], `${isa}, V = ${row.length}, k = ${k}`);
          checked++;
        }
      }
      const nanTail = Float32Array.from({ length: 4099 }, normal);
      nanTail[4098] = NaN;
      assert.equal(addon.topK!(nanTail, 40, new Int32Array(40)), -1, `${isa}: a NaN past the last whole block declines`);
      nanTail[4098] = 0;
      nanTail[17] = NaN;
      assert.equal(addon.topK!(nanTail, 40, new Int32Array(40)), -1, `${isa}: a NaN inside the bound's pass declines`);
    }
  } finally {
    addon.setIsa(before);
  }
  assert.ok(checked >= 150, `only ${checked} cases ran`);
});

for (const [topK, topP, minP] of [[40, 0.95, 0], [40, 1, 0], [7, 0.5, 0.3], [1, 1, 0], [2000, 0.9, 0]] as const) {
  test(`a Sampler on the native selection and its scratch draws exactly the ids of a Sampler on topIds and samplingDistribution (600 draws, top-k ${topK}, top-p ${topP}, min-p ${minP})`, (t) => {
    if (addonOr(t) === undefined) return;
    const V = 4096, rng = new Rng(3 + topK);
    const o = { ...DEFAULT_GENERATE_OPTIONS, temperature: 0.8, topK, topP, minP, seed: 11 };
    const fast = new Sampler(o, V, nativeTopSelect()), spec = new Sampler(o, V, null);
    const logits = new Float32Array(V);
    const seen = new Set<number>();
    for (let i = 0; i < 600; i++) {
      // Coarse values every other draw, so that ties sit at the top-k boundary; a NaN now and then (fallback).
      for (let j = 0; j < V; j++) logits[j] = i % 2 === 0 ? 4 * rng.next() : Math.round(8 * rng.next()) / 2;
      if (i % 50 === 7) logits[100] = NaN;
      const id = fast.sample(logits, []);
      assert.equal(id, spec.sample(logits, []), `draw ${i}`);
      seen.add(id);
    }
    if (topK > 1) assert.ok(seen.size > 5, `the draws vary (${seen.size} distinct ids)`);
  });
}
