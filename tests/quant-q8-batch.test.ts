// The batched Q8_0 and Q4_0 kernel (native/avx512/quant_q8_batch_avx512vnni.c: quantMatmul's default "q8"
// activations, N ≥ 2 rows, tiles of 4 weight rows × ≤ 4 activation rows) against the plain-TypeScript ref backend, and its defining
// property: each activation row's outputs are bitwise those of a one-row call (the decode path), for N = 2, 3, 16,
// 17, 33, odd block counts (the last block alone in a zmm), weight-row counts not a multiple of 4, 1 and 2 threads.
// Not here: Q4_K/Q6_K (conformance, tests/quant-llamacpp.test.ts), the decode on top (tests/batch-decode.test.ts).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadAddon, type NativeAddon } from "../src/engine/backends/native/index.js";
import { loadBackend } from "../src/engine/backend.js";
import { f32ToF16 } from "../src/engine/dtype.js";
import type { QuantMatmulArgs } from "../src/engine/ops.js";
import { Rng } from "../src/util/rng.js";

const loaded = loadAddon();
function addonOr(t: TestContext): NativeAddon | undefined {
  if (loaded.ok) return loaded.addon;
  t.skip(`native addon unavailable: ${loaded.reason}`);
  return undefined;
}

/** nOut rows of k/32 Q8_0 blocks (34 bytes: f16 d, 32 int8 quants, −128 … 127 all drawn) with scales in [0.001, 0.05). */
function q8Rows(rng: Rng, nOut: number, k: number): Uint8Array {
  const bytes = new Uint8Array((nOut * k * 34) / 32);
  const dv = new DataView(bytes.buffer);
  for (let o = 0; o < bytes.length; o += 34) {
    dv.setUint16(o, f32ToF16(0.001 + 0.049 * rng.next()), true);
    for (let j = 0; j < 32; j++) dv.setInt8(o + 2 + j, Math.floor(rng.next() * 256) - 128);
  }
  return bytes;
}

/** nOut rows of k/32 Q4_0 blocks (18 bytes: f16 d, 16 bytes of nibbles, every value 0 … 15 drawn). */
function q4Rows(rng: Rng, nOut: number, k: number): Uint8Array {
  const bytes = new Uint8Array((nOut * k * 18) / 32);
  const dv = new DataView(bytes.buffer);
  for (let o = 0; o < bytes.length; o += 18) {
    dv.setUint16(o, f32ToF16(0.001 + 0.049 * rng.next()), true);
    for (let j = 0; j < 16; j++) dv.setUint8(o + 2 + j, Math.floor(rng.next() * 256));
  }
  return bytes;
}

/** nOut rows of k/256 K-quant super-blocks (Q4_K: 144 bytes, Q6_K: 210) of random bytes, the f16 scales set to
 *  small finite values (Q4_K: d and dmin, the first 4 bytes; Q6_K: d, the last 2). */
function kRows(rng: Rng, type: "q4_k" | "q6_k", nOut: number, k: number): Uint8Array {
  const bb = type === "q4_k" ? 144 : 210;
  const bytes = new Uint8Array((nOut * k * bb) / 256);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng.next() * 256);
  const dv = new DataView(bytes.buffer);
  for (let o = 0; o < bytes.length; o += bb) {
    if (type === "q4_k") {
      dv.setUint16(o, f32ToF16(0.001 + 0.049 * rng.next()), true);
      dv.setUint16(o + 2, f32ToF16(0.001 + 0.02 * rng.next()), true);
    } else dv.setUint16(o + 208, f32ToF16(0.001 + 0.049 * rng.next()), true);
  }
  return bytes;
}

const TYPE_NAME = { q8_0: "Q8_0", q4_0: "Q4_0", q4_k: "Q4_K", q6_k: "Q6_K" } as const;
for (const type of ["q8_0", "q4_0", "q4_k", "q6_k"] as const) test(`${TYPE_NAME[type]} quantMatmul with N ≥ 2 rows: every row bitwise its one-row result, and equal to the ref backend within rounding`, (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  const ref = loadBackend({ kind: "ref" });
  const threads0 = addon.getThreads();
  const rng = new Rng(3);
  try {
    const kq = type === "q4_k" || type === "q6_k";
    // K-quants: 1, 2 and 3 super-blocks (an odd count ends on the even accumulator); n past 64 takes two passes
    for (const k of kq ? [256, 512, 768] : [32, 64, 96, 544]) {
      for (const nOut of [1, 3, 4, 5, 37]) {
        const w = kq ? kRows(rng, type, nOut, k) : type === "q8_0" ? q8Rows(rng, nOut, k) : q4Rows(rng, nOut, k);
        for (const n of kq ? [2, 3, 16, 17, 70] : [2, 3, 16, 17, 33]) {
          const x = rng.fillUniform(new Float32Array(n * k), -2, 2);
          for (let i = 0; i < k; i += 7) x[i] = 0; // zeros and a zero block's worth of sparsity
          const args = (xs: Float32Array, rows: number, out: Float32Array): QuantMatmulArgs => ({ type, x: xs, w, n: rows, k, nOut, out });
          const what = `k ${k} nOut ${nOut} n ${n}`;
          addon.setThreads(1);
          const all = new Float32Array(n * nOut);
          addon.kernels.quantMatmul(args(x, n, all));
          const want = new Float32Array(n * nOut);
          ref.quantMatmul(args(x, n, want));
          const wantMax = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          for (let i = 0; i < all.length; i++) {
            // K-quants' outputs are differences of large sums (Q4_K's mins, Q6_K's −32 offset): rounding relative to
            // the largest output of the call, not to the output itself
            const scale = kq ? 1e-4 * (1 + wantMax) : 1e-5 * (1 + Math.abs(want[i]!));
            assert.ok(Math.abs(all[i]! - want[i]!) <= scale, `${what}: native ${all[i]} vs ref ${want[i]} at ${i}`);
          }
          for (let i = 0; i < n; i++) {
            const one = new Float32Array(nOut);
            addon.kernels.quantMatmul(args(x.slice(i * k, (i + 1) * k), 1, one));
            assert.deepEqual(all.subarray(i * nOut, (i + 1) * nOut), one, `${what}: row ${i} differs from its one-row result`);
          }
          addon.setThreads(2);
          const two = new Float32Array(n * nOut);
          addon.kernels.quantMatmul(args(x, n, two));
          assert.deepEqual(two, all, `${what}: 2 threads differ from 1`);
        }
      }
    }
  } finally {
    addon.setThreads(threads0);
  }
});
