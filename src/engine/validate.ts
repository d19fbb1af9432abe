// Argument validation for every op of the table, and withValidation(backend), which checks then calls a kernel.
// Not here: the kernels. Checks are O(1) per call except the id/target range scans (O(N) over Int32 ids).
//
// Every failure is a ShapeError whose message names the op, the offending argument with its size or shape,
// and what was expected, e.g. "gemm: a has 12 elements, expected at least 15 for m=3 k=5 (transA=false, lda=5)".

import { broadcastShapes, numel, sameShape } from "./backends/ref/shape.js";
import type { Backend, Kernel, Kernels, OpArgs, OpName } from "./ops.js";
import { QUANT_MATMUL_BLOCKS, quantRowBytes } from "./quant-blocks.js";
import { allDisjoint, atLeast, bool, dim, disjoint, f32, fail, finite, fmt, i32, isKind, nonNegInt, sameLength, shape, typed } from "./validateChecks.js";

// ---- per-op validators ----------------------------------------------------------------------------------

/** Elements needed for a stored (rows × cols, leading dim ld) matrix repeated `batch` times `stride` apart. */
const matrixNeed = (batch: number, stride: number, rows: number, cols: number, ld: number): number => (batch - 1) * stride + (rows - 1) * ld + cols;

function gemm(g: OpArgs["gemm"]): void {
  const op = "gemm";
  bool(op, "transA", g.transA);
  bool(op, "transB", g.transB);
  dim(op, "m", g.m);
  dim(op, "n", g.n);
  dim(op, "k", g.k);
  dim(op, "batch", g.batch);
  finite(op, "alpha", g.alpha);
  finite(op, "beta", g.beta);
  for (const s of ["strideA", "strideB", "strideC", "lda", "ldb", "ldc"] as const) nonNegInt(op, s, g[s]);
  const [aRows, aCols] = g.transA ? [g.k, g.m] : [g.m, g.k];
  const [bRows, bCols] = g.transB ? [g.n, g.k] : [g.k, g.n];
  if (g.lda < aCols) fail(op, `lda=${g.lda} is less than ${aCols}, the row length of a (${aRows}×${aCols} stored, transA=${g.transA})`);
  if (g.ldb < bCols) fail(op, `ldb=${g.ldb} is less than ${bCols}, the row length of b (${bRows}×${bCols} stored, transB=${g.transB})`);
  if (g.ldc < g.n) fail(op, `ldc=${g.ldc} is less than n=${g.n}`);
  const batchNote = (s: number): string => (g.batch > 1 ? ` batch=${g.batch} stride=${s}` : "");
  f32(op, "a", g.a, matrixNeed(g.batch, g.strideA, aRows, aCols, g.lda), () => `m=${g.m} k=${g.k} (transA=${g.transA}, lda=${g.lda}${batchNote(g.strideA)})`);
  f32(op, "b", g.b, matrixNeed(g.batch, g.strideB, bRows, bCols, g.ldb), () => `k=${g.k} n=${g.n} (transB=${g.transB}, ldb=${g.ldb}${batchNote(g.strideB)})`);
  f32(op, "c", g.c, matrixNeed(g.batch, g.strideC, g.m, g.n, g.ldc), () => `m=${g.m} n=${g.n} (ldc=${g.ldc}${batchNote(g.strideC)})`);
  const cSize = (g.m - 1) * g.ldc + g.n;
  if (g.batch > 1 && g.strideC < cSize) fail(op, `strideC=${g.strideC} makes the ${g.batch} outputs overlap, expected at least ${cSize} for m=${g.m} n=${g.n} ldc=${g.ldc}`);
  if (g.bias != null) {
    f32(op, "bias", g.bias, g.n, () => `n=${g.n}`);
    if (g.beta !== 0) fail(op, `bias needs beta=0 (C starts from the bias rows), got beta=${g.beta}`);
    allDisjoint(op, [["c", g.c]], [["a", g.a], ["b", g.b], ["bias", g.bias]]);
  } else allDisjoint(op, [["c", g.c]], [["a", g.a], ["b", g.b]]);
}

const BINARY_KINDS = ["add", "sub", "mul", "div", "max", "min"] as const;
function binary(x: OpArgs["binary"]): void {
  const op = "binary";
  isKind(op, "op", x.op, BINARY_KINDS);
  shape(op, "aShape", x.aShape);
  shape(op, "bShape", x.bShape);
  shape(op, "outShape", x.outShape);
  const bc = broadcastShapes(x.aShape, x.bShape);
  if (bc === null) fail(op, `cannot broadcast a ${fmt(x.aShape)} with b ${fmt(x.bShape)} (${x.op})`);
  if (!sameShape(bc, x.outShape)) fail(op, `outShape ${fmt(x.outShape)} must equal the broadcast of a ${fmt(x.aShape)} and b ${fmt(x.bShape)}, which is ${fmt(bc)}`);
  f32(op, "a", x.a, numel(x.aShape), () => `aShape ${fmt(x.aShape)}`);
  f32(op, "b", x.b, numel(x.bShape), () => `bShape ${fmt(x.bShape)}`);
  f32(op, "out", x.out, numel(x.outShape), () => `outShape ${fmt(x.outShape)}`);
  disjoint(op, "out", x.out, "a", x.a, sameShape(x.aShape, x.outShape));
  disjoint(op, "out", x.out, "b", x.b, sameShape(x.bShape, x.outShape));
}

const UNARY_KINDS = ["neg", "exp", "log", "sqrt", "rsqrt", "abs", "square", "recip", "tanh", "sigmoid", "relu", "scale", "addScalar", "powScalar"] as const;
function unary(x: OpArgs["unary"]): void {
  const op = "unary";
  isKind(op, "op", x.op, UNARY_KINDS);
  finite(op, "scalar", x.scalar);
  typed(op, "x", x.x, Float32Array);
  typed(op, "out", x.out, Float32Array);
  sameLength(op, "out", x.out, "x", x.x);
  disjoint(op, "out", x.out, "x", x.x, true);
}

function reduce(x: OpArgs["reduce"]): void {
  const op = "reduce";
  isKind(op, "op", x.op, ["sum", "mean", "max", "min"] as const);
  shape(op, "shape", x.shape);
  if (!Array.isArray(x.axes)) fail(op, `axes must be an array, got ${String(x.axes)}`);
  x.axes.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= x.shape.length) fail(op, `axes ${fmt(x.axes)}: axis ${String(a)} is out of range for shape ${fmt(x.shape)}`);
    if (i > 0 && a <= x.axes[i - 1]) fail(op, `axes ${fmt(x.axes)} must be sorted and distinct`);
  });
  const outShape = x.shape.map((d, i) => (x.axes.includes(i) ? 1 : d));
  f32(op, "x", x.x, numel(x.shape), () => `shape ${fmt(x.shape)}`);
  f32(op, "out", x.out, numel(outShape), () => `shape ${fmt(x.shape)} reduced over axes ${fmt(x.axes)} = ${fmt(outShape)}`);
  disjoint(op, "out", x.out, "x", x.x);
}

function broadcast(x: OpArgs["broadcast"]): void {
  const op = "broadcast";
  shape(op, "xShape", x.xShape);
  shape(op, "outShape", x.outShape);
  const bc = broadcastShapes(x.xShape, x.outShape);
  if (bc === null || !sameShape(bc, x.outShape)) fail(op, `cannot broadcast x ${fmt(x.xShape)} to outShape ${fmt(x.outShape)}`);
  f32(op, "x", x.x, numel(x.xShape), () => `xShape ${fmt(x.xShape)}`);
  f32(op, "out", x.out, numel(x.outShape), () => `outShape ${fmt(x.outShape)}`);
  disjoint(op, "out", x.out, "x", x.x);
}

function permute(x: OpArgs["permute"]): void {
  const op = "permute";
  shape(op, "shape", x.shape);
  const r = x.shape.length;
  const seen = new Set(x.perm);
  if (!Array.isArray(x.perm) || x.perm.length !== r || seen.size !== r || x.perm.some((p) => !Number.isInteger(p) || p < 0 || p >= r)) {
    fail(op, `perm ${fmt(x.perm)} must be a permutation of 0…${r - 1} for shape ${fmt(x.shape)}`);
  }
  f32(op, "x", x.x, numel(x.shape), () => `shape ${fmt(x.shape)}`);
  f32(op, "out", x.out, numel(x.shape), () => `shape ${fmt(x.shape)} permuted by ${fmt(x.perm)}`);
  disjoint(op, "out", x.out, "x", x.x);
}

/** Every ids[i], i < n, lies in [0, v) (or equals `ignore` when given). */
function idsInRange(op: string, name: string, ids: Int32Array, n: number, v: number, ignore: number | null): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if ((id < 0 || id >= v) && id !== ignore) {
      fail(op, `${name}[${i}] = ${id} is outside [0, V=${v})${ignore === null ? "" : ` and is not ignoreIndex (${ignore})`}`);
    }
  }
}

function embeddingSizes(op: string, x: { n: number; c: number; v: number; ids: Int32Array }): void {
  dim(op, "n", x.n);
  dim(op, "c", x.c);
  dim(op, "v", x.v);
  i32(op, "ids", x.ids, x.n, () => `n=${x.n}`);
  idsInRange(op, "ids", x.ids, x.n, x.v, null);
}
function embedding(x: OpArgs["embedding"]): void {
  const op = "embedding";
  embeddingSizes(op, x);
  f32(op, "weight", x.weight, x.v * x.c, () => `(V, C) = (${x.v}, ${x.c})`);
  f32(op, "out", x.out, x.n * x.c, () => `(N, C) = (${x.n}, ${x.c})`);
  disjoint(op, "out", x.out, "weight", x.weight);
}
function embeddingBackward(x: OpArgs["embeddingBackward"]): void {
  const op = "embeddingBackward";
  embeddingSizes(op, x);
  f32(op, "dOut", x.dOut, x.n * x.c, () => `(N, C) = (${x.n}, ${x.c})`);
  f32(op, "dWeight", x.dWeight, x.v * x.c, () => `(V, C) = (${x.v}, ${x.c})`);
  disjoint(op, "dWeight", x.dWeight, "dOut", x.dOut);
}

/** Sizes shared by the row-wise (N, C) ops. */
function rows(op: string, n: number, c: number): () => string {
  dim(op, "n", n);
  dim(op, "c", c);
  return () => `(N, C) = (${n}, ${c})`;
}

function layerNorm(x: OpArgs["layerNorm"]): void {
  const op = "layerNorm";
  const nc = rows(op, x.n, x.c);
  finite(op, "eps", x.eps);
  if (x.eps < 0) fail(op, `eps must be ≥ 0, got ${x.eps}`);
  f32(op, "x", x.x, x.n * x.c, nc);
  f32(op, "weight", x.weight, x.c, () => `C=${x.c}`);
  if (x.bias !== null) f32(op, "bias", x.bias, x.c, () => `C=${x.c}`);
  f32(op, "out", x.out, x.n * x.c, nc);
  f32(op, "mean", x.mean, x.n, () => `N=${x.n}`);
  f32(op, "rstd", x.rstd, x.n, () => `N=${x.n}`);
  allDisjoint(op, [["out", x.out], ["mean", x.mean], ["rstd", x.rstd]], [["x", x.x], ["weight", x.weight], ["bias", x.bias]]);
}
function layerNormBackward(x: OpArgs["layerNormBackward"]): void {
  const op = "layerNormBackward";
  const nc = rows(op, x.n, x.c);
  f32(op, "dOut", x.dOut, x.n * x.c, nc);
  f32(op, "x", x.x, x.n * x.c, nc);
  f32(op, "weight", x.weight, x.c, () => `C=${x.c}`);
  f32(op, "mean", x.mean, x.n, () => `N=${x.n}`);
  f32(op, "rstd", x.rstd, x.n, () => `N=${x.n}`);
  f32(op, "dx", x.dx, x.n * x.c, nc);
  f32(op, "dWeight", x.dWeight, x.c, () => `C=${x.c}`);
  if (x.dBias !== null) f32(op, "dBias", x.dBias, x.c, () => `C=${x.c}`);
  allDisjoint(op, [["dx", x.dx], ["dWeight", x.dWeight], ["dBias", x.dBias]], [["dOut", x.dOut], ["x", x.x], ["weight", x.weight], ["mean", x.mean], ["rstd", x.rstd]]);
}

function rmsNorm(x: OpArgs["rmsNorm"]): void {
  const op = "rmsNorm";
  const nc = rows(op, x.n, x.c);
  finite(op, "eps", x.eps);
  if (x.eps < 0) fail(op, `eps must be ≥ 0, got ${x.eps}`);
  f32(op, "x", x.x, x.n * x.c, nc);
  f32(op, "weight", x.weight, x.c, () => `C=${x.c}`);
  f32(op, "out", x.out, x.n * x.c, nc);
  f32(op, "rstd", x.rstd, x.n, () => `N=${x.n}`);
  allDisjoint(op, [["out", x.out], ["rstd", x.rstd]], [["x", x.x], ["weight", x.weight]]);
}
function rmsNormBackward(x: OpArgs["rmsNormBackward"]): void {
  const op = "rmsNormBackward";
  const nc = rows(op, x.n, x.c);
  f32(op, "dOut", x.dOut, x.n * x.c, nc);
  f32(op, "x", x.x, x.n * x.c, nc);
  f32(op, "weight", x.weight, x.c, () => `C=${x.c}`);
  f32(op, "rstd", x.rstd, x.n, () => `N=${x.n}`);
  f32(op, "dx", x.dx, x.n * x.c, nc);
  f32(op, "dWeight", x.dWeight, x.c, () => `C=${x.c}`);
  allDisjoint(op, [["dx", x.dx], ["dWeight", x.dWeight]], [["dOut", x.dOut], ["x", x.x], ["weight", x.weight], ["rstd", x.rstd]]);
}

function softmax(x: OpArgs["softmax"]): void {
  const op = "softmax";
  const nc = rows(op, x.n, x.c);
  f32(op, "x", x.x, x.n * x.c, nc);
  f32(op, "out", x.out, x.n * x.c, nc);
  disjoint(op, "out", x.out, "x", x.x);
}
function softmaxBackward(x: OpArgs["softmaxBackward"]): void {
  const op = "softmaxBackward";
  const nc = rows(op, x.n, x.c);
  f32(op, "dOut", x.dOut, x.n * x.c, nc);
  f32(op, "y", x.y, x.n * x.c, nc);
  f32(op, "dx", x.dx, x.n * x.c, nc);
  allDisjoint(op, [["dx", x.dx]], [["dOut", x.dOut], ["y", x.y]]);
}

const ACTIVATIONS = ["gelu", "silu"] as const;
function activation(x: OpArgs["activation"]): void {
  const op = "activation";
  isKind(op, "kind", x.kind, ACTIVATIONS);
  typed(op, "x", x.x, Float32Array);
  typed(op, "out", x.out, Float32Array);
  sameLength(op, "out", x.out, "x", x.x);
  disjoint(op, "out", x.out, "x", x.x);
}
function activationBackward(x: OpArgs["activationBackward"]): void {
  const op = "activationBackward";
  isKind(op, "kind", x.kind, ACTIVATIONS);
  for (const [n, a] of [["dOut", x.dOut], ["x", x.x], ["dx", x.dx]] as const) typed(op, n, a, Float32Array);
  sameLength(op, "dOut", x.dOut, "x", x.x);
  sameLength(op, "dx", x.dx, "x", x.x);
  allDisjoint(op, [["dx", x.dx]], [["dOut", x.dOut], ["x", x.x]]);
}

function swiglu(x: OpArgs["swiglu"]): void {
  const op = "swiglu";
  if (x.act !== undefined) isKind(op, "act", x.act, ACTIVATIONS);
  for (const [n, a] of [["gate", x.gate], ["up", x.up], ["out", x.out]] as const) typed(op, n, a, Float32Array);
  sameLength(op, "up", x.up, "gate", x.gate);
  sameLength(op, "out", x.out, "gate", x.gate);
  allDisjoint(op, [["out", x.out]], [["gate", x.gate], ["up", x.up]]);
}
function swigluBackward(x: OpArgs["swigluBackward"]): void {
  const op = "swigluBackward";
  if (x.act !== undefined) isKind(op, "act", x.act, ACTIVATIONS);
  for (const [n, a] of [["dOut", x.dOut], ["gate", x.gate], ["up", x.up], ["dGate", x.dGate], ["dUp", x.dUp]] as const) {
    typed(op, n, a, Float32Array);
    sameLength(op, n, a, "gate", x.gate);
  }
  allDisjoint(op, [["dGate", x.dGate], ["dUp", x.dUp]], [["dOut", x.dOut], ["gate", x.gate], ["up", x.up]]);
}

/** Checks shared by rope and its backward; returns the (B, T, H, D) description. */
function ropeCommon(op: string, x: OpArgs["ropeBackward"] | OpArgs["rope"]): () => string {
  dim(op, "b", x.b);
  dim(op, "t", x.t);
  dim(op, "h", x.h);
  dim(op, "d", x.d);
  if (!Number.isInteger(x.rotaryDim) || x.rotaryDim < 2 || x.rotaryDim % 2 !== 0 || x.rotaryDim > x.d) {
    fail(op, `rotaryDim must be an even integer in [2, D=${x.d}], got ${String(x.rotaryDim)}`);
  }
  isKind(op, "pairing", x.pairing, ["adjacent", "half"] as const);
  finite(op, "theta", x.theta);
  if (x.theta <= 0) fail(op, `theta must be > 0, got ${x.theta}`);
  i32(op, "positions", x.positions, x.t, () => `T=${x.t}`);
  const ff = x.freqFactors;
  if (ff !== undefined && ff !== null) {
    typed(op, "freqFactors", ff, Float32Array);
    if (ff.length !== x.rotaryDim / 2) fail(op, `freqFactors has ${ff.length} elements, expected rotaryDim/2 = ${x.rotaryDim / 2} (one per rotated pair)`);
    for (let i = 0; i < ff.length; i++) {
      if (!Number.isFinite(ff[i]) || ff[i] <= 0) fail(op, `freqFactors[${i}] = ${ff[i]} must be a finite number > 0 (it divides the pair's frequency)`);
    }
  }
  return () => `(B, T, H, D) = (${x.b}, ${x.t}, ${x.h}, ${x.d})`;
}
function rope(x: OpArgs["rope"]): void {
  const op = "rope";
  const bthd = ropeCommon(op, x);
  const size = x.b * x.t * x.h * x.d;
  f32(op, "x", x.x, size, bthd);
  f32(op, "out", x.out, size, bthd);
  disjoint(op, "out", x.out, "x", x.x, true);
  if (x.freqFactors) disjoint(op, "out", x.out, "freqFactors", x.freqFactors);
}
function ropeBackward(x: OpArgs["ropeBackward"]): void {
  const op = "ropeBackward";
  const bthd = ropeCommon(op, x);
  const size = x.b * x.t * x.h * x.d;
  f32(op, "dOut", x.dOut, size, bthd);
  f32(op, "dx", x.dx, size, bthd);
  disjoint(op, "dx", x.dx, "dOut", x.dOut);
  if (x.freqFactors) disjoint(op, "dx", x.dx, "freqFactors", x.freqFactors);
}

/** Checks shared by attention and its backward; returns the sizes of q-shaped and kv-shaped arrays. */
function attentionCommon(op: string, x: OpArgs["attention"] | OpArgs["attentionBackward"]): { qSize: number; kvSize: number; qWhy: () => string; kvWhy: () => string } {
  for (const s of ["b", "t", "s", "h", "hKv", "d"] as const) dim(op, s, x[s]);
  if (x.h % x.hKv !== 0) fail(op, `h=${x.h} must be a multiple of hKv=${x.hKv} (grouped-query heads)`);
  bool(op, "causal", x.causal);
  if (x.causal && x.t > x.s) fail(op, `causal attention needs t ≤ s (queries are the last t of s positions), got t=${x.t} s=${x.s}`);
  finite(op, "scale", x.scale);
  // Optional: absent = 0 = off. A window counts positions (Mistral sliding_window, Gemma sliding_window 4096);
  // softcap is Gemma 2's attn_logit_softcapping (50.0).
  if (x.window !== undefined) nonNegInt(op, "window", x.window);
  if (x.softcap !== undefined) {
    finite(op, "softcap", x.softcap);
    if (x.softcap < 0) fail(op, `softcap must be ≥ 0 (0 = off), got ${x.softcap}`);
  }
  // Document masking: one id per position of each of the B rows of S; the queries are a row's last T positions.
  if (x.segments !== undefined && x.segments !== null) {
    i32(op, "segments", x.segments, x.b * x.s, () => `(B, S) = (${x.b}, ${x.s})`);
    if (x.t > x.s) fail(op, `segments need t ≤ s (queries are the last t of the s positions), got t=${x.t} s=${x.s}`);
  }
  const kvItem = x.s * x.hKv * x.d;
  if (!Number.isSafeInteger(x.kvBatchStride) || x.kvBatchStride < kvItem) {
    fail(op, `kvBatchStride=${String(x.kvBatchStride)} must be an integer ≥ S·Hkv·D = ${x.s}·${x.hKv}·${x.d} = ${kvItem}`);
  }
  return {
    qSize: x.b * x.t * x.h * x.d,
    kvSize: (x.b - 1) * x.kvBatchStride + kvItem,
    qWhy: () => `(B, T, H, D) = (${x.b}, ${x.t}, ${x.h}, ${x.d})`,
    kvWhy: () => `(B, S, Hkv, D) = (${x.b}, ${x.s}, ${x.hKv}, ${x.d}) with kvBatchStride=${x.kvBatchStride}`,
  };
}
function attention(x: OpArgs["attention"]): void {
  const op = "attention";
  const { qSize, kvSize, qWhy, kvWhy } = attentionCommon(op, x);
  f32(op, "q", x.q, qSize, qWhy);
  f32(op, "k", x.k, kvSize, kvWhy);
  f32(op, "v", x.v, kvSize, kvWhy);
  attentionVarlen(op, x);
  f32(op, "out", x.out, qSize, qWhy);
  f32(op, "lse", x.lse, x.b * x.h * x.t, () => `(B, H, T) = (${x.b}, ${x.h}, ${x.t})`);
  allDisjoint(op, [["out", x.out], ["lse", x.lse]], [["q", x.q], ["k", x.k], ["v", x.v], ["segments", x.segments ?? null], ["seqLens", x.seqLens ?? null], ["kvRows", x.kvRows ?? null]]);
}
/** seqLens (each in [t, s] for causal, [1, s] otherwise) and kvRows (each slot within k and v) of batched decoding. */
function attentionVarlen(op: string, x: OpArgs["attention"]): void {
  const lens = x.seqLens ?? null, rows = x.kvRows ?? null;
  if (lens === null && rows === null) return;
  if (x.segments !== undefined && x.segments !== null) fail(op, "seqLens and kvRows do not combine with segments");
  if (lens !== null) {
    i32(op, "seqLens", lens, x.b, () => `(B) = (${x.b})`);
    const lo = x.causal ? x.t : 1;
    for (let i = 0; i < x.b; i++) if (lens[i]! < lo || lens[i]! > x.s) fail(op, `seqLens[${i}]=${lens[i]} must lie in [${lo}, s=${x.s}]`);
  }
  if (rows !== null) {
    i32(op, "kvRows", rows, x.b, () => `(B) = (${x.b})`);
    const item = x.s * x.hKv * x.d, have = Math.min(x.k.length, x.v.length);
    for (let i = 0; i < x.b; i++) {
      if (rows[i]! < 0 || rows[i]! * x.kvBatchStride + item > have) fail(op, `kvRows[${i}]=${rows[i]}: its slot ends past k/v (${have} elements, kvBatchStride=${x.kvBatchStride})`);
    }
  }
}
function attentionBackward(x: OpArgs["attentionBackward"]): void {
  const op = "attentionBackward";
  const { qSize, kvSize, qWhy, kvWhy } = attentionCommon(op, x);
  f32(op, "dOut", x.dOut, qSize, qWhy);
  f32(op, "q", x.q, qSize, qWhy);
  f32(op, "k", x.k, kvSize, kvWhy);
  f32(op, "v", x.v, kvSize, kvWhy);
  f32(op, "out", x.out, qSize, qWhy);
  f32(op, "lse", x.lse, x.b * x.h * x.t, () => `(B, H, T) = (${x.b}, ${x.h}, ${x.t})`);
  f32(op, "dq", x.dq, qSize, qWhy);
  f32(op, "dk", x.dk, kvSize, kvWhy);
  f32(op, "dv", x.dv, kvSize, kvWhy);
  allDisjoint(
    op,
    [["dq", x.dq], ["dk", x.dk], ["dv", x.dv]],
    [["dOut", x.dOut], ["q", x.q], ["k", x.k], ["v", x.v], ["out", x.out], ["lse", x.lse], ["segments", x.segments ?? null]],
  );
}

function crossEntropyCommon(op: string, x: OpArgs["crossEntropy"] | OpArgs["crossEntropyBackward"]): void {
  dim(op, "n", x.n);
  dim(op, "v", x.v);
  if (!Number.isSafeInteger(x.ignoreIndex)) fail(op, `ignoreIndex must be an integer, got ${String(x.ignoreIndex)}`);
  f32(op, "logits", x.logits, x.n * x.v, () => `(N, V) = (${x.n}, ${x.v})`);
  i32(op, "targets", x.targets, x.n, () => `N=${x.n}`);
  idsInRange(op, "targets", x.targets, x.n, x.v, x.ignoreIndex);
  f32(op, "lse", x.lse, x.n, () => `N=${x.n}`);
}
function crossEntropy(x: OpArgs["crossEntropy"]): void {
  const op = "crossEntropy";
  crossEntropyCommon(op, x);
  f32(op, "losses", x.losses, x.n, () => `N=${x.n}`);
  allDisjoint(op, [["losses", x.losses], ["lse", x.lse]], [["logits", x.logits]]);
}
function crossEntropyBackward(x: OpArgs["crossEntropyBackward"]): void {
  const op = "crossEntropyBackward";
  crossEntropyCommon(op, x);
  f32(op, "dLosses", x.dLosses, x.n, () => `N=${x.n}`);
  f32(op, "dLogits", x.dLogits, x.n * x.v, () => `(N, V) = (${x.n}, ${x.v})`);
  allDisjoint(op, [["dLogits", x.dLogits]], [["logits", x.logits], ["lse", x.lse], ["dLosses", x.dLosses]]);
}

function adamw(x: OpArgs["adamw"]): void {
  const op = "adamw";
  for (const s of ["lr", "beta1", "beta2", "eps", "weightDecay"] as const) finite(op, s, x[s]);
  if (x.lr < 0) fail(op, `lr must be ≥ 0, got ${x.lr}`);
  if (x.beta1 < 0 || x.beta1 >= 1) fail(op, `beta1 must be in [0, 1), got ${x.beta1}`);
  if (x.beta2 < 0 || x.beta2 >= 1) fail(op, `beta2 must be in [0, 1), got ${x.beta2}`);
  if (x.eps <= 0) fail(op, `eps must be > 0, got ${x.eps}`);
  if (x.weightDecay < 0) fail(op, `weightDecay must be ≥ 0, got ${x.weightDecay}`);
  if (!Number.isSafeInteger(x.step) || x.step < 1) fail(op, `step must be an integer ≥ 1 (bias correction), got ${String(x.step)}`);
  for (const [n, a] of [["param", x.param], ["grad", x.grad], ["m", x.m], ["v", x.v]] as const) {
    typed(op, n, a, Float32Array);
    sameLength(op, n, a, "param", x.param);
  }
  allDisjoint(op, [["param", x.param], ["m", x.m], ["v", x.v]], [["grad", x.grad]]);
}

function sumSquares(x: OpArgs["sumSquares"]): void {
  typed("sumSquares", "x", x.x, Float32Array);
}

const HALF_KINDS = ["f16", "bf16"] as const;
function halfToF32(x: OpArgs["halfToF32"]): void {
  const op = "halfToF32";
  isKind(op, "kind", x.kind, HALF_KINDS);
  typed(op, "src", x.src, Uint16Array);
  typed(op, "out", x.out, Float32Array);
  sameLength(op, "out", x.out, "src", x.src);
  disjoint(op, "out", x.out, "src", x.src);
}
function f32ToHalf(x: OpArgs["f32ToHalf"]): void {
  const op = "f32ToHalf";
  isKind(op, "kind", x.kind, HALF_KINDS);
  typed(op, "src", x.src, Float32Array);
  typed(op, "out", x.out, Uint16Array);
  sameLength(op, "out", x.out, "src", x.src);
  disjoint(op, "out", x.out, "src", x.src);
}

const QUANT_TYPES = ["q8_0", "q4_0", "q4_k", "q6_k"] as const;
const QUANT_ACTIVATIONS = ["f32", "q8"] as const;
/** The type and sizes quantMatmul and quantMatmulT share; returns the bytes of one W row. */
function quantDims(op: string, x: OpArgs["quantMatmulT"] | OpArgs["quantMatmul"]): number {
  isKind(op, "type", x.type, QUANT_TYPES);
  dim(op, "n", x.n);
  dim(op, "k", x.k);
  dim(op, "nOut", x.nOut);
  const bs = QUANT_MATMUL_BLOCKS[x.type].blockSize;
  if (x.k % bs !== 0) fail(op, `k=${x.k} is not a multiple of the ${x.type} block size ${bs} (rows are whole blocks)`);
  return quantRowBytes(x.type, x.k);
}
function quantMatmul(x: OpArgs["quantMatmul"]): void {
  const op = "quantMatmul";
  if (x.activations !== undefined) isKind(op, "activations", x.activations, QUANT_ACTIVATIONS);
  const rowBytes = quantDims(op, x);
  f32(op, "x", x.x, x.n * x.k, () => `(N, K) = (${x.n}, ${x.k})`);
  atLeast(op, "w", x.w, Uint8Array, x.nOut * rowBytes, () => `nOut=${x.nOut} rows of K=${x.k} ${x.type} weights (${rowBytes} bytes each)`);
  f32(op, "out", x.out, x.n * x.nOut, () => `(N, Nout) = (${x.n}, ${x.nOut})`);
  allDisjoint(op, [["out", x.out]], [["x", x.x], ["w", x.w]]);
}

function quantMatmulT(x: OpArgs["quantMatmulT"]): void {
  const op = "quantMatmulT";
  const rowBytes = quantDims(op, x);
  f32(op, "dy", x.dy, x.n * x.nOut, () => `(N, Nout) = (${x.n}, ${x.nOut})`);
  atLeast(op, "w", x.w, Uint8Array, x.nOut * rowBytes, () => `nOut=${x.nOut} rows of K=${x.k} ${x.type} weights (${rowBytes} bytes each)`);
  f32(op, "out", x.out, x.n * x.k, () => `(N, K) = (${x.n}, ${x.k})`);
  allDisjoint(op, [["out", x.out]], [["dy", x.dy], ["w", x.w]]);
}

/** The validator of every op: throws ShapeError on bad arguments, returns nothing otherwise. */
export const VALIDATORS: { readonly [K in OpName]: (args: OpArgs[K]) => void } = {
  gemm,
  binary,
  unary,
  reduce,
  broadcast,
  permute,
  embedding,
  embeddingBackward,
  layerNorm,
  layerNormBackward,
  rmsNorm,
  rmsNormBackward,
  softmax,
  softmaxBackward,
  activation,
  activationBackward,
  swiglu,
  swigluBackward,
  rope,
  ropeBackward,
  attention,
  attentionBackward,
  crossEntropy,
  crossEntropyBackward,
  adamw,
  sumSquares,
  halfToF32,
  f32ToHalf,
  quantMatmul,
  quantMatmulT,
};

/** Validates `args` for op `name` (throws ShapeError), without running anything. */
export function validateOp<K extends OpName>(name: K, args: OpArgs[K]): void {
  if (typeof args !== "object" || args === null) fail(name, `expected an argument object, got ${String(args)}`);
  const check: (a: OpArgs[K]) => void = VALIDATORS[name];
  check(args);
}

/** A backend whose every kernel validates its arguments first, then calls raw's kernel. */
export function withValidation(raw: Backend): Backend {
  const table: Kernels = raw; // the mapped type lets raw[name] be typed Kernel<K> for a generic K
  const wrap = <K extends OpName>(name: K): Kernel<K> => {
    const kernel: Kernel<K> = table[name];
    return (args: OpArgs[K]) => {
      validateOp(name, args);
      return kernel(args);
    };
  };
  return {
    name: raw.name,
    threads: () => raw.threads(),
    setThreads: (n: number) => raw.setThreads(n),
    gemm: wrap("gemm"),
    binary: wrap("binary"),
    unary: wrap("unary"),
    reduce: wrap("reduce"),
    broadcast: wrap("broadcast"),
    permute: wrap("permute"),
    embedding: wrap("embedding"),
    embeddingBackward: wrap("embeddingBackward"),
    layerNorm: wrap("layerNorm"),
    layerNormBackward: wrap("layerNormBackward"),
    rmsNorm: wrap("rmsNorm"),
    rmsNormBackward: wrap("rmsNormBackward"),
    softmax: wrap("softmax"),
    softmaxBackward: wrap("softmaxBackward"),
    activation: wrap("activation"),
    activationBackward: wrap("activationBackward"),
    swiglu: wrap("swiglu"),
    swigluBackward: wrap("swigluBackward"),
    rope: wrap("rope"),
    ropeBackward: wrap("ropeBackward"),
    attention: wrap("attention"),
    attentionBackward: wrap("attentionBackward"),
    crossEntropy: wrap("crossEntropy"),
    crossEntropyBackward: wrap("crossEntropyBackward"),
    adamw: wrap("adamw"),
    sumSquares: wrap("sumSquares"),
    halfToF32: wrap("halfToF32"),
    f32ToHalf: wrap("f32ToHalf"),
    quantMatmul: wrap("quantMatmul"),
    quantMatmulT: wrap("quantMatmulT"),
  };
}
