// The skinny GEMM of batched decode (native/avx512/gemm_skinny_avx512.c: C = alpha·A·Wᵀ + beta·C for 2 … 32 rows of A
// against a row-major weight matrix) against the plain-TypeScript ref backend's gemm and a float64 triple loop, on
// every tile edge (rows 1 … 4 per tile, weight rows 1 … 3 per group, k around the 16- and 32-float chunks, k long
// enough that the rows go in passes over column blocks), padded
// leading dimensions, alpha/beta; and its defining property: row i of an m-row product is bitwise the m = 1
// (matrix-vector) product of row i alone, for m = 1, 3, 16, 17, 32 (m = 33 takes the blocked path: within rounding).
// Not here: the blocked GEMM (tests/gemm-blocking.test.ts), the decode built on it (tests/batch-decode.test.ts).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadAddon, type NativeAddon } from "../src/engine/backends/native/index.js";
import { loadBackend } from "../src/engine/backend.js";
import type { GemmArgs } from "../src/engine/ops.js";
import { Rng } from "../src/util/rng.js";

const loaded = loadAddon();
function addonOr(t: TestContext): NativeAddon | undefined {
  if (loaded.ok) return loaded.addon;
  t.skip(`native addon unavailable: ${loaded.reason}`);
  return undefined;
}

/** A (m, k) · W (n, k)ᵀ with leading dimensions padded by `pad`; C prefilled (NaN every 5th when beta is 0). */
function make(m: number, k: number, n: number, alpha: number, beta: number, pad: number, rng: Rng): GemmArgs {
  const lda = k + pad, ldb = k + pad, ldc = n + pad;
  const a = rng.fillUniform(new Float32Array(m * lda)), b = rng.fillUniform(new Float32Array(n * ldb)), c = rng.fillUniform(new Float32Array(m * ldc));
  if (beta === 0) for (let i = 0; i < c.length; i += 5) c[i] = NaN;
  return { transA: false, transB: true, m, n, k, alpha, beta, a, lda, strideA: 0, b, ldb, strideB: 0, c, ldc, strideC: 0, batch: 1 };
}

/** Largest |got − want| / (Σ|a·w| + |beta·c0|) over C, the float64 sum as want. */
function relErr(g: GemmArgs, c0: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      let sum = 0, mag = 0;
      for (let p = 0; p < g.k; p++) {
        const x = g.a[i * g.lda + p]! * g.b[j * g.ldb + p]!;
        sum += x;
        mag += Math.abs(x);
      }
      const ci = i * g.ldc + j;
      let want = g.alpha * sum, scale = Math.abs(g.alpha) * mag;
      if (g.beta !== 0) {
        want += g.beta * c0[ci]!;
        scale += Math.abs(g.beta * c0[ci]!);
      }
      const err = Math.abs(g.c[ci]! - want) / (scale + 1e-30);
      if (!(err <= worst)) worst = err;
    }
  }
  return worst;
}

/** Runs gemm on a copy of g's C; returns it. */
function run(gemm: (g: GemmArgs) => void, g: GemmArgs): Float32Array {
  const c = g.c.slice();
  gemm({ ...g, c });
  return c;
}

test("skinny gemm (2 ≤ m ≤ 32, A·Wᵀ) equals the ref backend within rounding on every tile edge; 1 and 2 threads alike", (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  const ref = loadBackend({ kind: "ref" });
  const threads0 = addon.getThreads();
  const rng = new Rng(7);
  try {
    for (const m of [2, 3, 4, 5, 7, 16, 17, 32]) {
      // k = 700 and 1500 make 16 … 32 rows overflow the kernel's L1 budget (40 KB): column blocks in row passes.
      for (const k of [1, 15, 16, 17, 31, 32, 33, 48, 100, 257, 700, 1500]) {
        for (const [n, alpha, beta, pad] of [[1, 1, 0, 0], [2, 1, 1, 3], [3, -0.5, 0.25, 0], [7, 1, 0, 1], [100, 2, 1, 0]] as const) {
          const g = make(m, k, n, alpha, beta, pad, rng);
          const what = `m ${m} k ${k} n ${n} alpha ${alpha} beta ${beta} pad ${pad}`;
          addon.setThreads(1);
          const one = run((x) => addon.kernels.gemm(x), g);
          assert.ok(relErr({ ...g, c: one }, g.c) <= 5e-7 * (k + 2), `${what}: native vs float64`);
          const r = run((x) => ref.gemm(x), g);
          assert.ok(relErr({ ...g, c: r }, g.c) <= 5e-7 * (k + 2), `${what}: ref vs float64`);
          for (let i = 0; i < one.length; i++) {
            const d = Math.abs(one[i]! - r[i]!);
            assert.ok(d <= 1e-6 * (k + 2) * (1 + Math.abs(r[i]!)) || (Number.isNaN(one[i]) && Number.isNaN(r[i])), `${what}: native vs ref at ${i}: ${one[i]} vs ${r[i]}`);
          }
          addon.setThreads(2);
          assert.deepEqual(run((x) => addon.kernels.gemm(x), g), one, `${what}: 2 threads differ from 1`);
        }
      }
    }
  } finally {
    addon.setThreads(threads0);
  }
});

test("skinny gemm: row i of an m-row product is bitwise the 1-row product of row i (m = 1, 3, 16, 17, 32); m = 33 within rounding", (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  if (addon.isa() !== "avx512") return t.skip(`the skinny path is AVX-512 only (this CPU runs ${addon.isa()})`);
  const rng = new Rng(11);
  // Shapes of the bench models' projections (start-default C = 256, F = 704, V = 4096 scaled down; llama-28m
  // C = 512, F = 1408) and ragged ones.
  for (const [k, n] of [[256, 512], [704, 256], [512, 1408], [40, 33], [23, 5]] as const) {
    for (const [alpha, beta] of [[1, 0], [1, 1], [0.5, -2]] as const) {
      for (const m of [1, 3, 16, 17, 32, 33]) {
        const g = make(m, k, n, alpha, beta, 0, rng);
        const all = run((x) => addon.kernels.gemm(x), g);
        for (let i = 0; i < m; i++) {
          const row = { ...g, m: 1, a: g.a.subarray(i * k, (i + 1) * k), c: g.c.slice(i * n, (i + 1) * n) };
          addon.kernels.gemm(row);
          const got = all.subarray(i * n, (i + 1) * n), what = `k ${k} n ${n} alpha ${alpha} beta ${beta} m ${m} row ${i}`;
          if (m <= 32) assert.deepEqual(got, row.c, `${what}: not bitwise the 1-row product`);
          else for (let j = 0; j < n; j++) assert.ok(Math.abs(got[j]! - row.c[j]!) <= 1e-5 * (1 + Math.abs(row.c[j]!)), `${what}: column ${j}`);
        }
      }
    }
  }
});
