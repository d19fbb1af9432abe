// Known-answer, composed-vs-fused and finite-difference tests of the ref backend, plus the conformance suite
// run on itself (it must pass) and on deliberately broken backends (it must fail).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../../util/rng.js";
import { runConformance, summarizeConformance } from "../../conformance.js";
import {
  bf16ToF32, f16BitsToF32Bits, f16ToF32, f32BitsToBf16Bits, f32BitsToF16Bits, f32FromBits, f32ToBf16, f32ToF16,
} from "../../dtype.js";
import { OP_NAMES, type Backend, type GemmArgs, type OpName } from "../../ops.js";
import { withValidation } from "../../validate.js";
import { createRefBackend } from "./index.js";

const ref = withValidation(createRefBackend());
const f32 = (xs: number[]): Float32Array => new Float32Array(xs);

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6, what = ""): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

// ---- known answers ------------------------------------------------------------------------------------

test("gemm: all four transpose variants of A(2×3)·B(3×2), alpha/beta, broadcast batch, beta=0 ignores C", () => {
  const A = [1, 2, 3, 4, 5, 6]; // 2×3
  const At = [1, 4, 2, 5, 3, 6]; // stored 3×2
  const B = [1, 2, 3, 4, 5, 6]; // 3×2
  const Bt = [1, 3, 5, 2, 4, 6]; // stored 2×3
  const expected = [22, 28, 49, 64];
  for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
    const c = new Float32Array(4).fill(NaN); // beta = 0: C is not read (BLAS)
    ref.gemm({
      transA, transB, m: 2, n: 2, k: 3, alpha: 1, beta: 0, batch: 1, strideA: 0, strideB: 0, strideC: 0,
      a: f32(transA ? At : A), lda: transA ? 2 : 3, b: f32(transB ? Bt : B), ldb: transB ? 3 : 2, c, ldc: 2,
    });
    close(c, expected, 0, `gemm ${transA}${transB}`);
  }
  // alpha = 2, beta = −1, padded ldc = 3 (the pad column stays), two batch items sharing A (strideA = 0).
  const c = f32([1, 1, 99, 1, 1, 99, 2, 2, 99, 2, 2, 99]);
  const args: GemmArgs = {
    transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 2, beta: -1, batch: 2, a: f32(A), lda: 3, strideA: 0,
    b: f32([...B, ...B.map((x) => -x)]), ldb: 2, strideB: 6, c, ldc: 3, strideC: 6,
  };
  ref.gemm(args);
  close(c, [43, 55, 99, 97, 127, 99, -46, -58, 99, -100, -130, 99], 0, "gemm batched");
});

test("binary/reduce/broadcast/permute: hand-computed broadcasting and layout", () => {
  const out = new Float32Array(6);
  ref.binary({ op: "add", a: f32([1, 2, 3, 4, 5, 6]), aShape: [2, 3], b: f32([10, 20, 30]), bShape: [3], out, outShape: [2, 3] });
  close(out, [11, 22, 33, 14, 25, 36], 0, "add");
  ref.binary({ op: "mul", a: f32([1, 2]), aShape: [2, 1], b: f32([1, 2, 3]), bShape: [1, 3], out, outShape: [2, 3] });
  close(out, [1, 2, 3, 2, 4, 6], 0, "outer mul");
  ref.binary({ op: "max", a: f32([1, 5, 3, 4]), aShape: [2, 2], b: f32([2]), bShape: [], out: out.subarray(0, 4), outShape: [2, 2] });
  close(out.subarray(0, 4), [2, 5, 3, 4], 0, "max scalar");
  const x = f32([1, 2, 3, 4, 5, 6]);
  const r = new Float32Array(3);
  ref.reduce({ op: "sum", x, shape: [2, 3], axes: [0], out: r });
  close(r, [5, 7, 9], 0, "sum axis 0");
  ref.reduce({ op: "mean", x, shape: [2, 3], axes: [1], out: r.subarray(0, 2) });
  close(r.subarray(0, 2), [2, 5], 0, "mean axis 1");
  ref.reduce({ op: "max", x, shape: [2, 3], axes: [0, 1], out: r.subarray(0, 1) });
  assert.equal(r[0], 6);
  ref.reduce({ op: "min", x, shape: [1, 2, 3], axes: [2], out: r.subarray(0, 2) });
  close(r.subarray(0, 2), [1, 4], 0, "min");
  const b = new Float32Array(6);
  ref.broadcast({ x: f32([7, 8]), xShape: [2, 1], out: b, outShape: [2, 3] });
  close(b, [7, 7, 7, 8, 8, 8], 0, "broadcast");
  ref.permute({ x, shape: [2, 3], perm: [1, 0], out: b });
  close(b, [1, 4, 2, 5, 3, 6], 0, "transpose");
  const p = new Float32Array(24);
  ref.permute({ x: f32(Array.from({ length: 24 }, (_, i) => i)), shape: [2, 3, 4], perm: [2, 0, 1], out: p });
  assert.equal(p[1 * 6 + 1 * 3 + 2], 1 * 12 + 2 * 4 + 1); // out[1][1][2] = x[1][2][1]
});

test("layerNorm and rmsNorm: hand-computed rows, saved statistics", () => {
  const out = new Float32Array(4);
  const mean = new Float32Array(1);
  const rstd = new Float32Array(1);
  ref.layerNorm({ x: f32([1, 2, 3, 4]), weight: f32([1, 1, 2, 1]), bias: f32([0, 0, 0, 10]), n: 1, c: 4, eps: 0, out, mean, rstd });
  const s = 1 / Math.sqrt(1.25);
  close(out, [-1.5 * s, -0.5 * s, 2 * 0.5 * s, 1.5 * s + 10], 1e-6, "layerNorm");
  close(mean, [2.5], 0);
  close(rstd, [s], 1e-7);
  ref.rmsNorm({ x: f32([3, 4]), weight: f32([1, 2]), n: 1, c: 2, eps: 0, out: out.subarray(0, 2), rstd });
  close(out.subarray(0, 2), [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5)], 1e-6, "rmsNorm");
});

test("softmax: known values and shift invariance with huge logits", () => {
  const out = new Float32Array(3);
  ref.softmax({ x: f32([0, Math.log(2), Math.log(3)]), n: 1, c: 3, out });
  close(out, [1 / 6, 2 / 6, 3 / 6], 1e-6, "softmax");
  const o2 = new Float32Array(2);
  ref.softmax({ x: f32([1000, 1000]), n: 1, c: 2, out: o2 });
  close(o2, [0.5, 0.5], 0, "no overflow");
});

test("activations: gelu (tanh) and silu at known points (values from PyTorch, float64)", () => {
  const x = f32([1, -1, 3, 0.5, -4]);
  const out = new Float32Array(5);
  ref.activation({ kind: "gelu", x, out });
  close(out, [0.8411919906082768, -0.15880800939172324, 2.996362607918227, 0.34571400982514394, -7.024594819227126e-5], 1e-6, "gelu");
  ref.activation({ kind: "silu", x, out });
  close(out, [0.7310585786300049, -0.2689414213699951, 2.8577223804672998, 0.3112296656009273, -0.07194483984836623], 1e-6, "silu");
});

test("rope: rotation by known angles in both pairings, partial rotary dims, backward inverts forward", () => {
  // D = 6, rotaryDim = 4, theta = 4: pair 0 turns by pos·1, pair 1 by pos·4^(−1/2) = pos/2; dims 4, 5 copied.
  const x = f32([1, 2, 3, 4, 5, 6]);
  const pos = 1;
  const [c0, s0, c1, s1] = [Math.cos(1), Math.sin(1), Math.cos(0.5), Math.sin(0.5)];
  const base = { b: 1, t: 1, h: 1, d: 6, rotaryDim: 4, theta: 4, positions: new Int32Array([pos]) };
  const out = new Float32Array(6);
  ref.rope({ ...base, pairing: "adjacent", x, out }); // pairs (0,1), (2,3)
  close(out, [1 * c0 - 2 * s0, 1 * s0 + 2 * c0, 3 * c1 - 4 * s1, 3 * s1 + 4 * c1, 5, 6], 1e-6, "adjacent");
  ref.rope({ ...base, pairing: "half", x, out }); // pairs (0,2), (1,3)
  close(out, [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 1 * s0 + 3 * c0, 2 * s1 + 4 * c1, 5, 6], 1e-6, "half");
  // Rotations are orthogonal: the backward (Rᵀ) of the forward gives x back, added to the prefilled dx.
  const dx = f32([10, 10, 10, 10, 10, 10]);
  ref.ropeBackward({ ...base, pairing: "half", dOut: out, dx });
  close(dx, [11, 12, 13, 14, 15, 16], 1e-6, "RᵀR = I");
  // In place gives the same as out of place.
  const y = f32([1, 2, 3, 4, 5, 6]);
  ref.rope({ ...base, pairing: "half", x: y, out: y });
  close(y, out, 0, "in place");
});

test("f16: bit patterns for normals, subnormals, ±0, ±inf, NaN, overflow and ties to even", () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00],
    [1e6, 0x7c00], [-Infinity, 0xfc00], [Infinity, 0x7c00], [0, 0x0000], [-0, 0x8000],
    [2 ** -14, 0x0400], [2 ** -24, 0x0001], [1023 * 2 ** -24, 0x03ff], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002],
    [5 * 2 ** -25, 0x0002], [2 ** -26, 0], [-(2 ** -24), 0x8001],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01], [2047 * 2 ** -25, 0x0400],
  ];
  for (const [x, h] of cases) assert.equal(f32ToF16(x), h, `f32ToF16(${x}) = 0x${f32ToF16(x).toString(16)}, expected 0x${h.toString(16)}`);
  const nan = f32ToF16(NaN);
  assert.ok((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0, "NaN stays NaN");
  assert.equal(f32BitsToF16Bits(0x7f800001) & 0x7e00, 0x7e00, "signalling NaN becomes a quiet NaN");
  assert.equal(f32BitsToF16Bits(0xffc00000), 0xfe00, "NaN sign kept");
  const back: [number, number][] = [[0x3c00, 1], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x7bff, 65504], [0xfc00, -Infinity], [0x3555, 0.333251953125]];
  for (const [h, x] of back) assert.equal(f16ToF32(h), x);
  assert.ok(Object.is(f16ToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.equal(f16BitsToF32Bits(0x7c01), 0x7f802000, "NaN payload kept");
});

test("f16: exhaustive round trip and round-to-nearest-even at every midpoint", () => {
  for (let h = 0; h < 0x10000; h++) {
    const bits = f16BitsToF32Bits(h);
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaNs: checked above
    assert.equal(f32BitsToF16Bits(bits), h, `round trip of 0x${h.toString(16)}`);
  }
  // Between consecutive positive finite f16 values lo < hi, the exact midpoint (representable in f32) goes to
  // the one with an even mantissa, and the f32 neighbours of the midpoint go to the nearer one.
  for (let h = 0; h < 0x7bff; h++) {
    const lo = f16ToF32(h);
    const hi = f16ToF32(h + 1);
    const mid = (lo + hi) / 2;
    const midBits = new Uint32Array(new Float32Array([mid]).buffer)[0];
    assert.equal(f32FromBits(midBits), mid);
    assert.equal(f32BitsToF16Bits(midBits), h % 2 === 0 ? h : h + 1, `tie between 0x${h.toString(16)} and its successor`);
    assert.equal(f32BitsToF16Bits(midBits - 1), h);
    assert.equal(f32BitsToF16Bits(midBits + 1), h + 1);
  }
});

test("bf16: rounding to nearest even, NaN kept, overflow to inf", () => {
  assert.equal(f32ToBf16(1), 0x3f80);
  assert.equal(f32ToBf16(1 / 3), 0x3eab); // 0x3eaaaaab rounds up
  assert.equal(f32BitsToBf16Bits(0x3f808000), 0x3f80); // tie → even
  assert.equal(f32BitsToBf16Bits(0x3f818000), 0x3f82); // tie → even (up)
  assert.equal(f32BitsToBf16Bits(0x3f808001), 0x3f81);
  assert.equal(f32BitsToBf16Bits(0x7f7fffff), 0x7f80); // max f32 rounds to inf
  assert.equal(f32ToBf16(-Infinity), 0xff80);
  assert.equal(f32BitsToBf16Bits(0x7f800001), 0x7fc0); // signalling NaN (low payload only) stays NaN
  assert.equal(f32BitsToBf16Bits(0xffc00000), 0xffc0);
  assert.equal(f32BitsToBf16Bits(0x00000001), 0x0000); // smallest f32 subnormal → +0
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(0xc040), -3);
  assert.ok(Number.isNaN(bf16ToF32(0x7fc1)));
  // The array kernels agree with the scalar functions on all patterns.
  const src = new Uint16Array(65536).map((_, i) => i);
  const out = new Float32Array(65536);
  ref.halfToF32({ kind: "bf16", src, out });
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < 65536; i++) assert.equal(bits[i], i << 16 >>> 0);
  const back = new Uint16Array(65536);
  ref.f32ToHalf({ kind: "bf16", src: out, out: back });
  for (let i = 0; i < 65536; i++) if (!((i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0)) assert.equal(back[i], i);
});

test("adamw and sumSquares: one hand-computed step", () => {
  // step 1: m = 0.1 g, v = 0.001 g²; m̂ = g, v̂ = g²; p −= lr (g/(|g| + eps) + wd p).
  const param = f32([1, -2]);
  const m = new Float32Array(2);
  const v = new Float32Array(2);
  ref.adamw({ param, grad: f32([0.5, -4]), m, v, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-12, weightDecay: 0.5, step: 1 });
  close(param, [1 - 0.1 * (1 + 0.5), -2 - 0.1 * (-1 - 1)], 1e-6, "param");
  close(m, [0.05, -0.4], 1e-6, "m");
  close(v, [0.00025, 0.016], 1e-6, "v");
  assert.equal(ref.sumSquares({ x: f32([3, 4, 12]) }), 169);
});

// ---- composed vs fused --------------------------------------------------------------------------------

test("attention (GQA, causal decode offset, kvBatchStride) equals gemm + mask + softmax + gemm", () => {
  const rng = new Rng(5);
  const [B, T, S, H, Hkv, D, cap] = [2, 3, 7, 4, 2, 5, 9];
  const kvBS = cap * Hkv * D;
  for (const causal of [true, false]) {
    const q = rng.fillNormal(new Float32Array(B * T * H * D));
    const k = rng.fillNormal(new Float32Array(B * kvBS));
    const v = rng.fillNormal(new Float32Array(B * kvBS));
    const out = new Float32Array(B * T * H * D);
    const lse = new Float32Array(B * H * T);
    const scale = 1 / Math.sqrt(D);
    ref.attention({ q, k, v, b: B, t: T, s: S, h: H, hKv: Hkv, d: D, kvBatchStride: kvBS, causal, scale, out, lse });
    const expected = new Float32Array(B * T * H * D);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor((h * Hkv) / H);
        const scores = new Float32Array(T * S);
        // scores (T, S) = scale · Q_h (T, D; row stride H·D) · K_kvh(S, D; row stride Hkv·D)ᵀ
        ref.gemm({
          transA: false, transB: true, m: T, n: S, k: D, alpha: scale, beta: 0, batch: 1, strideA: 0, strideB: 0, strideC: 0,
          a: q.subarray((b * T * H + h) * D), lda: H * D, b: k.subarray(b * kvBS + kvh * D), ldb: Hkv * D, c: scores, ldc: S,
        });
        const mask = new Float32Array(T * S).map((_, i) => (causal && i % S > S - T + Math.floor(i / S) ? -Infinity : 0));
        ref.binary({ op: "add", a: scores, aShape: [T, S], b: mask, bShape: [T, S], out: scores, outShape: [T, S] });
        for (let t = 0; t < T; t++) {
          let mx = -Infinity;
          for (let j = 0; j < S; j++) mx = Math.max(mx, scores[t * S + j]);
          let sum = 0;
          for (let j = 0; j < S; j++) sum += Math.exp(scores[t * S + j] - mx);
          close([lse[(b * H + h) * T + t]], [mx + Math.log(sum)], 1e-5, "lse");
        }
        const p = new Float32Array(T * S);
        ref.softmax({ x: scores, n: T, c: S, out: p });
        ref.gemm({
          transA: false, transB: false, m: T, n: D, k: S, alpha: 1, beta: 0, batch: 1, strideA: 0, strideB: 0, strideC: 0,
          a: p, lda: S, b: v.subarray(b * kvBS + kvh * D), ldb: Hkv * D, c: expected.subarray((b * T * H + h) * D), ldc: H * D,
        });
      }
    }
    close(out, expected, 1e-5, `attention causal=${causal}`);
  }
});

test("crossEntropy equals −log softmax[target]; its backward equals dLoss·(softmax − onehot); ignored rows 0", () => {
  const rng = new Rng(9);
  const [N, V] = [5, 11];
  const logits = rng.fillUniform(new Float32Array(N * V), -4, 4);
  const targets = new Int32Array([3, -100, 0, 10, 7]);
  const losses = new Float32Array(N);
  const lse = new Float32Array(N);
  ref.crossEntropy({ logits, targets, n: N, v: V, ignoreIndex: -100, losses, lse });
  const p = new Float32Array(N * V);
  ref.softmax({ x: logits, n: N, c: V, out: p });
  const logp = new Float32Array(N * V);
  ref.unary({ op: "log", x: p, out: logp, scalar: 0 });
  const expected = Array.from(targets, (t, i) => (t === -100 ? 0 : -logp[i * V + t]));
  close(losses, expected, 1e-5, "losses");
  const dLosses = f32([1, 2, 0.5, -1, 3]);
  const dLogits = new Float32Array(N * V).fill(0.25);
  ref.crossEntropyBackward({ logits, targets, lse, dLosses, n: N, v: V, ignoreIndex: -100, dLogits });
  const want = Array.from(p, (pi, idx) => {
    const i = Math.floor(idx / V);
    if (targets[i] === -100) return 0.25;
    return 0.25 + dLosses[i] * (pi - (idx % V === targets[i] ? 1 : 0));
  });
  close(dLogits, want, 1e-5, "dLogits");
});

test("swiglu equals silu(gate)·up, forward and backward", () => {
  const rng = new Rng(3);
  const n = 33;
  const gate = rng.fillUniform(new Float32Array(n), -5, 5);
  const up = rng.fillUniform(new Float32Array(n), -2, 2);
  const out = new Float32Array(n);
  ref.swiglu({ gate, up, out });
  const s = new Float32Array(n);
  ref.activation({ kind: "silu", x: gate, out: s });
  const composed = new Float32Array(n);
  ref.binary({ op: "mul", a: s, aShape: [n], b: up, bShape: [n], out: composed, outShape: [n] });
  close(out, composed, 1e-6, "swiglu");
  const dOut = rng.fillNormal(new Float32Array(n));
  const dGate = new Float32Array(n).fill(1);
  const dUp = new Float32Array(n).fill(-1);
  ref.swigluBackward({ dOut, gate, up, dGate, dUp });
  const dOutUp = new Float32Array(n);
  ref.binary({ op: "mul", a: dOut, aShape: [n], b: up, bShape: [n], out: dOutUp, outShape: [n] });
  const dGate2 = new Float32Array(n).fill(1);
  ref.activationBackward({ kind: "silu", dOut: dOutUp, x: gate, dx: dGate2 });
  close(dGate, dGate2, 1e-5, "dGate");
  close(dUp, Array.from(dOut, (d, i) => -1 + d * s[i]), 1e-5, "dUp");
});

// ---- finite differences of every backward kernel -----------------------------------------------------

/** Checks ∂(Σ w ⊙ f(x))/∂x from `backward` against central differences, x perturbed in place. */
function fdCheck(what: string, x: Float32Array, forward: () => Float32Array, backward: (dOut: Float32Array, dx: Float32Array) => void, seed = 1): void {
  const rng = new Rng(seed);
  const y0 = forward();
  const w = rng.fillNormal(new Float32Array(y0.length));
  const loss = (): number => forward().reduce((s, y, i) => s + y * w[i], 0);
  const pre = rng.fillNormal(new Float32Array(x.length)); // prefilled: the kernel must accumulate
  const dx = pre.slice();
  backward(w, dx);
  const h = 1e-2;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + h;
    const lp = loss();
    x[i] = x0 - h;
    const lm = loss();
    x[i] = x0;
    const num = (lp - lm) / (2 * h);
    const got = dx[i] - pre[i];
    assert.ok(Math.abs(got - num) <= 3e-3 * Math.max(1, Math.abs(num)), `${what}: d/dx[${i}] analytic ${got}, numeric ${num}`);
  }
}

test("finite differences: norms, softmax, activations, rope, embedding, cross-entropy", () => {
  const rng = new Rng(11);
  const [n, c] = [3, 5];
  const x = rng.fillUniform(new Float32Array(n * c), -2, 2);
  const weight = rng.fillUniform(new Float32Array(c), 0.5, 1.5);
  const out = new Float32Array(n * c);
  const mean = new Float32Array(n);
  const rstd = new Float32Array(n);
  const ln = (): Float32Array => (ref.layerNorm({ x, weight, bias: null, n, c, eps: 1e-5, out, mean, rstd }), out);
  fdCheck("layerNorm dx", x, ln, (dOut, dx) => {
    ln();
    ref.layerNormBackward({ dOut, x, weight, mean, rstd, n, c, dx, dWeight: new Float32Array(c), dBias: null });
  });
  fdCheck("layerNorm dWeight", weight, ln, (dOut, dWeight) => {
    ln();
    ref.layerNormBackward({ dOut, x, weight, mean, rstd, n, c, dx: new Float32Array(n * c), dWeight, dBias: null });
  });
  const rms = (): Float32Array => (ref.rmsNorm({ x, weight, n, c, eps: 1e-5, out, rstd }), out);
  fdCheck("rmsNorm dx", x, rms, (dOut, dx) => {
    rms();
    ref.rmsNormBackward({ dOut, x, weight, rstd, n, c, dx, dWeight: new Float32Array(c) });
  });
  fdCheck("rmsNorm dWeight", weight, rms, (dOut, dWeight) => {
    rms();
    ref.rmsNormBackward({ dOut, x, weight, rstd, n, c, dx: new Float32Array(n * c), dWeight });
  });
  const sm = (): Float32Array => (ref.softmax({ x, n, c, out }), out);
  fdCheck("softmax", x, sm, (dOut, dx) => ref.softmaxBackward({ dOut, y: sm().slice(), n, c, dx }));
  for (const kind of ["gelu", "silu"] as const) {
    const act = (): Float32Array => (ref.activation({ kind, x, out }), out);
    fdCheck(kind, x, act, (dOut, dx) => ref.activationBackward({ kind, dOut, x, dx }));
  }
  const up = rng.fillUniform(new Float32Array(n * c), -2, 2);
  const sw = (): Float32Array => (ref.swiglu({ gate: x, up, out }), out);
  fdCheck("swiglu dGate", x, sw, (dOut, dGate) => ref.swigluBackward({ dOut, gate: x, up, dGate, dUp: new Float32Array(n * c) }));
  fdCheck("swiglu dUp", up, sw, (dOut, dUp) => ref.swigluBackward({ dOut, gate: x, up, dGate: new Float32Array(n * c), dUp }));
  for (const pairing of ["adjacent", "half"] as const) {
    const rx = rng.fillUniform(new Float32Array(2 * 3 * 2 * 6));
    const ro = new Float32Array(rx.length);
    const rp = { b: 2, t: 3, h: 2, d: 6, rotaryDim: 4, pairing, theta: 100, positions: new Int32Array([5, 0, 17]) };
    fdCheck(`rope ${pairing}`, rx, () => (ref.rope({ ...rp, x: rx, out: ro }), ro), (dOut, dx) => ref.ropeBackward({ ...rp, dOut, dx }));
  }
  const table = rng.fillUniform(new Float32Array(4 * c));
  const ids = new Int32Array([2, 0, 2]);
  const eo = new Float32Array(3 * c);
  fdCheck("embedding", table, () => (ref.embedding({ weight: table, ids, n: 3, c, v: 4, out: eo }), eo),
    (dOut, dWeight) => ref.embeddingBackward({ dOut, ids, n: 3, c, v: 4, dWeight }));
  const targets = new Int32Array([1, -1, 4]);
  const losses = new Float32Array(n);
  const lse = new Float32Array(n);
  const ce = (): Float32Array => (ref.crossEntropy({ logits: x, targets, n, v: c, ignoreIndex: -1, losses, lse }), losses);
  fdCheck("crossEntropy", x, ce, (dLosses, dLogits) => {
    ce();
    ref.crossEntropyBackward({ logits: x, targets, lse, dLosses, n, v: c, ignoreIndex: -1, dLogits });
  });
});

test("finite differences: attention dq, dk, dv with GQA, causal T < S and kvBatchStride", () => {
  const rng = new Rng(13);
  const [B, T, S, H, Hkv, D, cap] = [2, 2, 4, 4, 2, 3, 5];
  const kvBS = cap * Hkv * D;
  const q = rng.fillNormal(new Float32Array(B * T * H * D));
  const k = rng.fillNormal(new Float32Array(B * kvBS));
  const v = rng.fillNormal(new Float32Array(B * kvBS));
  const out = new Float32Array(q.length);
  const lse = new Float32Array(B * H * T);
  const dims = { b: B, t: T, s: S, h: H, hKv: Hkv, d: D, kvBatchStride: kvBS, causal: true, scale: 0.6 };
  const fwd = (): Float32Array => (ref.attention({ ...dims, q, k, v, out, lse }), out);
  const bwd = (which: "dq" | "dk" | "dv") => (dOut: Float32Array, g: Float32Array): void => {
    fwd();
    const grads = { dq: new Float32Array(q.length), dk: new Float32Array(k.length), dv: new Float32Array(v.length), [which]: g };
    ref.attentionBackward({ ...dims, dOut, q, k, v, out: out.slice(), lse: lse.slice(), ...grads });
  };
  fdCheck("attention dq", q, fwd, bwd("dq"));
  fdCheck("attention dk", k, fwd, bwd("dk")); // padding rows of the cache get zero gradient, as numerics agree
  fdCheck("attention dv", v, fwd, bwd("dv"));
});

// ---- the conformance suite itself -------------------------------------------------------------------

test("conformance: ref passes against itself on two seeds, every op covered, candidate args all valid", () => {
  for (const seed of [1, 2]) {
    const results = runConformance(withValidation(createRefBackend()), createRefBackend(), { seed });
    assert.ok(results.every((r) => r.passed), summarizeConformance(results));
    assert.deepEqual(new Set(results.map((r) => r.op)), new Set(OP_NAMES), "every op of the table has cases");
    assert.ok(results.every((r) => r.maxAbsError === 0), "ref against itself is bit-identical");
  }
  const lacking = { ...createRefBackend(), gemm: undefined } as unknown as Backend; // a JS caller's incomplete backend
  assert.throws(() => runConformance(lacking, createRefBackend()), /backend "ref" lacks op "gemm"/);
});

/** The ref backend with one kernel replaced. */
function broken(patch: Partial<Backend>): Backend {
  return { ...createRefBackend(), ...patch };
}

test("conformance: fails deliberately broken backends (each bug caught by its op's cases)", () => {
  const base = createRefBackend();
  const bugs: [string, OpName, Partial<Backend>][] = [
    ["gemm ignores beta", "gemm", { gemm: (a) => base.gemm({ ...a, beta: 0 }) }],
    ["gemm 1e-3 relative error", "gemm", { gemm: (a) => { base.gemm(a); a.c[0] *= 1.001; } }],
    ["gemm reads C when beta = 0 (0·NaN)", "gemm", {
      gemm: (a) => {
        const before = a.c.slice();
        base.gemm(a);
        if (a.beta === 0) for (let i = 0; i < a.c.length; i++) a.c[i] += 0 * before[i];
      },
    }],
    ["embedding adds into out instead of overwriting it", "embedding", {
      embedding: (a) => {
        const fresh = new Float32Array(a.out.length);
        base.embedding({ ...a, out: fresh });
        for (let i = 0; i < a.n * a.c; i++) a.out[i] += fresh[i];
      },
    }],
    ["attention ignores the causal mask", "attention", { attention: (a) => base.attention({ ...a, causal: false }) }],
    ["attention reads kv head h % Hkv instead of ⌊h·Hkv/H⌋", "attention", {
      attention: (a) => {
        // Permuting the query heads so that head h is served by kv head h % Hkv is the classic GQA mix-up.
        if (a.hKv === 1 || a.hKv === a.h) return base.attention(a);
        const g = a.h / a.hKv;
        const perm = Array.from({ length: a.h }, (_, h) => (h % a.hKv) * g + Math.floor(h / a.hKv));
        const q = new Float32Array(a.q.length);
        const inner = a.d;
        for (let row = 0; row < a.b * a.t; row++) {
          for (let h = 0; h < a.h; h++) q.set(a.q.subarray((row * a.h + h) * inner, (row * a.h + h + 1) * inner), (row * a.h + perm[h]) * inner);
        }
        const out = new Float32Array(a.out.length);
        base.attention({ ...a, q, out });
        for (let row = 0; row < a.b * a.t; row++) {
          for (let h = 0; h < a.h; h++) a.out.set(out.subarray((row * a.h + perm[h]) * inner, (row * a.h + perm[h] + 1) * inner), (row * a.h + h) * inner);
        }
      },
    }],
    ["crossEntropyBackward overwrites instead of accumulating", "crossEntropyBackward", { crossEntropyBackward: (a) => { a.dLogits.fill(0, 0, a.n * a.v); base.crossEntropyBackward(a); } }],
    ["softmax writes one past its output", "softmax", { softmax: (a) => { base.softmax(a); new Float32Array(a.out.buffer, a.out.byteOffset, a.out.length + 1)[a.out.length] = 0; } }],
    ["rope swaps the pairings", "rope", { rope: (a) => base.rope({ ...a, pairing: a.pairing === "half" ? "adjacent" : "half" }) }],
    ["bf16 conversion truncates instead of rounding", "f32ToHalf", {
      f32ToHalf: (a) => {
        if (a.kind === "f16") return base.f32ToHalf(a);
        const bits = new Uint32Array(a.src.buffer, a.src.byteOffset, a.src.length);
        for (let i = 0; i < bits.length; i++) a.out[i] = bits[i] >>> 16;
      },
    }],
    ["layerNorm drops the bias", "layerNorm", { layerNorm: (a) => base.layerNorm({ ...a, bias: null }) }],
    ["sumSquares in f32", "sumSquares", { sumSquares: (a) => a.x.reduce((s, x) => Math.fround(s + x * x), 0) }],
    ["adamw modifies grad", "adamw", { adamw: (a) => { base.adamw(a); a.grad[0] += 1; } }],
  ];
  for (const [what, op, patch] of bugs) {
    const results = runConformance(broken(patch), base, { filter: (o) => o === op });
    assert.ok(results.length > 0);
    assert.ok(results.some((r) => !r.passed), `the suite did not catch: ${what}`);
  }
});
