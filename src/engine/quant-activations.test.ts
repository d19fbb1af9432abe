// Activation quantization of quantMatmul's "q8" mode: known answers of the Q8_0 / Q8_K quantizers on hand-made
// blocks (zero block, ±127 saturation, ties, the sign of Q8_K's d), the same quants read back through native
// quantMatmul with one-hot weights on every ISA, and native = ref with AVX512-VNNI on and off, 1 and 2 threads.
// Not here: the dot products' known answers (quant.test.ts) or llama.cpp itself (tests/quant-llamacpp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadAddon, type NativeAddon, type NativeIsa } from "./backends/native/addon.js";
import { createNativeBackend } from "./backends/native/index.js";
import { createRefBackend } from "./backends/ref/index.js";
import { runConformance, summarizeConformance } from "./conformance.js";
import { f16ToF32, f32ToF16 } from "./dtype.js";
import type { Backend } from "./ops.js";
import { quantizeRowQ8_0, quantizeRowQ8_K, roundHalfEven } from "./quant-activations.js";

/** Block 1 of the Q8_0 case: amax = 127 makes id = 127/127 = 1, so q = roundHalfEven(x) and d = 1. */
const TIES_X = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, 126.5, -126.5, 0.49999997, 64, -127];
const TIES_Q = [127, 0, 2, 2, 0, -2, -2, 3, 126, -126, 0, 64, -127];

function q8_0Case(): { x: Float32Array; q: number[]; d: number[] } {
  const x = new Float32Array(96);
  const q = new Array<number>(96).fill(0);
  // Block 0: all zero → d = 0, q = 0 (ggml: id = 0 when amax = 0).
  // Block 1: ties round to even (roundf would give 3 for 2.5, −3 for −2.5 and 127 for 126.5).
  TIES_X.forEach((v, j) => { x[32 + j] = v; q[32 + j] = TIES_Q[j]!; });
  // Block 2: ±1 and ±0.25 with amax 1: id = 127 → ±127 (saturation edge) and ±31.75 → ±32.
  [1, -1, 0.25, -0.25].forEach((v, j) => { x[64 + j] = v; q[64 + j] = [127, -127, 32, -32][j]!; });
  return { x, q, d: [0, 1, f16ToF32(f32ToF16(Math.fround(1 / 127)))] };
}

test("roundHalfEven: ties to even, everything else to nearest", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999998, 2.5000002, -3.5].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3, -4]);
});

test("quantizeRowQ8_0: hand-computed blocks (zero block, ties to even, ±127)", () => {
  const { x, q, d } = q8_0Case();
  const r = quantizeRowQ8_0(x);
  assert.deepEqual(Array.from(r.q), q);
  assert.deepEqual(Array.from(r.d), d);
});

test("quantizeRowQ8_K: hand-computed blocks (zero block; d's sign from the first largest |x|; ties; bsums)", () => {
  const x = new Float32Array(512);
  // Block 0 stays zero. Block 1: +127 at 3 comes before −127 at 5, so max = 127, iscale = −1, d = −1, q = −x.
  const vals: [number, number][] = [[3, 127], [5, -127], [6, 2.5], [7, -1.5], [20, 0.5], [21, 10]];
  for (const [j, v] of vals) x[256 + j] = v;
  const r = quantizeRowQ8_K(x);
  assert.deepEqual(Array.from(r.d), [0, -1]);
  const want = new Array<number>(512).fill(0);
  for (const [j, q] of [[3, -127], [5, 127], [6, -2], [7, 2], [20, 0], [21, -10]] as const) want[256 + j] = q;
  assert.deepEqual(Array.from(r.q), want);
  const bs = new Array<number>(32).fill(0);
  bs[16] = -127 + 127 - 2 + 2; // quants 0..15 of block 1
  bs[17] = -10;
  assert.deepEqual(Array.from(r.bsums), bs);
});

/** Q8_0 weights for 32 output rows of K = 96: row r is one-hot at column r of block 1 (blocks 0 and 2 zero),
 *  d_w = 1, so out[r] = d_x[1]·q_x[32 + r] = q_x[32 + r] exactly (d_x[1] = 1). */
function oneHotQ8_0(): Uint8Array {
  const w = new Uint8Array(32 * 3 * 34);
  for (let r = 0; r < 32; r++) {
    for (let b = 0; b < 3; b++) {
      const o = (r * 3 + b) * 34;
      w[o + 1] = 0x3c; // f16 1.0 = 0x3c00, little-endian
      if (b === 1) w[o + 2 + r] = 1;
    }
  }
  return w;
}

function addonOr(t: { skip(m: string): void }): NativeAddon | null {
  const l = loadAddon();
  if (!l.ok) {
    t.skip(l.reason);
    return null;
  }
  return l.addon;
}

/** Runs fn on every ISA path the CPU has (and, for avx512, with VNNI off and on), restoring the settings. */
function everyPath(addon: NativeAddon, fn: (what: string) => void): void {
  const [isa0, vnni0, threads0] = [addon.isa(), addon.quantVnni(), addon.getThreads()];
  try {
    for (const isa of ["generic", "avx2", "avx512"] as NativeIsa[]) {
      if (!addon.setIsa(isa)) continue;
      for (const vnni of isa === "avx512" ? [false, true] : [false]) {
        if (addon.quantVnni(vnni) !== vnni) continue; // no VNNI on this CPU
        for (const threads of [1, 2]) {
          addon.setThreads(threads);
          fn(`${isa}${vnni ? "+vnni" : ""} ${threads} thread(s)`);
        }
      }
    }
  } finally {
    addon.setIsa(isa0);
    addon.quantVnni(vnni0);
    addon.setThreads(threads0);
  }
}

test("native q8 path: the Q8_0 quants of the hand-computed blocks, read back through one-hot weights", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const native = createNativeBackend(addon);
  const x = q8_0Case().x;
  const block1 = q8_0Case().q.slice(32, 64);
  const w = oneHotQ8_0();
  for (const be of [createRefBackend(), native] as Backend[]) {
    everyPath(addon, (what) => {
      const out = new Float32Array(32);
      be.quantMatmul({ type: "q8_0", x, w, n: 1, k: 96, nOut: 32, out });
      assert.deepEqual(Array.from(out), block1, `${be.name} ${what}`);
    });
  }
});

test("native q8 path = ref on every quantMatmul case, every ISA, VNNI on and off, 1 and 2 threads", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  everyPath(addon, (what) => {
    const results = runConformance(createNativeBackend(addon), createRefBackend(), { filter: (op) => op === "quantMatmul" });
    assert.ok(results.length > 0);
    assert.ok(results.every((r) => r.passed), `${what}: ${summarizeConformance(results)}`);
  });
});
