// Finite-difference gradient checks, straight on the kernels, of the op options the tensor layer does not reach yet:
// attention's sliding window, softcap and document masks (segments), swiglu's gelu gate (GeGLU), rope's freqFactors; on ref and on native.
// Not here: the options' forward values against ref (conformanceCasesNn.ts) or their definitions (kernelOptions.test.ts).
//
// As src/tensor/gradcheck.ts: L = Σ r ⊙ f(x) in double with r fixed normals; the analytic gradient is the op's
// backward seeded with r, the numeric one (L(x + h) − L(x − h)) / (2h) per element with h measured after f32
// rounding; relative error ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖, 1e-3) must stay under 1e-2.

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import type { ActivationKind, AttentionArgs, RopePairing } from "./ops.js";
import { testBackends } from "./testBackends.js";

const H_STEP = 1e-2;
const TOL = 1e-2;

const backends = testBackends;

const dot = (r: Float32Array, y: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * y[i];
  return s;
};

/** Worst relative error over the inputs of loss() against their analytic gradients (same order). */
function worstError(loss: () => number, inputs: readonly { x: Float32Array; grad: Float32Array }[]): number {
  let worst = 0;
  for (const { x, grad } of inputs) {
    let diff2 = 0;
    let a2 = 0;
    let n2 = 0;
    for (let i = 0; i < x.length; i++) {
      const orig = x[i];
      x[i] = orig + H_STEP;
      const up = x[i];
      const lp = loss();
      x[i] = orig - H_STEP;
      const down = x[i];
      const lm = loss();
      x[i] = orig;
      const numeric = (lp - lm) / (up - down);
      diff2 += (grad[i] - numeric) ** 2;
      a2 += grad[i] ** 2;
      n2 += numeric ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff2) / Math.max(Math.sqrt(a2), Math.sqrt(n2), 1e-3));
  }
  return worst;
}

interface AttnCase {
  b: number; t: number; s: number; h: number; hKv: number; d: number; causal: boolean; window?: number; softcap?: number; scale?: number;
  /** Segment ids (B·S) of packed documents, or absent. */
  segments?: readonly number[];
}

for (const tb of backends()) {
  describe(`kernel gradcheck of op options (${tb.name} backend)`, () => {
    const be = tb.backend;
    if (be === null) {
      it("is skipped", (t: TestContext) => t.skip(tb.why));
      return;
    }
    const rng = new Rng(7);
    const normal = (n: number, std = 1): Float32Array => rng.fillNormal(new Float32Array(n), 0, std);

    const attnCheck = (c: AttnCase): number => {
      const qn = c.b * c.t * c.h * c.d;
      const kvn = c.b * c.s * c.hKv * c.d;
      const q = normal(qn);
      const k = normal(kvn);
      const v = normal(kvn);
      const r = normal(qn);
      const geo = {
        b: c.b, t: c.t, s: c.s, h: c.h, hKv: c.hKv, d: c.d, kvBatchStride: c.s * c.hKv * c.d, causal: c.causal,
        scale: c.scale ?? 1 / Math.sqrt(c.d), ...(c.window !== undefined ? { window: c.window } : {}),
        ...(c.softcap !== undefined ? { softcap: c.softcap } : {}),
        ...(c.segments !== undefined ? { segments: Int32Array.from(c.segments) } : {}),
      };
      const fwd = (): AttentionArgs => {
        const a = { ...geo, q, k, v, out: new Float32Array(qn), lse: new Float32Array(c.b * c.h * c.t) };
        be.attention(a);
        return a;
      };
      const f = fwd();
      const dq = new Float32Array(qn);
      const dk = new Float32Array(kvn);
      const dv = new Float32Array(kvn);
      be.attentionBackward({ ...geo, q, k, v, out: f.out, lse: f.lse, dOut: r, dq, dk, dv });
      return worstError(() => dot(r, fwd().out), [{ x: q, grad: dq }, { x: k, grad: dk }, { x: v, grad: dv }]);
    };

    const attnCases: AttnCase[] = [
      { b: 1, t: 6, s: 6, h: 2, hKv: 1, d: 4, causal: true, window: 3 },
      { b: 2, t: 3, s: 8, h: 4, hKv: 2, d: 4, causal: true, window: 4 }, // T < S, GQA
      { b: 1, t: 2, s: 9, h: 2, hKv: 2, d: 3, causal: true, window: 2, softcap: 1.5 }, // decode-sized
      { b: 1, t: 5, s: 5, h: 2, hKv: 1, d: 4, causal: true, softcap: 1, scale: 1 }, // tanh well into its bend
      { b: 1, t: 4, s: 7, h: 2, hKv: 1, d: 3, causal: false, window: 3, softcap: 2 },
      { b: 1, t: 70, s: 70, h: 1, hKv: 1, d: 2, causal: true, window: 20, softcap: 2 }, // two query tiles natively
      // document masks: several documents per row, one-token documents, GQA, T < S, ids that are not runs
      { b: 2, t: 8, s: 8, h: 2, hKv: 1, d: 3, causal: true, segments: [0, 0, 0, 1, 2, 2, 2, 2, 5, 6, 6, 6, 6, 6, 7, 7] },
      { b: 1, t: 3, s: 9, h: 4, hKv: 2, d: 3, causal: true, segments: [1, 1, 1, 1, 2, 2, 2, 3, 3] }, // decode-sized
      { b: 1, t: 6, s: 6, h: 2, hKv: 2, d: 3, causal: false, window: 3, softcap: 1.5, segments: [0, 0, 0, 0, 1, 1] },
      { b: 1, t: 7, s: 7, h: 2, hKv: 1, d: 3, causal: true, segments: [0, 1, 0, 1, 1, 2, 0] }, // not runs
      { b: 1, t: 70, s: 70, h: 1, hKv: 1, d: 2, causal: true, softcap: 2, segments: Array.from({ length: 70 }, (_, j) => (j < 30 ? 0 : j < 31 ? 1 : 2)) },
    ];
    for (const c of attnCases) {
      it(`attention backward: T=${c.t} S=${c.s} H=${c.h}/${c.hKv} window=${c.window ?? "-"} softcap=${c.softcap ?? "-"}${c.causal ? " causal" : ""}${c.segments ? " segments" : ""}`, () => {
        const worst = attnCheck(c);
        assert.ok(worst <= TOL, `relative gradient error ${worst.toExponential(2)} > ${TOL}`);
      });
    }

    it("the attention check can fail: a backward that ignores the softcap is caught", () => {
      // The gradient of the softcapped forward against a backward told softcap 0 (and no window) must disagree.
      const c = { b: 1, t: 4, s: 4, h: 1, hKv: 1, d: 3, causal: true, scale: 1 };
      const q = normal(12);
      const k = normal(12);
      const v = normal(12);
      const r = normal(12);
      const geo = { ...c, kvBatchStride: 12 };
      const fwd = (): Float32Array => {
        const out = new Float32Array(12);
        be.attention({ ...geo, q, k, v, out, lse: new Float32Array(4), softcap: 1 });
        return out;
      };
      const out = fwd();
      const lse = new Float32Array(4);
      be.attention({ ...geo, q, k, v, out: new Float32Array(12), lse, softcap: 1 });
      const dq = new Float32Array(12);
      be.attentionBackward({ ...geo, q, k, v, out, lse, dOut: r, dq, dk: new Float32Array(12), dv: new Float32Array(12) });
      assert.ok(worstError(() => dot(r, fwd()), [{ x: q, grad: dq }]) > 10 * TOL);
    });

    for (const act of ["gelu", "silu"] as const satisfies readonly ActivationKind[]) {
      it(`swiglu backward with act=${act}`, () => {
        const n = 40;
        const gate = rng.fillUniform(new Float32Array(n), -4, 4);
        const up = normal(n);
        const r = normal(n);
        const dGate = new Float32Array(n);
        const dUp = new Float32Array(n);
        be.swigluBackward({ act, dOut: r, gate, up, dGate, dUp });
        const loss = (): number => {
          const out = new Float32Array(n);
          be.swiglu({ act, gate, up, out });
          return dot(r, out);
        };
        const worst = worstError(loss, [{ x: gate, grad: dGate }, { x: up, grad: dUp }]);
        assert.ok(worst <= TOL, `relative gradient error ${worst.toExponential(2)} > ${TOL}`);
      });
    }

    for (const pairing of ["adjacent", "half"] as const satisfies readonly RopePairing[]) {
      it(`rope backward with freqFactors (${pairing}, partial rotary dims)`, () => {
        const [b, t, h, d, rotaryDim] = [2, 3, 2, 10, 8];
        const n = b * t * h * d;
        const x = normal(n);
        const r = normal(n);
        const freqFactors = rng.fillUniform(new Float32Array(rotaryDim / 2), 1, 8);
        const positions = Int32Array.from([5, 0, 37]);
        const geo = { b, t, h, d, rotaryDim, pairing, theta: 10000, positions, freqFactors };
        const dx = new Float32Array(n);
        be.ropeBackward({ ...geo, dOut: r, dx });
        const loss = (): number => {
          const out = new Float32Array(n);
          be.rope({ ...geo, x, out });
          return dot(r, out);
        };
        const worst = worstError(loss, [{ x, grad: dx }]);
        assert.ok(worst <= TOL, `relative gradient error ${worst.toExponential(2)} > ${TOL}`);
      });
    }
  });
}
