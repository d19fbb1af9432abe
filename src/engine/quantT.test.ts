// quantMatmulT (out = dY · W with W as ggml rows): equals gemm on the dequantized W for every block type on decode
// and prompt shapes, on every backend; native's bits do not depend on the thread count or on N; weights at an odd
// byte offset; the validator's messages. Not here: the random native-vs-ref conformance cases
// (conformanceCasesQuant.ts) or the tensor-level gradient (tensor/linearQ.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { loadBackend, nativeStatus } from "./backend.js";
import { randomQuantRows } from "./conformanceCasesQuant.js";
import type { QuantMatmulTArgs, QuantType } from "./ops.js";
import { QUANT_MATMUL_BLOCKS, quantRowBytes } from "./quant-blocks.js";
import { testBackends } from "./testBackends.js";

const TYPES: readonly QuantType[] = ["q8_0", "q4_0", "q4_k", "q6_k"];
const ref = loadBackend({ kind: "ref", threads: 1 });

/** dY (n, nOut) · dequantize(W) (nOut, k) by the ref gemm: the independent reference. */
function viaGemm(type: QuantType, dy: Float32Array, w: Uint8Array, n: number, k: number, nOut: number): Float32Array {
  const rb = quantRowBytes(type, k);
  const wd = new Float32Array(nOut * k);
  for (let r = 0; r < nOut; r++) QUANT_MATMUL_BLOCKS[type].dequantize(w.subarray(r * rb, (r + 1) * rb), k, wd.subarray(r * k, (r + 1) * k));
  const c = new Float32Array(n * k);
  ref.gemm({ transA: false, transB: false, m: n, n: k, k: nOut, alpha: 1, beta: 0, a: dy, lda: nOut, strideA: 0, b: wd, ldb: k, strideB: 0, c, ldc: k, strideC: 0, batch: 1 });
  return c;
}

test("quantMatmulT: equals gemm on the dequantized W, every type, decode and prompt shapes, every backend", (t) => {
  const rng = new Rng(11);
  for (const { name, backend, why } of testBackends()) {
    if (backend === null) {
      t.diagnostic(why);
      continue;
    }
    for (const type of TYPES) {
      const bs = QUANT_MATMUL_BLOCKS[type].blockSize;
      for (const [n, k, nOut] of [[1, bs, 1], [1, 3 * bs, 37], [9, 2 * bs, 65], [70, 512, 96]] as const) {
        const w = randomQuantRows(rng, type, nOut, k);
        const dy = rng.fillUniform(new Float32Array(n * nOut), -2, 2);
        const want = viaGemm(type, dy, w, n, k, nOut);
        const out = new Float32Array(n * k).fill(Number.NaN); // overwritten, not accumulated
        backend.quantMatmulT({ type, dy, w, n, k, nOut, out });
        let scale = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < out.length; i++) {
          assert.ok(Math.abs(out[i] - want[i]) <= 1e-5 * scale + 1e-6, `${name} ${type} N=${n} K=${k} Nout=${nOut} [${i}]: ${out[i]} vs gemm ${want[i]}`);
        }
      }
    }
  }
});

test("quantMatmulT native: same bits on 1 and 3 threads, a row alone as in a batch, weights at an odd byte offset", (t) => {
  if (!nativeStatus().available) return t.skip("native addon unavailable");
  const one = loadBackend({ kind: "native", threads: 1 });
  const three = loadBackend({ kind: "native", threads: 3 });
  const rng = new Rng(5);
  for (const type of TYPES) {
    const [n, k, nOut] = [67, 512, 130];
    const rows = randomQuantRows(rng, type, nOut, k);
    const file = new Uint8Array(rows.length + 3);
    file.set(rows, 3);
    const dy = rng.fillUniform(new Float32Array(n * nOut), -1, 1);
    const a: QuantMatmulTArgs = { type, dy, w: file.subarray(3), n, k, nOut, out: new Float32Array(n * k) };
    const b: QuantMatmulTArgs = { ...a, w: rows, out: new Float32Array(n * k) };
    one.quantMatmulT(a);
    three.quantMatmulT(b);
    assert.deepEqual(a.out, b.out, `${type}: threads`);
    const alone = new Float32Array(k);
    three.quantMatmulT({ ...b, dy: dy.subarray(66 * nOut), n: 1, out: alone });
    assert.deepEqual(alone, b.out.subarray(66 * k), `${type}: row 66 alone = in the batch`);
  }
});

test("quantMatmulT: validation names the op, the argument and what was expected", () => {
  const good: QuantMatmulTArgs = { type: "q4_k", dy: new Float32Array(2), w: new Uint8Array(144), n: 2, k: 256, nOut: 1, out: new Float32Array(512) };
  ref.quantMatmulT(good);
  const bad = (over: Partial<QuantMatmulTArgs>, msg: string): void =>
    assert.throws(() => ref.quantMatmulT({ ...good, ...over }), (e: unknown) => e instanceof ShapeError && e.message.includes(msg));
  bad({ k: 128, out: new Float32Array(256) }, "quantMatmulT: k=128 is not a multiple of the q4_k block size 256");
  bad({ w: new Uint8Array(143) }, "quantMatmulT: w has 143 elements, expected at least 144 for nOut=1 rows of K=256 q4_k weights (144 bytes each)");
  bad({ dy: new Float32Array(1) }, "dy has 1 elements, expected at least 2 for (N, Nout) = (2, 1)");
  bad({ out: new Float32Array(511) }, "out has 511 elements, expected at least 512 for (N, K) = (2, 256)");
  bad({ type: "q5_k" as "q4_k" }, 'type must be one of "q8_0", "q4_0", "q4_k", "q6_k"');
  const buf = new Float32Array(514);
  bad({ dy: buf.subarray(0, 2), out: buf.subarray(1, 513) }, "out overlaps dy");
});
