// linearQ on a quantized frozen weight: the forward equals linear on the dequantized weight (both with and without
// a bias), the gradient on x and on the bias passes finite differences, the weight gets no gradient, and bad shapes
// are refused naming what was expected; for every block type, on ref and (when it loads) native.
// Not here: the kernels (engine/quantT.test.ts), LoRA on top (models/lora-quant.test.ts).
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomQuantRows } from "../engine/conformanceCasesQuant.js";
import { QUANT_MATMUL_BLOCKS } from "../engine/quant-blocks.js";
import { testBackends } from "../engine/testBackends.js";
import { ShapeError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { gradCheck } from "./gradcheck.js";
import { dequantizeWeight, linearQ, quantWeight } from "./linearQ.js";
import { linear } from "./matmul.js";
import { Graph } from "./tensor.js";
import { sum, mul } from "./index.js";

for (const tb of testBackends()) {
  describe(`linearQ (${tb.name} backend)`, () => {
    if (tb.backend === null) {
      it("is skipped", (t: TestContext) => t.skip(tb.why));
      return;
    }
    const g = new Graph(tb.backend);
    for (const type of ["q8_0", "q4_0", "q4_k", "q6_k"] as const) {
      it(`${type}: equals linear on the dequantized weight; dx and db pass finite differences; no weight gradient`, () => {
        const rng = new Rng(3);
        const bs = QUANT_MATMUL_BLOCKS[type].blockSize;
        const [nOut, nIn] = [6, 2 * bs];
        const w = quantWeight(type, randomQuantRows(rng, type, nOut, nIn), [nOut, nIn], "w");
        const wf = g.tensor(dequantizeWeight(w), [nOut, nIn]);
        const x = g.randn([2, 3, nIn], rng, { requiresGrad: true, std: 0.5 });
        const b = g.randn([nOut], rng, { requiresGrad: true });
        for (const bias of [null, b]) {
          const yq = g.noGrad(() => linearQ(x, w, bias));
          const yf = g.noGrad(() => linear(x, wf, bias));
          assert.deepEqual(yq.shape, [2, 3, nOut]);
          let scale = 0;
          for (const v of yf.data) scale = Math.max(scale, Math.abs(v));
          for (let i = 0; i < yf.size; i++) assert.ok(Math.abs(yq.data[i] - yf.data[i]) <= 1e-5 * scale, `${type} [${i}] ${yq.data[i]} vs ${yf.data[i]}`);
        }
        // Finite differences in f32 need a loss of moderate size: weights here reach ~2.5 and in-dims 512.
        const r = g.randn([2, 3, nOut], rng, { std: 1 / Math.sqrt(nIn) });
        const res = gradCheck(g, () => sum(mul(linearQ(x, w, b), r)), [x, b], { h: 1e-2 });
        assert.ok(res.ok, `${type}: gradient mismatch ${JSON.stringify(res.inputs)}`);
        // The gradient on x equals linear's on the dequantized weight.
        const xg = (f: () => void): Float32Array => {
          x.zeroGrad();
          f();
          return x.grad!.slice();
        };
        const gq = xg(() => g.backward(sum(mul(linearQ(x, w), r))));
        const gf = xg(() => g.backward(sum(mul(linear(x, wf), r))));
        let gs = 0;
        for (const v of gf) gs = Math.max(gs, Math.abs(v));
        for (let i = 0; i < gf.length; i++) assert.ok(Math.abs(gq[i] - gf[i]) <= 1e-5 * gs, `${type} dx[${i}] ${gq[i]} vs ${gf[i]}`);
      });
    }
    it("refuses an x whose last dim is not the weight's in-dim, and weights that are not whole blocks", () => {
      const w = quantWeight("q8_0", new Uint8Array(2 * 34), [2, 32]);
      const x = g.zeros([3, 31]);
      assert.throws(() => linearQ(x, w), (e: unknown) => e instanceof ShapeError && e.message.includes("linearQ: x (3, 31) does not end in weight's in-dim 32"));
      assert.throws(() => quantWeight("q4_k", new Uint8Array(144), [1, 128]), /in-dim 128 is not a multiple of the q4_k block size 256/);
      assert.throws(() => quantWeight("q8_0", new Uint8Array(67), [2, 32], "m.w"), /quantWeight m.w: 67 bytes, expected 68 for \(2, 32\) q8_0/);
    });
  });
}
