// Native GEMM on shapes that cross its cache blocks (K > KC, M > MC, N > NC), edge tiles, transposes, batch
// broadcast and the matrix-vector paths, against a float64 triple loop; 1 vs 2 threads must be bit-identical.
// Not here: the small-shape conformance of every op (src/engine/conformance.ts covers gemm vs ref there).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadAddon, type NativeAddon, type NativeIsa } from "../src/engine/backends/native/index.js";
import type { GemmArgs } from "../src/engine/ops.js";
import { Rng } from "../src/util/rng.js";

const loaded = loadAddon();
function addonOr(t: TestContext): NativeAddon | undefined {
  if (loaded.ok) return loaded.addon;
  t.skip(`native addon unavailable: ${loaded.reason}`);
  return undefined;
}

interface Spec { m: number; k: number; n: number; transA: boolean; transB: boolean; batch: number; broadcastA: boolean; alpha: number; beta: number; pad: number }

function make(s: Spec, rng: Rng): GemmArgs {
  const [ar, ac] = s.transA ? [s.k, s.m] : [s.m, s.k];
  const [br, bc] = s.transB ? [s.n, s.k] : [s.k, s.n];
  const lda = ac + s.pad, ldb = bc + s.pad, ldc = s.n + s.pad;
  const strideA = s.broadcastA ? 0 : ar * lda, strideB = br * ldb, strideC = s.m * ldc;
  const a = rng.fillUniform(new Float32Array(Math.max(strideA * s.batch, ar * lda)), -1, 1);
  const b = rng.fillUniform(new Float32Array(strideB * s.batch), -1, 1);
  const c = rng.fillUniform(new Float32Array(strideC * s.batch), -1, 1);
  if (s.beta === 0) for (let i = 0; i < c.length; i += 5) c[i] = NaN; // must be ignored when beta = 0
  return { transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: s.alpha, beta: s.beta, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batch: s.batch };
}

/** Largest error relative to Σ|a·b| + |beta·c| per element (float64 reference). */
function maxRelErr(g: GemmArgs, c0: Float32Array): number {
  let worst = 0;
  for (let bi = 0; bi < g.batch; bi++) {
    for (let i = 0; i < g.m; i++) {
      for (let j = 0; j < g.n; j++) {
        let sum = 0, mag = 0;
        for (let p = 0; p < g.k; p++) {
          const x = g.transA ? g.a[bi * g.strideA + p * g.lda + i] : g.a[bi * g.strideA + i * g.lda + p];
          const y = g.transB ? g.b[bi * g.strideB + j * g.ldb + p] : g.b[bi * g.strideB + p * g.ldb + j];
          sum += x * y;
          mag += Math.abs(x * y);
        }
        const ci = bi * g.strideC + i * g.ldc + j;
        let want = g.alpha * sum, scale = Math.abs(g.alpha) * mag;
        if (g.beta !== 0) {
          want += g.beta * c0[ci];
          scale += Math.abs(g.beta * c0[ci]);
        }
        const err = Math.abs(g.c[ci] - want) / (scale + 1e-30);
        if (!(err <= worst)) worst = err; // NaN propagates as a failure
      }
    }
  }
  return worst;
}

const SHAPES: Spec[] = [
  { m: 200, k: 900, n: 500, transA: false, transB: false, batch: 1, broadcastA: false, alpha: 1, beta: 0, pad: 0 }, // K, N blocks
  { m: 1601, k: 70, n: 40, transA: true, transB: false, batch: 1, broadcastA: false, alpha: 0.5, beta: 1, pad: 3 }, // M block
  { m: 37, k: 1200, n: 45, transA: false, transB: true, batch: 2, broadcastA: true, alpha: -2, beta: 0.25, pad: 1 },
  { m: 65, k: 777, n: 130, transA: true, transB: true, batch: 1, broadcastA: false, alpha: 1, beta: 0, pad: 2 },
  { m: 1, k: 3000, n: 700, transA: false, transB: false, batch: 1, broadcastA: false, alpha: 1, beta: 0, pad: 0 }, // row · matrix
  { m: 1, k: 1031, n: 300, transA: true, transB: true, batch: 3, broadcastA: false, alpha: 0.75, beta: 1, pad: 5 },
  { m: 500, k: 800, n: 1, transA: false, transB: false, batch: 1, broadcastA: false, alpha: 1, beta: 0.5, pad: 0 }, // matrix · column
  { m: 300, k: 517, n: 1, transA: true, transB: true, batch: 1, broadcastA: false, alpha: 1, beta: 0, pad: 1 },
];

test("native gemm across cache blocks: every ISA path vs float64, 1 and 2 threads bit-identical", (t) => {
  const addon = addonOr(t);
  if (addon === undefined) return;
  const isas: NativeIsa[] = (["generic", "avx2", "avx512"] as const).filter((x) => {
    const before = addon.isa();
    const ok = addon.setIsa(x);
    addon.setIsa(before);
    return ok;
  });
  const [threads0, isa0] = [addon.getThreads(), addon.isa()];
  try {
    for (const isa of isas) {
      assert.ok(addon.setIsa(isa));
      SHAPES.forEach((s, idx) => {
        const g = make(s, new Rng(100 + idx));
        const c0 = g.c.slice();
        addon.setThreads(1);
        addon.kernels.gemm(g);
        const one = g.c.slice();
        const err = maxRelErr(g, c0);
        assert.ok(err <= 5e-7 * (s.k + 2), `${isa} ${JSON.stringify(s)}: relative error ${err}`);
        g.c.set(c0);
        addon.setThreads(2);
        addon.kernels.gemm(g);
        assert.deepEqual(g.c, one, `${isa} ${JSON.stringify(s)}: 2 threads differ from 1`);
      });
    }
  } finally {
    addon.setThreads(threads0);
    addon.setIsa(isa0);
  }
});
