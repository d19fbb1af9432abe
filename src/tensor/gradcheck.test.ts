// Finite-difference gradient checks of every differentiable op, on the ref backend and (when it loads) the
// native one. Not here: autograd mechanics (autograd.test.ts) or fused-vs-composed equalities (fused.test.ts).

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import type { F32, Shape } from "../engine/ops.js";
import { Graph, type Tensor } from "./tensor.js";
import { gradCheck, type GradCheckOptions } from "./gradcheck.js";
import { testBackends } from "../engine/testBackends.js";
import * as T from "./index.js";

const backends = testBackends();

for (const tb of backends) {
  describe(`gradcheck (${tb.name} backend)`, () => {
    if (tb.backend === null) {
      it("is skipped", (t: TestContext) => t.skip(tb.why));
      return;
    }
    const g = new Graph(tb.backend);
    const rng = new Rng(42);
    const rand = (shape: Shape, std = 1): Tensor => g.randn(shape, rng, { requiresGrad: true, std });
    const positive = (shape: Shape): Tensor => g.uniform(shape, rng, 0.5, 2, { requiresGrad: true });
    const ids = (n: number, v: number): Int32Array => Int32Array.from({ length: n }, () => rng.int(v));
    const check = (f: () => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void => {
      const res = gradCheck(g, f, inputs, opts);
      if (process.env.KOTODAMA_GRADCHECK_LOG) console.log(`worst ${res.worst.toExponential(2)}`);
      assert.ok(res.ok, `gradient mismatch: ${JSON.stringify(res.inputs)}`);
    };

    it("add/sub/mul/div with broadcasting reduce back to the input shapes", () => {
      const a = rand([2, 3, 4]);
      for (const bShape of [[2, 3, 4], [4], [3, 1], [1, 3, 1], [2, 1, 4]]) {
        const b = rand(bShape);
        const p = positive(bShape);
        check(() => T.add(a, b), [a, b]);
        check(() => T.sub(b, a), [a, b]);
        check(() => T.mul(a, b), [a, b]);
        check(() => T.div(a, p), [a, p]);
        check(() => T.div(p, T.addScalar(T.square(a), 1)), [a, p]);
      }
      check(() => T.mul(a, a), [a]); // one tensor used twice: gradients sum
    });

    it("scalar and pointwise ops", () => {
      const x = rand([3, 5]);
      const p = positive([3, 5]);
      for (const f of [T.neg, T.exp, T.tanh, T.sigmoid, T.square]) check(() => f(x), [x]);
      for (const f of [T.log, T.sqrt, T.rsqrt, T.recip]) check(() => f(p), [p]);
      check(() => T.scale(x, -1.7), [x]);
      check(() => T.addScalar(x, 0.3), [x]);
      check(() => T.powScalar(p, 2.5), [p]);
      check(() => T.powScalar(p, -0.5), [p]);
    });

    it("sum, mean and max over axes", () => {
      const x = rand([2, 3, 4]);
      for (const axes of [undefined, 0, 1, 2, -1, [0, 2], [1, 2]]) {
        check(() => T.sum(x, axes), [x]);
        check(() => T.mean(x, axes, { keepDims: true }), [x]);
        check(() => T.max(x, axes), [x]);
      }
    });

    it("reshape, permute, transpose, broadcastTo, narrow, split, concat", () => {
      const x = rand([2, 3, 4]);
      const y = rand([2, 3, 2]);
      check(() => T.permute(T.reshape(x, [6, 4]), [1, 0]), [x]);
      check(() => T.permute(x, [2, 0, 1]), [x]);
      check(() => T.transpose(x, 0, -1), [x]);
      check(() => T.broadcastTo(T.reshape(y, [2, 3, 2, 1]), [4, 2, 3, 2, 3]), [y]);
      check(() => T.narrow(x, 0, 1, 1), [x]); // a view
      check(() => T.mul(T.narrow(x, 2, 1, 2), y), [x, y]); // a strided copy
      check(() => {
        const [q, k, v] = T.split(x, [2, 1, 1], -1);
        return T.add(T.mul(q, T.broadcastTo(k, [2, 3, 2])), v);
      }, [x]);
      check(() => {
        const [a, b] = T.split(x, [2, 2], -1); // equal pieces: one permute, then views
        const [c, d] = T.split(T.reshape(x, [2, 3, 2, 2]), [1, 1], 2);
        return T.add(T.mul(a, b), T.reshape(T.sub(c, T.square(d)), [2, 3, 2]));
      }, [x]);
      check(() => T.concat([x, y, x], -1), [x, y]);
      check(() => T.concat([x, T.reshape(y, [2, 3, 2]), x], 2), [x, y]);
      check(() => T.concat([T.narrow(x, 1, 0, 2), x], 1), [x]);
      // a view of x and x itself both feed the output
      check(() => T.add(T.reshape(x, [24]), T.reshape(T.permute(x, [1, 0, 2]), [24])), [x]);
    });

    it("matmul: all transposes, batched, broadcast operand", () => {
      const [m, k, n] = [3, 4, 5];
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const aS = transA ? [k, m] : [m, k];
          const bS = transB ? [n, k] : [k, n];
          const a2 = rand(aS);
          const b2 = rand(bS);
          const a3 = rand([2, ...aS]);
          const b3 = rand([2, ...bS]);
          const o = { transA, transB };
          check(() => T.matmul(a2, b2, o), [a2, b2]);
          check(() => T.matmul(a3, b3, o), [a3, b3]);
          check(() => T.matmul(a3, b2, o), [a3, b2]); // one weight for every batch item (stride 0)
          check(() => T.matmul(a2, b3, o), [a2, b3]);
        }
      }
      const a4 = rand([2, 2, 3, 4]);
      const b4 = rand([2, 2, 5, 4]);
      check(() => T.matmul(a4, b4, { transB: true }), [a4, b4]);
    });

    it("linear with the (out, in) weight layout, with and without bias", () => {
      const x = rand([2, 3, 4]);
      const w = rand([5, 4]);
      const b = rand([5]);
      check(() => T.linear(x, w, b), [x, w, b]);
      check(() => T.linear(x, w), [x, w]);
      const ws = rand([4, 4]);
      const bs = rand([4]);
      check(() => T.linear(T.linear(x, ws, bs), ws, null), [x, ws, bs]); // ws used twice
    });

    it("lowRankLinear: x·(W + s·B·A)ᵀ + b, every input", () => {
      const x = rand([2, 3, 4]);
      const w = rand([5, 4]);
      const b = rand([5]);
      const la = rand([2, 4]);
      const lb = rand([5, 2]);
      check(() => T.lowRankLinear(x, w, b, la, lb, 1.5), [x, w, b, la, lb]);
    });

    it("embedding with repeated ids (scatter-add)", () => {
      const w = rand([6, 4]);
      const idx = Int32Array.from([1, 3, 1, 0, 5, 1, 3]);
      check(() => T.embedding(w, idx), [w]);
      check(() => T.mul(T.embedding(w, idx.subarray(0, 6), [2, 3]), T.embedding(w, idx.subarray(1, 7), [2, 3])), [w]);
    });

    it("layerNorm (with and without bias) and rmsNorm", () => {
      const x = rand([2, 3, 6]);
      const w = rand([6]);
      const b = rand([6]);
      check(() => T.layerNorm(x, w, b, 1e-5), [x, w, b]);
      check(() => T.layerNorm(x, w, null, 1e-5), [x, w]);
      check(() => T.rmsNorm(x, w, 1e-6), [x, w]);
      const xs = g.randn([4, 6], rng); // weight-only gradient
      check(() => T.rmsNorm(xs, w), [w]);
    });

    it("gelu, silu, swiglu, softmax", () => {
      const x = rand([3, 7], 1.5);
      const u = rand([3, 7]);
      check(() => T.gelu(x), [x]);
      check(() => T.silu(x), [x]);
      check(() => T.swiglu(x, u), [x, u]);
      check(() => T.softmax(x), [x]);
      check(() => T.softmax(T.reshape(x, [7, 3])), [x]);
    });

    it("rope in both pairings, full and partial rotary dims, offset positions", () => {
      const x = rand([2, 3, 2, 8]);
      for (const pairing of ["adjacent", "half"] as const) {
        for (const rotaryDim of [8, 4, 2]) {
          const positions = Int32Array.from([5, 6, 7]);
          check(() => T.rope(x, { positions, pairing, theta: 10000, rotaryDim }), [x]);
        }
      }
    });

    it("fused attention with GQA: causal, non-causal, decode offset (T < S), KV capacity", () => {
      const cases = [
        { b: 2, t: 4, s: 4, h: 4, hKv: 2, d: 4, causal: true },
        { b: 1, t: 3, s: 5, h: 2, hKv: 1, d: 3, causal: false },
        { b: 2, t: 2, s: 5, h: 4, hKv: 4, d: 4, causal: true }, // decode-style: queries at positions 3, 4
        { b: 1, t: 1, s: 6, h: 3, hKv: 1, d: 2, causal: true },
      ];
      for (const c of cases) {
        const q = rand([c.b, c.t, c.h, c.d]);
        const k = rand([c.b, c.s, c.hKv, c.d]);
        const v = rand([c.b, c.s, c.hKv, c.d]);
        check(() => T.attention(q, k, v, { causal: c.causal }), [q, k, v]);
      }
      // one tensor as two inputs of a fused kernel (its gradients must add, not clobber)
      const hq = rand([1, 3, 2, 4]);
      const hk = rand([1, 3, 2, 4]);
      check(() => T.attention(hq, hk, hq, { causal: true }), [hq, hk]);
      check(() => T.swiglu(hk, hk), [hk]);
      const w6 = rand([4]);
      check(() => T.layerNorm(T.reshape(w6, [1, 4]), w6, w6), [w6]);
      // k, v with capacity 6, only 4 steps valid
      const q = rand([2, 2, 2, 4]);
      const k = rand([2, 6, 1, 4]);
      const v = rand([2, 6, 1, 4]);
      check(() => T.attention(q, k, v, { causal: true, kvLength: 4, scale: 0.3 }), [q, k, v]);
    });

    it("cross-entropy with ignored positions: mean, sum, none", () => {
      const logits = rand([2, 4, 7], 2);
      const targets = ids(8, 7);
      targets[1] = -100;
      targets[6] = -100;
      check(() => T.crossEntropy(logits, targets), [logits]);
      check(() => T.crossEntropy(logits, targets, { reduction: "sum" }), [logits]);
      check(() => T.crossEntropy(logits, targets, { reduction: "none" }), [logits]);
      const t2 = ids(8, 7);
      t2[0] = 3;
      check(() => T.crossEntropy(logits, t2, { ignoreIndex: 3 }), [logits]);
    });

    it("a small transformer block end to end", () => {
      const [B, Tn, H, Hkv, D] = [2, 3, 2, 1, 4];
      const C = H * D;
      const x = rand([B, Tn, C]);
      const wn = rand([C]);
      const wqkv = rand([C + 2 * Hkv * D, C], 0.5);
      const wo = rand([C, C], 0.5);
      const positions = Int32Array.from([0, 1, 2]);
      const block = (): Tensor => {
        const hN = T.rmsNorm(x, wn);
        const [q, k, v] = T.split(T.linear(hN, wqkv), [C, Hkv * D, Hkv * D]);
        const rq = T.rope(T.reshape(q, [B, Tn, H, D]), { positions, pairing: "half", theta: 10000 });
        const rk = T.rope(T.reshape(k, [B, Tn, Hkv, D]), { positions, pairing: "half", theta: 10000 });
        const att = T.attention(rq, rk, T.reshape(v, [B, Tn, Hkv, D]), { causal: true });
        return T.add(x, T.linear(T.reshape(att, [B, Tn, C]), wo));
      };
      check(block, [x, wn, wqkv, wo], { tol: 2e-2 });
    });

    it("catches a deliberately wrong gradient rule", () => {
      // y = x² with the rule dx = 3x·dy (wrong; 2x·dy is right) must fail; the right rule must pass.
      const square = (x: Tensor, factor: number): Tensor => {
        const out = g.empty(x.shape);
        g.backend.unary({ op: "square", x: x.data, out: out.data, scalar: 0 });
        if (g.needsGrad(x)) {
          g.record(out, (dy: F32) =>
            g.writeGrad(x, (dst) => {
              g.backend.binary({ op: "mul", a: dy, aShape: x.shape, b: x.data, bShape: x.shape, out: dst, outShape: x.shape });
              g.backend.unary({ op: "scale", x: dst, out: dst, scalar: factor });
            }),
          );
        }
        return out;
      };
      const x = rand([4, 3]);
      const bad = gradCheck(g, () => square(x, 3), [x]);
      assert.equal(bad.ok, false);
      assert.ok(bad.worst > 0.1, `worst ${bad.worst}`);
      assert.ok(gradCheck(g, () => square(x, 2), [x]).ok);
      // A subtler bug: dropping the rowsum term of the softmax gradient.
      const y = rand([2, 5]);
      const wrongSoftmax = (): Tensor => {
        const out = g.empty(y.shape);
        g.backend.softmax({ x: y.data, n: 2, c: 5, out: out.data });
        if (g.needsGrad(y)) {
          g.record(out, (dy) => g.writeGrad(y, (dst) => g.backend.binary({ op: "mul", a: dy, aShape: [10], b: out.data, bShape: [10], out: dst, outShape: [10] })));
        }
        return out;
      };
      assert.equal(gradCheck(g, wrongSoftmax, [y]).ok, false);
    });
  });
}
