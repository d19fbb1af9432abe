// Bad arguments to withValidation(ref) throw ShapeError naming the op, the argument, its size/shape and what
// was expected; good arguments pass through unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../util/errors.js";
import { createRefBackend } from "./backends/ref/index.js";
import { OP_NAMES, type AttentionArgs, type GemmArgs } from "./ops.js";
import { VALIDATORS, withValidation } from "./validate.js";

const be = withValidation(createRefBackend());
const z = (n: number): Float32Array => new Float32Array(n);

/** fn throws a ShapeError whose message matches every pattern. */
function throwsShape(fn: () => unknown, ...patterns: (RegExp | string)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ShapeError, `expected a ShapeError, got ${String(e)}`);
    for (const p of patterns) {
      const ok = typeof p === "string" ? e.message.includes(p) : p.test(e.message);
      assert.ok(ok, `message ${JSON.stringify(e.message)} lacks ${String(p)}`);
    }
    return true;
  });
}

const gemm = (over: Partial<GemmArgs>): GemmArgs => ({
  transA: false, transB: false, m: 3, n: 2, k: 5, alpha: 1, beta: 0, batch: 1,
  a: z(15), lda: 5, strideA: 0, b: z(10), ldb: 2, strideB: 0, c: z(6), ldc: 2, strideC: 0, ...over,
});

test("validate: every op has a validator", () => {
  assert.deepEqual(Object.keys(VALIDATORS).sort(), [...OP_NAMES].sort());
});

test("validate: gemm sizes, leading dims, strides, dtypes and aliasing", () => {
  be.gemm(gemm({})); // valid
  throwsShape(() => be.gemm(gemm({ a: z(12) })), "gemm: a has 12 elements, expected at least 15 for m=3 k=5 (transA=false, lda=5)");
  be.gemm(gemm({ transA: true, lda: 3 })); // a stored 5×3: 4·3 + 3 = 15 elements fit
  throwsShape(() => be.gemm(gemm({ transA: true, lda: 4, a: z(18) })), "gemm: a has 18 elements, expected at least 19 for m=3 k=5 (transA=true, lda=4)");
  throwsShape(() => be.gemm(gemm({ k: 6 })), "gemm:", "lda=5 is less than 6");
  throwsShape(() => be.gemm(gemm({ b: z(8) })), "gemm: b has 8 elements, expected at least 10 for k=5 n=2");
  throwsShape(() => be.gemm(gemm({ ldc: 1 })), "ldc=1 is less than n=2");
  throwsShape(() => be.gemm(gemm({ m: 0 })), "gemm: m must be a positive integer, got 0");
  throwsShape(() => be.gemm(gemm({ n: 2.5 })), "n must be a positive integer, got 2.5");
  throwsShape(() => be.gemm(gemm({ alpha: NaN })), "gemm: alpha must be a finite number, got NaN");
  throwsShape(() => be.gemm(gemm({ batch: 2, strideA: 15, a: z(29) })), "a has 29 elements, expected at least 30", "batch=2 stride=15");
  throwsShape(() => be.gemm(gemm({ batch: 2, strideC: 3, c: z(12) })), "strideC=3 makes the 2 outputs overlap");
  throwsShape(() => be.gemm(gemm({ a: new Float64Array(15) as unknown as Float32Array })), "gemm: a must be a Float32Array, got Float64Array");
  const buf = z(30);
  throwsShape(() => be.gemm(gemm({ a: buf.subarray(0, 15), c: buf.subarray(10, 16) })), "gemm: c overlaps a");
  be.gemm(gemm({ bias: z(2) })); // a bias of n elements
  throwsShape(() => be.gemm(gemm({ bias: z(1) })), "gemm: bias has 1 elements, expected at least 2 for n=2");
  throwsShape(() => be.gemm(gemm({ bias: z(2), beta: 1 })), "gemm: bias needs beta=0 (C starts from the bias rows), got beta=1");
  throwsShape(() => be.gemm(gemm({ bias: buf.subarray(20, 22), c: buf.subarray(16, 22) })), "gemm: c overlaps bias");
});

test("validate: broadcasting and shapes", () => {
  throwsShape(
    () => be.binary({ op: "add", a: z(6), aShape: [2, 3], b: z(4), bShape: [4], out: z(6), outShape: [2, 3] }),
    "binary: cannot broadcast a (2, 3) with b (4,)",
  );
  throwsShape(
    () => be.binary({ op: "add", a: z(6), aShape: [2, 3], b: z(3), bShape: [3], out: z(12), outShape: [4, 3] }),
    "outShape (4, 3) must equal the broadcast of a (2, 3) and b (3,), which is (2, 3)",
  );
  throwsShape(() => be.binary({ op: "add", a: z(5), aShape: [2, 3], b: z(3), bShape: [3], out: z(6), outShape: [2, 3] }), "binary: a has 5 elements, expected at least 6 for aShape (2, 3)");
  throwsShape(() => be.binary({ op: "pow" as "add", a: z(1), aShape: [1], b: z(1), bShape: [1], out: z(1), outShape: [1] }), 'binary: op must be one of "add"');
  const a = z(6);
  be.binary({ op: "add", a, aShape: [2, 3], b: z(3), bShape: [3], out: a, outShape: [2, 3] }); // in place: allowed
  throwsShape(() => be.binary({ op: "mul", a: z(3), aShape: [3], b: a.subarray(0, 3), bShape: [3], out: a.subarray(1, 4), outShape: [3] }), "binary: out overlaps b in memory");
  throwsShape(() => be.broadcast({ x: z(2), xShape: [2], out: z(6), outShape: [2, 3] }), "broadcast: cannot broadcast x (2,) to outShape (2, 3)");
  throwsShape(() => be.reduce({ op: "sum", x: z(6), shape: [2, 3], axes: [2], out: z(6) }), "reduce: axes (2,): axis 2 is out of range for shape (2, 3)");
  throwsShape(() => be.reduce({ op: "sum", x: z(6), shape: [2, 3], axes: [1, 0], out: z(6) }), "must be sorted and distinct");
  throwsShape(() => be.permute({ x: z(6), shape: [2, 3], perm: [0, 0], out: z(6) }), "permute: perm (0, 0) must be a permutation of 0…1 for shape (2, 3)");
  throwsShape(() => be.reduce({ op: "sum", x: z(6), shape: [2, 0], axes: [], out: z(6) }), "reduce: shape (2, 0) must have positive integer dims");
});

test("validate: short arrays and length mismatches in row and pointwise ops", () => {
  throwsShape(
    () => be.layerNorm({ x: z(10), weight: z(4), bias: null, n: 3, c: 4, eps: 1e-5, out: z(12), mean: z(3), rstd: z(3) }),
    "layerNorm: x has 10 elements, expected at least 12 for (N, C) = (3, 4)",
  );
  throwsShape(() => be.rmsNorm({ x: z(12), weight: z(3), n: 3, c: 4, eps: 1e-5, out: z(12), rstd: z(3) }), "rmsNorm: weight has 3 elements, expected at least 4 for C=4");
  throwsShape(() => be.rmsNorm({ x: z(12), weight: z(4), n: 3, c: 4, eps: -1, out: z(12), rstd: z(3) }), "rmsNorm: eps must be ≥ 0, got -1");
  throwsShape(() => be.swiglu({ gate: z(4), up: z(5), out: z(4) }), "swiglu: up has 5 elements, expected 4 (the length of gate)");
  throwsShape(() => be.unary({ op: "exp", x: z(4), out: z(3), scalar: 0 }), "unary: out has 3 elements, expected 4");
  throwsShape(() => be.unary({ op: "scale", x: z(4), out: z(4), scalar: Infinity }), "unary: scalar must be a finite number, got Infinity");
  const x = z(8);
  throwsShape(() => be.softmax({ x, n: 2, c: 4, out: x }), "softmax: out overlaps x");
  throwsShape(() => be.halfToF32({ kind: "f8" as "f16", src: new Uint16Array(2), out: z(2) }), 'halfToF32: kind must be one of "f16", "bf16", got "f8"');
  throwsShape(() => be.f32ToHalf({ kind: "f16", src: z(2), out: new Int16Array(2) as unknown as Uint16Array }), "f32ToHalf: out must be a Uint16Array, got Int16Array");
});

test("validate: rope rotaryDim, pairing and theta", () => {
  const base = { x: z(16), out: z(16), b: 1, t: 2, h: 2, d: 4, pairing: "half" as const, theta: 10000, positions: new Int32Array([0, 1]) };
  be.rope({ ...base, rotaryDim: 2 });
  throwsShape(() => be.rope({ ...base, rotaryDim: 3 }), "rope: rotaryDim must be an even integer in [2, D=4], got 3");
  throwsShape(() => be.rope({ ...base, rotaryDim: 6 }), "rotaryDim must be an even integer in [2, D=4], got 6");
  throwsShape(() => be.rope({ ...base, rotaryDim: 4, pairing: "neox" as "half" }), 'rope: pairing must be one of "adjacent", "half"');
  throwsShape(() => be.rope({ ...base, rotaryDim: 4, theta: NaN }), "rope: theta must be a finite number, got NaN");
  throwsShape(() => be.rope({ ...base, rotaryDim: 4, positions: new Int32Array(1) }), "rope: positions has 1 elements, expected at least 2 for T=2");
  throwsShape(() => be.ropeBackward({ dOut: z(15), dx: z(16), b: 1, t: 2, h: 2, d: 4, rotaryDim: 4, pairing: "adjacent", theta: 1e4, positions: new Int32Array(2) }), "ropeBackward: dOut has 15 elements, expected at least 16 for (B, T, H, D) = (1, 2, 2, 4)");
});

test("validate: attention heads, causal lengths, kvBatchStride", () => {
  const att = (over: Partial<AttentionArgs>): AttentionArgs => ({
    b: 2, t: 3, s: 5, h: 4, hKv: 2, d: 8, kvBatchStride: 5 * 2 * 8, causal: true, scale: 0.35,
    q: z(2 * 3 * 4 * 8), k: z(2 * 5 * 2 * 8), v: z(2 * 5 * 2 * 8), out: z(2 * 3 * 4 * 8), lse: z(2 * 4 * 3), ...over,
  });
  be.attention(att({}));
  throwsShape(() => be.attention(att({ h: 6, hKv: 4 })), "attention: h=6 must be a multiple of hKv=4");
  throwsShape(() => be.attention(att({ kvBatchStride: 79 })), "attention: kvBatchStride=79 must be an integer ≥ S·Hkv·D = 5·2·8 = 80");
  throwsShape(() => be.attention(att({ kvBatchStride: 100 })), "attention: k has 160 elements, expected at least 180 for (B, S, Hkv, D) = (2, 5, 2, 8) with kvBatchStride=100");
  throwsShape(() => be.attention(att({ t: 6, q: z(2 * 6 * 32), out: z(2 * 6 * 32), lse: z(48) })), "attention: causal attention needs t ≤ s", "t=6 s=5");
  throwsShape(() => be.attention(att({ lse: z(23) })), "attention: lse has 23 elements, expected at least 24 for (B, H, T) = (2, 4, 3)");
  throwsShape(() => be.attention(att({ scale: Infinity })), "attention: scale must be a finite number");
});

test("validate: attention window and softcap, swiglu act, rope freqFactors (the optional fields)", () => {
  const att = (over: Partial<AttentionArgs>): AttentionArgs => ({
    b: 1, t: 3, s: 5, h: 2, hKv: 1, d: 4, kvBatchStride: 20, causal: true, scale: 0.5,
    q: z(24), k: z(20), v: z(20), out: z(24), lse: z(6), ...over,
  });
  be.attention(att({ window: 0, softcap: 0 }));
  be.attention(att({ window: 2, softcap: 50 }));
  throwsShape(() => be.attention(att({ window: -1 })), "attention: window must be a non-negative integer, got -1");
  throwsShape(() => be.attention(att({ window: 2.5 })), "attention: window must be a non-negative integer, got 2.5");
  throwsShape(() => be.attention(att({ softcap: -1 })), "attention: softcap must be ≥ 0 (0 = off), got -1");
  throwsShape(() => be.attention(att({ softcap: NaN })), "attention: softcap must be a finite number, got NaN");
  const bwd = { dOut: z(24), q: z(24), k: z(20), v: z(20), out: z(24), lse: z(6), b: 1, t: 3, s: 5, h: 2, hKv: 1, d: 4, kvBatchStride: 20, causal: true, scale: 0.5, dq: z(24), dk: z(20), dv: z(20) };
  throwsShape(() => be.attentionBackward({ ...bwd, softcap: Infinity }), "attentionBackward: softcap must be a finite number, got Infinity");
  throwsShape(() => be.attentionBackward({ ...bwd, window: NaN }), "attentionBackward: window must be a non-negative integer");
  // segments: Int32 ids (B, S), at least B·S of them, queries the last T ≤ S positions; null = absent
  be.attention(att({ segments: new Int32Array([0, 0, 1, 1, 1]) }));
  be.attention(att({ segments: null }));
  be.attentionBackward({ ...bwd, segments: new Int32Array([4, 4, 4, 9, 9]) });
  throwsShape(() => be.attention(att({ segments: new Int32Array(4) })), "attention: segments has 4 elements, expected at least 5 for (B, S) = (1, 5)");
  throwsShape(() => be.attentionBackward({ ...bwd, segments: new Int32Array(3) }), "attentionBackward: segments has 3 elements, expected at least 5");
  throwsShape(() => be.attention(Object.assign(att({}), { segments: new Float32Array(5) })), "attention: segments must be a Int32Array, got Float32Array");
  throwsShape(
    () => be.attention(att({ t: 6, causal: false, q: z(48), out: z(48), lse: z(12), segments: new Int32Array(5) })),
    "attention: segments need t ≤ s", "got t=6 s=5",
  );

  be.swiglu({ gate: z(4), up: z(4), out: z(4), act: "gelu" });
  throwsShape(() => be.swiglu({ gate: z(4), up: z(4), out: z(4), act: "relu" as "gelu" }), 'swiglu: act must be one of "gelu", "silu", got "relu"');
  throwsShape(() => be.swigluBackward({ act: "tanh" as "silu", dOut: z(4), gate: z(4), up: z(4), dGate: z(4), dUp: z(4) }), 'swigluBackward: act must be one of "gelu", "silu"');

  const rope = { x: z(16), out: z(16), b: 1, t: 2, h: 2, d: 4, rotaryDim: 4, pairing: "half" as const, theta: 10000, positions: new Int32Array([0, 1]) };
  be.rope({ ...rope, freqFactors: new Float32Array([1, 8]) });
  be.rope({ ...rope, freqFactors: null });
  throwsShape(() => be.rope({ ...rope, freqFactors: new Float32Array(3) }), "rope: freqFactors has 3 elements, expected rotaryDim/2 = 2 (one per rotated pair)");
  throwsShape(() => be.rope({ ...rope, freqFactors: new Float32Array([1, 0]) }), "rope: freqFactors[1] = 0 must be a finite number > 0");
  throwsShape(() => be.rope({ ...rope, freqFactors: new Float32Array([NaN, 1]) }), "rope: freqFactors[0] = NaN must be a finite number > 0");
  const out = z(16).fill(1);
  throwsShape(() => be.rope({ ...rope, out, freqFactors: out.subarray(0, 2) }), "rope: out overlaps freqFactors");
  const dx = z(16);
  throwsShape(() => be.ropeBackward({ ...rope, dOut: z(16), dx, freqFactors: new Float32Array([-2, 1]) }), "ropeBackward: freqFactors[0] = -2 must be");
});

test("validate: id and target ranges, ignoreIndex", () => {
  const emb = { weight: z(20), n: 3, c: 4, v: 5, out: z(12) };
  be.embedding({ ...emb, ids: new Int32Array([0, 4, 2]) });
  throwsShape(() => be.embedding({ ...emb, ids: new Int32Array([0, 4, 10]) }), "embedding: ids[2] = 10 is outside [0, V=5)");
  throwsShape(() => be.embedding({ ...emb, ids: new Int32Array([-1, 0, 0]) }), "embedding: ids[0] = -1 is outside [0, V=5)");
  throwsShape(() => be.embeddingBackward({ dOut: z(12), dWeight: z(20), n: 3, c: 4, v: 5, ids: new Int32Array([5, 0, 0]) }), "embeddingBackward: ids[0] = 5");
  const ce = { logits: z(6), n: 2, v: 3, losses: z(2), lse: z(2) };
  be.crossEntropy({ ...ce, targets: new Int32Array([2, -100]), ignoreIndex: -100 }); // ignored: fine
  throwsShape(
    () => be.crossEntropy({ ...ce, targets: new Int32Array([3, 0]), ignoreIndex: -100 }),
    "crossEntropy: targets[0] = 3 is outside [0, V=3) and is not ignoreIndex (-100)",
  );
  throwsShape(() => be.crossEntropy({ ...ce, targets: new Int32Array([0, -100]), ignoreIndex: -1 }), "targets[1] = -100");
  throwsShape(() => be.crossEntropy({ ...ce, targets: new Int32Array([0, 1]), ignoreIndex: 0.5 }), "crossEntropy: ignoreIndex must be an integer");
  throwsShape(() => be.crossEntropy({ ...ce, targets: new Float32Array(2) as unknown as Int32Array, ignoreIndex: -1 }), "crossEntropy: targets must be a Int32Array, got Float32Array");
});

test("validate: adamw hyper-parameters and lengths", () => {
  const ok = { param: z(4), grad: z(4), m: z(4), v: z(4), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 1 };
  be.adamw(ok);
  throwsShape(() => be.adamw({ ...ok, lr: NaN }), "adamw: lr must be a finite number, got NaN");
  throwsShape(() => be.adamw({ ...ok, lr: -1 }), "adamw: lr must be ≥ 0, got -1");
  throwsShape(() => be.adamw({ ...ok, step: 0 }), "adamw: step must be an integer ≥ 1 (bias correction), got 0");
  throwsShape(() => be.adamw({ ...ok, beta2: 1 }), "adamw: beta2 must be in [0, 1), got 1");
  throwsShape(() => be.adamw({ ...ok, m: z(3) }), "adamw: m has 3 elements, expected 4 (the length of param)");
  throwsShape(() => be.adamw({ ...ok, grad: ok.param }), "adamw: param overlaps grad");
});

test("validate: a missing argument object is a ShapeError, not a TypeError", () => {
  throwsShape(() => (be.sumSquares as (a: unknown) => number)(undefined), "sumSquares: expected an argument object");
});

test("validate: valid calls give exactly the raw kernel's results", () => {
  const raw = createRefBackend();
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([0.5, -1, 2, 3, 1, 0]);
  const c1 = new Float32Array(4);
  const c2 = new Float32Array(4);
  const args = (c: Float32Array): GemmArgs => ({ transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, beta: 0, batch: 1, a, lda: 3, strideA: 0, b, ldb: 2, strideB: 0, c, ldc: 2, strideC: 0 });
  raw.gemm(args(c1));
  be.gemm(args(c2));
  assert.deepEqual(c2, c1);
  assert.equal(be.sumSquares({ x: a }), 91);
  assert.equal(be.name, "ref");
  assert.equal(be.threads(), 1);
});
