// Fused ops equal their composed versions (STYLE.md principle 5), on ref and native, values and gradients: attention with GQA
// and a causal offset, cross-entropy with ignored rows, SwiGLU, GELU. Not here: finite differences.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { Graph, type Tensor } from "./tensor.js";
import { testBackends } from "../engine/testBackends.js";
import * as T from "./index.js";

for (const tb of testBackends()) {
  describe(`fused ops equal their composed versions (${tb.name} backend)`, () => {
    if (tb.backend === null) {
      it("is skipped", (t) => t.skip(tb.why));
      return;
    }
    const g = new Graph(tb.backend);
    const rng = new Rng(9);
    const rand = (shape: number[]): Tensor => g.randn(shape, rng, { requiresGrad: true });

  /** Values of f() and the gradients of Σ r ⊙ f() with respect to inputs. */
  const valueAndGrads = function (f: () => Tensor, inputs: Tensor[], seed: number): Float32Array[] {
    for (const x of inputs) x.zeroGrad();
    return g.scope(() => {
      const y = f();
      const r = new Rng(seed).fillNormal(new Float32Array(y.size));
      g.backward(y, r);
      return [Float32Array.from(y.data), ...inputs.map((x) => Float32Array.from(x.grad ?? new Float32Array(x.size)))];
    });
  };

  function assertClose(a: Float32Array[], b: Float32Array[], tol: number): void {
    assert.equal(a.length, b.length);
    a.forEach((x, i) => {
      assert.equal(x.length, b[i].length);
      let worst = 0;
      for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - b[i][j]) / (1 + Math.abs(b[i][j])));
      assert.ok(worst <= tol, `array ${i}: worst relative difference ${worst}`);
    });
  }

  /** softmax(q·kᵀ·scale + mask)·v from matmul/softmax, kv heads repeated for GQA. */
  const composedAttention = function (q: Tensor, k: Tensor, v: Tensor, causal: boolean): Tensor {
    const [b, t, h, d] = q.shape;
    const [, s, hKv] = k.shape;
    const rep = (x: Tensor): Tensor =>
      T.permute(T.reshape(T.broadcastTo(T.reshape(x, [b, s, hKv, 1, d]), [b, s, hKv, h / hKv, d]), [b, s, h, d]), [0, 2, 1, 3]);
    const qh = T.permute(q, [0, 2, 1, 3]); // (B, H, T, D)
    let scores = T.scale(T.matmul(qh, rep(k), { transB: true }), 1 / Math.sqrt(d)); // (B, H, T, S)
    if (causal) {
      const mask = new Float32Array(t * s);
      for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) mask[i * s + j] = j > s - t + i ? -1e9 : 0;
      scores = T.add(scores, g.tensor(mask, [t, s]));
    }
    return T.permute(T.matmul(T.softmax(scores), rep(v)), [0, 2, 1, 3]); // (B, T, H, D)
  };

    it("attention with GQA, causal with T < S, and non-causal", () => {
      for (const [b, t, s, h, hKv, d, causal] of [[2, 3, 5, 4, 2, 4, true], [1, 4, 4, 3, 1, 2, false], [1, 5, 5, 2, 2, 8, true]] as const) {
        const q = rand([b, t, h, d]);
        const k = rand([b, s, hKv, d]);
        const v = rand([b, s, hKv, d]);
        const fused = valueAndGrads(() => T.attention(q, k, v, { causal }), [q, k, v], 1);
        const composed = valueAndGrads(() => composedAttention(q, k, v, causal), [q, k, v], 1);
        assertClose(fused, composed, 1e-5);
      }
    });

    it("attention on q, k, v split from one fused tensor: the same bits as on three separate tensors", () => {
      // The split views write their gradients straight into the fused tensor's gradient (gradSlots); separate
      // tensors each have their own. Both must give the same values and gradients bit for bit.
      const [b, t, h, d] = [2, 5, 3, 4];
      const qkv = rand([b, t, 3 * h * d]);
      const parts = (): Tensor[] => T.split(qkv, [h * d, h * d, h * d], -1).map((x) => T.reshape(x, [b, t, h, d]));
      const viaViews = valueAndGrads(() => { const [q, k, v] = parts(); return T.attention(q, k, v, { causal: true }); }, [qkv], 3);
      const [q0, k0, v0] = g.noGrad(() => parts().map((x) => Float32Array.from(x.data)));
      const [q, k, v] = [q0, k0, v0].map((x) => g.tensor(x, [b, t, h, d], { requiresGrad: true }));
      const separate = valueAndGrads(() => T.attention(q, k, v, { causal: true }), [q, k, v], 3);
      assert.deepEqual(viaViews[0], separate[0]);
      const [dq, dk, dv] = separate.slice(1);
      const want = new Float32Array(qkv.size); // (B·T, 3, H·D): the three gradients interleaved back per row
      for (let r = 0; r < b * t; r++) [dq, dk, dv].forEach((x, i) => want.set(x.subarray(r * h * d, (r + 1) * h * d), (r * 3 + i) * h * d));
      assert.deepEqual(viaViews[1], want);
    });

    it("cross-entropy with ignored rows equals −mean log softmax at the targets", () => {
      const logits = rand([6, 9]);
      const targets = Int32Array.from([3, -100, 0, 8, -100, 5]);
      const onehot = new Float32Array(6 * 9);
      targets.forEach((y, i) => {
        if (y >= 0) onehot[i * 9 + y] = 1;
      });
      const sel = g.tensor(onehot, [6, 9]);
      const fused = valueAndGrads(() => T.crossEntropy(logits, targets), [logits], 2);
      const composed = valueAndGrads(() => T.scale(T.sum(T.mul(T.log(T.softmax(logits)), sel)), -1 / 4), [logits], 2);
      assertClose(fused, composed, 1e-5);
    });

    it("swiglu = silu(gate) ⊙ up and gelu = its tanh formula", () => {
      const a = rand([4, 5]);
      const u = rand([4, 5]);
      assertClose(valueAndGrads(() => T.swiglu(a, u), [a, u], 3), valueAndGrads(() => T.mul(T.silu(a), u), [a, u], 3), 1e-6);
      assertClose(valueAndGrads(() => T.silu(a), [a], 4), valueAndGrads(() => T.mul(a, T.sigmoid(a)), [a], 4), 1e-6);
      const c = Math.sqrt(2 / Math.PI);
      const geluComposed = (): Tensor => {
        const inner = T.scale(T.add(a, T.scale(T.powScalar(a, 3), 0.044715)), c);
        return T.mul(T.scale(a, 0.5), T.addScalar(T.tanh(inner), 1));
      };
      // powScalar(a, 3) with a < 0 is fine for an integer power
      assertClose(valueAndGrads(() => T.gelu(a), [a], 5), valueAndGrads(geluComposed, [a], 5), 1e-5);
    });

    it("lowRankLinear = linear + the low-rank update computed beside it, frozen weight or not", () => {
      const x = rand([2, 3, 6]);
      const w = rand([5, 6]);
      const bias = rand([5]);
      const a = rand([2, 6]); // (r, in)
      const b = rand([5, 2]); // (out, r)
      const composed = (): Tensor => T.add(T.linear(x, w, bias), T.linear(T.scale(T.linear(x, a), 0.75), b));
      assertClose(valueAndGrads(() => T.lowRankLinear(x, w, bias, a, b, 0.75), [x, w, bias, a, b], 6), valueAndGrads(composed, [x, w, bias, a, b], 6), 1e-5);
      w.zeroGrad();
      w.requiresGrad = false; // LoRA's frozen base: nothing written to W's gradient, the rest unchanged
      const fused = valueAndGrads(() => T.lowRankLinear(x, w, null, a, b, 2), [x, a, b], 7);
      assert.ok((w.grad ?? new Float32Array(1)).every((v) => v === 0));
      assertClose(fused, valueAndGrads(() => T.add(T.linear(x, w), T.linear(T.scale(T.linear(x, a), 2), b)), [x, a, b], 7), 1e-5);
      w.requiresGrad = true;
    });

    it("rmsNorm and layerNorm equal their formulas", () => {
      const x = rand([3, 6]);
      const w = rand([6]);
      const bb = rand([6]);
      const rms = (): Tensor => T.mul(T.mul(x, T.rsqrt(T.addScalar(T.mean(T.square(x), -1, { keepDims: true }), 1e-5))), w);
      assertClose(valueAndGrads(() => T.rmsNorm(x, w, 1e-5), [x, w], 6), valueAndGrads(rms, [x, w], 6), 1e-5);
      const ln = (): Tensor => {
        const xc = T.sub(x, T.mean(x, -1, { keepDims: true }));
        const rstd = T.rsqrt(T.addScalar(T.mean(T.square(xc), -1, { keepDims: true }), 1e-5));
        return T.add(T.mul(T.mul(xc, rstd), w), bb);
      };
      assertClose(valueAndGrads(() => T.layerNorm(x, w, bb, 1e-5), [x, w, bb], 7), valueAndGrads(ln, [x, w, bb], 7), 1e-5);
    });
  });
}
