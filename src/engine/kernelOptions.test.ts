// The op options' meanings checked against independent constructions, on ref and native: a sliding window equals
// attention over the sliced keys, softcap equals a materialized cap·tanh(s/cap) softmax, GeGLU equals gelu then a
// product, linear rope factors equal scaled positions. Not here: native vs ref (conformance) or gradients.

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { testBackends } from "./testBackends.js";

const backends = testBackends;

/** max |a − b| / max(1, max |b|). */
function relDiff(a: Float32Array, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

for (const tb of backends()) {
  describe(`op options mean what ops.ts says (${tb.name} backend)`, () => {
    const be = tb.backend;
    if (be === null) {
      it("is skipped", (t: TestContext) => t.skip(tb.why));
      return;
    }
    const rng = new Rng(11);
    const normal = (n: number): Float32Array => rng.fillNormal(new Float32Array(n));

    /** Attention of query row t of (T, H, D) q against keys [lo, hi) of (S, Hkv, D) k/v, no mask: (H, D). */
    const sliced = (q: Float32Array, k: Float32Array, v: Float32Array, t: number, lo: number, hi: number, h: number, hKv: number, d: number): Float32Array => {
      const n = hi - lo;
      const out = new Float32Array(h * d);
      be.attention({
        q: q.subarray(t * h * d, (t + 1) * h * d), k: k.subarray(lo * hKv * d, hi * hKv * d), v: v.subarray(lo * hKv * d, hi * hKv * d),
        b: 1, t: 1, s: n, h, hKv, d, kvBatchStride: n * hKv * d, causal: false, scale: 1 / Math.sqrt(d), out, lse: new Float32Array(h),
      });
      return out;
    };

    for (const [T, S, window, causal] of [[12, 12, 4, true], [3, 300, 50, true], [1, 300, 50, true], [5, 9, 3, false], [70, 70, 65, true]] as const) {
      it(`window=${window} T=${T} S=${S}${causal ? " causal" : ""}: query at p sees exactly keys (p − window, ${causal ? "p]" : "S)"}`, () => {
        const [h, hKv, d] = [4, 2, 8];
        const q = normal(T * h * d);
        const k = normal(S * hKv * d);
        const v = normal(S * hKv * d);
        const out = new Float32Array(T * h * d);
        be.attention({ q, k, v, b: 1, t: T, s: S, h, hKv, d, kvBatchStride: S * hKv * d, causal, scale: 1 / Math.sqrt(d), out, lse: new Float32Array(h * T), window });
        for (let t = 0; t < T; t++) {
          const p = S - T + t;
          const want = sliced(q, k, v, t, Math.max(0, p - window + 1), causal ? p + 1 : S, h, hKv, d);
          const err = relDiff(out.subarray(t * h * d, (t + 1) * h * d), want);
          assert.ok(err < 1e-5, `query ${t}: error ${err.toExponential(2)}`);
        }
      });
    }

    it("softcap: softmax of cap·tanh(scale·q·k / cap) over visible keys, lse of the capped scores", () => {
      const [T, S, h, hKv, d, cap, scale, window] = [5, 9, 4, 2, 8, 1.5, 0.9, 3];
      const q = normal(T * h * d);
      const k = normal(S * hKv * d);
      const v = normal(S * hKv * d);
      const out = new Float32Array(T * h * d);
      const lse = new Float32Array(h * T);
      be.attention({ q, k, v, b: 1, t: T, s: S, h, hKv, d, kvBatchStride: S * hKv * d, causal: true, scale, out, lse, softcap: cap, window });
      const want = new Float64Array(T * h * d);
      const wantLse = new Float64Array(h * T);
      for (let t = 0; t < T; t++) {
        for (let hi = 0; hi < h; hi++) {
          const p = S - T + t;
          const kh = Math.floor(hi / (h / hKv));
          const keys = Array.from({ length: S }, (_, j) => j).filter((j) => j <= p && j > p - window);
          const z = keys.map((j) => {
            let s = 0;
            for (let c = 0; c < d; c++) s += q[(t * h + hi) * d + c] * k[(j * hKv + kh) * d + c];
            return cap * Math.tanh((scale * s) / cap);
          });
          const m = Math.max(...z);
          const e = z.map((x) => Math.exp(x - m));
          const sum = e.reduce((a, b) => a + b, 0);
          wantLse[hi * T + t] = m + Math.log(sum);
          keys.forEach((j, n) => {
            for (let c = 0; c < d; c++) want[(t * h + hi) * d + c] += (e[n] / sum) * v[(j * hKv + kh) * d + c];
          });
        }
      }
      assert.ok(relDiff(out, want) < 1e-5, `out error ${relDiff(out, want).toExponential(2)}`);
      assert.ok(relDiff(lse, wantLse) < 1e-5, `lse error ${relDiff(lse, wantLse).toExponential(2)}`);
      // and the cap matters here: without it the result differs
      const plain = new Float32Array(T * h * d);
      be.attention({ q, k, v, b: 1, t: T, s: S, h, hKv, d, kvBatchStride: S * hKv * d, causal: true, scale, out: plain, lse: new Float32Array(h * T), window });
      assert.ok(relDiff(plain, want) > 1e-3);
    });

    it("swiglu act=gelu is GeGLU: gelu(gate) ⊙ up as activation and binary compose it", () => {
      const n = 1000;
      const gate = rng.fillUniform(new Float32Array(n), -6, 6);
      const up = normal(n);
      const fused = new Float32Array(n);
      be.swiglu({ act: "gelu", gate, up, out: fused });
      const g = new Float32Array(n);
      be.activation({ kind: "gelu", x: gate, out: g });
      const composed = new Float32Array(n);
      be.binary({ op: "mul", a: g, aShape: [n], b: up, bShape: [n], out: composed, outShape: [n] });
      assert.ok(relDiff(fused, composed) < 1e-6);
      const silu = new Float32Array(n);
      be.swiglu({ gate, up, out: silu }); // the default stays SwiGLU, which differs
      assert.ok(relDiff(silu, composed) > 1e-2);
    });

    it("rope freqFactors all = f (linear scaling) at positions f·m equal rope without factors at m", () => {
      const [b, t, h, d, rotaryDim, f] = [1, 6, 2, 16, 12, 4];
      const x = normal(b * t * h * d);
      const m = Int32Array.from([0, 1, 7, 100, 513, 2047]);
      for (const pairing of ["adjacent", "half"] as const) {
        const scaled = new Float32Array(x.length);
        be.rope({ x, b, t, h, d, rotaryDim, pairing, theta: 10000, positions: m.map((p) => f * p), out: scaled, freqFactors: new Float32Array(rotaryDim / 2).fill(f) });
        const plain = new Float32Array(x.length);
        be.rope({ x, b, t, h, d, rotaryDim, pairing, theta: 10000, positions: m, out: plain });
        assert.ok(relDiff(scaled, plain) < 1e-6, `${pairing}: error ${relDiff(scaled, plain).toExponential(2)}`);
        const nulled = new Float32Array(x.length);
        be.rope({ x, b, t, h, d, rotaryDim, pairing, theta: 10000, positions: m, out: nulled, freqFactors: null });
        assert.deepEqual(nulled, plain); // null = absent, bit for bit
      }
    });
  });
}
