// The no-tape forward pass for inference: prefill (T tokens in chunks) and a one-token decode step over
// preallocated scratch, calling backend kernels directly (llama2.c's forward() with RunState). The decode step
// allocates nothing: its kernel arguments are built once per state and only positions change.
// Not here: autograd or training (models/decoder.ts), sampling (sampler.ts), the cache layout (kv-cache.ts).
import type { ActivationArgs, AttentionArgs, Backend, GemmArgs, Kernels, LayerNormArgs, QuantMatmulArgs, RmsNormArgs, RopeArgs, SwigluArgs } from "../engine/ops.js";
import { loadAddon, createNativeBackend } from "../engine/backends/native/index.js";
import { headDim } from "../models/config.js";
import { KotodamaError } from "../util/errors.js";
import type { KvCache } from "./kv-cache.js";
import type { InferLayer, InferWeights, Matrix, NormWeights } from "./weights.js";

type F32 = Float32Array;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The kernels the hot loop calls. For the native backend these are the addon's own entry points, which check
 *  every length in C (memory-safe) but skip the JS validation layer that allocates per call; the ref backend
 *  keeps its validation. */
export function inferKernels(backend: Backend): Kernels {
  if (backend.name !== "native") return backend;
  const r = loadAddon();
  return r.ok ? createNativeBackend(r.addon) : backend;
}

/** A prebuilt normalization call. */
type NormCall = { readonly kind: "rms"; readonly args: RmsNormArgs } | { readonly kind: "layer"; readonly args: LayerNormArgs };

/** One projection: out (n, nOut) = x (n, k) · Wᵀ (+ bias), or out += that when accumulating (residual adds).
 *  f32 weights go through gemm (beta 1 folds the residual or a pre-filled bias in); quantized rows through
 *  quantMatmul (into tmp when accumulating, then added). */
interface MatCall {
  readonly gemm: GemmArgs | null;
  readonly quant: QuantMatmulArgs | null;
  readonly out: F32;
  readonly bias: F32 | null;
  readonly accumulate: boolean;
  readonly tmp: F32;
  readonly n: number;
  readonly nOut: number;
}

function matCall(w: Matrix, x: F32, out: F32, n: number, nOut: number, k: number, bias: F32 | null, accumulate: boolean, tmp: F32): MatCall {
  const common = { out, bias, accumulate, tmp, n, nOut };
  if (w instanceof Float32Array) return { ...common, gemm: gemmArgs(x, w, out, n, nOut, k, accumulate || bias !== null ? 1 : 0), quant: null };
  return { ...common, gemm: null, quant: { type: w.type, x, w: w.bytes, n, k, nOut, out: accumulate ? tmp : out } };
}

function runMat(k: Kernels, m: MatCall): void {
  if (m.gemm !== null) {
    if (m.bias !== null) {
      if (m.accumulate) addRows(m.out, m.bias, m.n);
      else fillRows(m.out, m.bias, m.n);
    }
    k.gemm(m.gemm);
    return;
  }
  k.quantMatmul(m.quant!);
  if (m.accumulate) {
    const o = m.out, t = m.tmp;
    for (let i = 0, len = m.n * m.nOut; i < len; i++) o[i]! += t[i]!;
  }
  if (m.bias !== null) addRows(m.out, m.bias, m.n);
}

/** Arguments of one layer's decode step, built once (only attention's cache fields change per token). */
interface DecodeLayer {
  readonly norm1: NormCall;
  readonly norm2: NormCall;
  readonly qkv: MatCall;
  readonly rope: RopeArgs | null;
  readonly attn: Mutable<AttentionArgs>;
  readonly o: MatCall;
  readonly up: MatCall;
  readonly down: MatCall;
}

/** Scratch of one forward stream (RunState). Holds up to `maxRows` tokens per prefill chunk. */
export interface InferState {
  readonly weights: InferWeights;
  readonly kernels: Kernels;
  readonly maxRows: number;
  readonly x: F32; // (maxRows, C) residual stream
  readonly xb: F32; // (maxRows, C) normalized
  readonly q: F32; // (maxRows, H·D)
  readonly att: F32; // (maxRows, H·D)
  readonly gate: F32; // (maxRows, F)
  readonly up: F32; // (maxRows, F)
  readonly hb: F32; // (maxRows, F)
  readonly mean: F32; // (maxRows)
  readonly rstd: F32; // (maxRows)
  readonly lse: F32; // (H, maxRows)
  readonly positions: Int32Array; // (maxRows)
  readonly qkv1: F32; // ((H + 2·Hkv)·D) decode only
  readonly up1: F32; // (2F) decode only
  readonly logits: F32; // (V) last position
  readonly decode: readonly DecodeLayer[];
  readonly act1: { readonly kind: "swiglu"; readonly args: SwigluArgs } | { readonly kind: "gelu"; readonly args: ActivationArgs };
  readonly normF1: NormCall;
  readonly lmHead1: MatCall;
  readonly tmp: F32; // (maxRows, max(C, V)) quantized projections that accumulate
  readonly qkvK: F32; // views of qkv1
  readonly qkvV: F32;
}

const gemmArgs = (a: F32, b: F32, c: F32, m: number, n: number, k: number, beta: number): GemmArgs => ({
  transA: false, transB: true, m, n, k, alpha: 1, beta, a, lda: k, strideA: 0, b, ldb: k, strideB: 0, c, ldc: n, strideC: 0, batch: 1,
});

/** Scratch for a model; prefill chunks hold up to maxRows tokens (default 128). */
export function createInferState(weights: InferWeights, backend: Backend, maxRows = 128): InferState {
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new KotodamaError(`createInferState: maxRows must be a positive integer, got ${maxRows}`);
  const c = weights.config;
  const C = c.dim, H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), F = c.hiddenDim, V = c.vocabSize;
  const qd = H * D, kv = Hkv * D;
  const kernels = inferKernels(backend);
  const x = new Float32Array(maxRows * C);
  const xb = new Float32Array(maxRows * C);
  const att = new Float32Array(maxRows * qd);
  const hb = new Float32Array(maxRows * F);
  const lse = new Float32Array(H * maxRows);
  const positions = new Int32Array(maxRows);
  const qkv1 = new Float32Array(qd + 2 * kv);
  const up1 = new Float32Array(2 * F);
  const logits = new Float32Array(V);
  const x1 = x.subarray(0, C), xb1 = xb.subarray(0, C), att1 = att.subarray(0, qd), hb1 = hb.subarray(0, F);
  const swiglu = c.mlp === "swiglu";
  const mean = new Float32Array(maxRows), rstd = new Float32Array(maxRows);
  const tmp = new Float32Array(maxRows * C);
  const normCall = (w: NormWeights, x: F32): NormCall =>
    c.norm === "rms"
      ? { kind: "rms", args: { x, weight: w.weight, n: 1, c: C, eps: c.normEps, out: xb1, rstd } }
      : { kind: "layer", args: { x, weight: w.weight, bias: w.bias, n: 1, c: C, eps: c.normEps, out: xb1, mean, rstd } };
  const decode = weights.layers.map((w): DecodeLayer => ({
    norm1: normCall(w.norm1, x1),
    norm2: normCall(w.norm2, x1),
    qkv: matCall(w.wqkv, xb1, qkv1, 1, qd + 2 * kv, C, w.bqkv, false, tmp),
    rope: c.pos === "rope"
      ? { x: qkv1.subarray(0, qd + kv), b: 1, t: 1, h: H + Hkv, d: D, rotaryDim: D, pairing: c.ropePairing, theta: c.ropeTheta, positions, out: qkv1.subarray(0, qd + kv) }
      : null,
    attn: {
      q: qkv1.subarray(0, qd), k: new Float32Array(0), v: new Float32Array(0), b: 1, t: 1, s: 1, h: H, hKv: Hkv, d: D,
      kvBatchStride: 0, causal: true, scale: 1 / Math.sqrt(D), out: att1, lse: lse.subarray(0, H),
    },
    o: matCall(w.wo, att1, x1, 1, C, qd, w.bo, true, tmp),
    up: matCall(w.wUp, xb1, up1.subarray(0, swiglu ? 2 * F : F), 1, swiglu ? 2 * F : F, C, w.bUp, false, tmp),
    down: matCall(w.wDown, hb1, x1, 1, C, F, w.bDown, true, tmp),
  }));
  return {
    weights, kernels, maxRows, x, xb, q: new Float32Array(maxRows * qd), att, gate: new Float32Array(maxRows * F),
    up: new Float32Array(maxRows * F), hb, mean, rstd, lse, positions,
    qkv1, up1, logits, decode, lmHead1: matCall(weights.lmHead, xb1, logits, 1, V, C, null, false, tmp), tmp,
    act1: swiglu
      ? { kind: "swiglu", args: { gate: up1.subarray(0, F), up: up1.subarray(F), out: hb1 } }
      : { kind: "gelu", args: { kind: "gelu", x: up1.subarray(0, F), out: hb1 } },
    normF1: normCall(weights.normF, x1),
    qkvK: qkv1.subarray(qd, qd + kv),
    qkvV: qkv1.subarray(qd + kv),
  };
}

/** out (n, C) = norm(x) for RMSNorm or LayerNorm. */
function norm(s: InferState, w: NormWeights, x: F32, out: F32, n: number): void {
  const c = s.weights.config;
  if (c.norm === "rms") s.kernels.rmsNorm({ x, weight: w.weight, n, c: c.dim, eps: c.normEps, out, rstd: s.rstd });
  else s.kernels.layerNorm({ x, weight: w.weight, bias: w.bias, n, c: c.dim, eps: c.normEps, out, mean: s.mean, rstd: s.rstd });
}

/** Writes rows t < n of x (n, width) := bias (for a following gemm with beta = 1). */
function fillRows(x: F32, bias: F32, n: number): void {
  for (let t = 0; t < n; t++) x.set(bias, t * bias.length);
}

/** x (n, C) += bias per row. */
function addRows(x: F32, bias: F32, n: number): void {
  const w = bias.length;
  for (let t = 0; t < n; t++) for (let i = 0; i < w; i++) x[t * w + i]! += bias[i]!;
}

function runNorm(k: Kernels, n: NormCall): void {
  if (n.kind === "rms") k.rmsNorm(n.args);
  else k.layerNorm(n.args);
}

/** Row t of x := embedding row of id (+ learned position row pos). */
function embedRow(s: InferState, id: number, t: number, pos: number): void {
  const { embed: E, posEmbed: P, config } = s.weights;
  const C = config.dim, V = config.vocabSize;
  if (!Number.isInteger(id) || id < 0 || id >= V) throw new KotodamaError(`forward: token id ${id} is outside the vocabulary [0, ${V})`);
  const o = id * C, xo = t * C;
  if (P === null) for (let i = 0; i < C; i++) s.x[xo + i] = E[o + i]!;
  else for (let i = 0, po = pos * C; i < C; i++) s.x[xo + i] = E[o + i]! + P[po + i]!;
}

/** x (n, C) := embedding rows of ids (+ learned position rows). */
function embed(s: InferState, ids: ArrayLike<number>, from: number, n: number, pos0: number): void {
  for (let t = 0; t < n; t++) embedRow(s, ids[from + t]!, t, pos0 + t);
}

function checkRoom(s: InferState, cache: KvCache, n: number): void {
  const end = cache.length + n;
  if (end > cache.capacity) throw new KotodamaError(`forward: ${end} positions exceed the KV cache's capacity of ${cache.capacity}`);
  if (s.weights.posEmbed !== null && end > s.weights.config.context) {
    throw new KotodamaError(`forward: ${end} positions exceed the model's context of ${s.weights.config.context} (learned positions end there)`);
  }
  const c = s.weights.config;
  if (cache.k.length !== c.nLayers || cache.kvDim !== c.nKvHeads * headDim(c)) {
    throw new KotodamaError("forward: the KV cache was made for a different model");
  }
}

/** One token at position cache.length: writes its keys/values to the cache, returns the logits (V) in
 *  state.logits (overwritten by the next call). No allocation. */
export function decodeStep(s: InferState, cache: KvCache, id: number): F32 {
  checkRoom(s, cache, 1);
  const pos = cache.length;
  const k = s.kernels, w = s.weights;
  const kv = cache.kvDim;
  embedRow(s, id, 0, pos);
  s.positions[0] = pos;
  for (let l = 0; l < w.layers.length; l++) {
    const a = s.decode[l]!;
    runNorm(k, a.norm1);
    runMat(k, a.qkv);
    if (a.rope !== null) k.rope(a.rope);
    cache.k[l]!.set(s.qkvK, pos * kv);
    cache.v[l]!.set(s.qkvV, pos * kv);
    a.attn.k = cache.k[l]!;
    a.attn.v = cache.v[l]!;
    a.attn.kvBatchStride = cache.capacity * kv;
    a.attn.s = pos + 1;
    k.attention(a.attn);
    runMat(k, a.o);
    runNorm(k, a.norm2);
    runMat(k, a.up);
    if (s.act1.kind === "swiglu") k.swiglu(s.act1.args);
    else k.activation(s.act1.args);
    runMat(k, a.down);
  }
  runNorm(k, s.normF1);
  runMat(k, s.lmHead1);
  cache.length = pos + 1;
  return s.logits;
}

/** Runs one layer over n rows at positions cache.length … + n − 1 (prefill). */
function layerRows(s: InferState, cache: KvCache, l: number, L: InferLayer, n: number): void {
  const k = s.kernels, c = s.weights.config;
  const C = c.dim, H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), F = c.hiddenDim;
  const qd = H * D, kv = Hkv * D, p0 = cache.length;
  const kc = cache.k[l]!, vc = cache.v[l]!;
  const kRows = kc.subarray(p0 * kv, (p0 + n) * kv), vRows = vc.subarray(p0 * kv, (p0 + n) * kv);
  norm(s, L.norm1, s.x, s.xb, n);
  const proj = (w: Matrix, b: F32 | null, out: F32, width: number): void => runMat(k, matCall(w, s.xb, out, n, width, C, b, false, s.tmp));
  proj(L.wq, L.bq, s.q, qd);
  proj(L.wk, L.bk, kRows, kv);
  proj(L.wv, L.bv, vRows, kv);
  if (c.pos === "rope") {
    const r = { b: 1, t: n, d: D, rotaryDim: D, pairing: c.ropePairing, theta: c.ropeTheta, positions: s.positions };
    k.rope({ ...r, x: s.q, h: H, out: s.q });
    k.rope({ ...r, x: kRows, h: Hkv, out: kRows });
  }
  k.attention({
    q: s.q, k: kc, v: vc, b: 1, t: n, s: p0 + n, h: H, hKv: Hkv, d: D, kvBatchStride: cache.capacity * kv, causal: true,
    scale: 1 / Math.sqrt(D), out: s.att, lse: s.lse,
  });
  runMat(k, matCall(L.wo, s.att, s.x, n, C, qd, L.bo, true, s.tmp));
  norm(s, L.norm2, s.x, s.xb, n);
  proj(L.wUpOnly, L.bUpOnly, s.up, F);
  if (c.mlp === "swiglu") {
    proj(L.wGate!, L.bGate, s.gate, F);
    k.swiglu({ gate: s.gate.subarray(0, n * F), up: s.up.subarray(0, n * F), out: s.hb.subarray(0, n * F) });
  } else {
    k.activation({ kind: "gelu", x: s.up.subarray(0, n * F), out: s.hb.subarray(0, n * F) });
  }
  runMat(k, matCall(L.wDown, s.hb, s.x, n, C, F, L.bDown, true, s.tmp));
}

/** Receives the logits (V) of position `pos` (a view, valid only during the call). */
export type LogitsSink = (pos: number, logits: F32) => void;

/** Feeds ids[from … to) at positions cache.length …, in chunks of state.maxRows. Returns the logits of the
 *  last token (state.logits). With `sink`, every position's logits are computed and passed to it in order. */
export function prefill(s: InferState, cache: KvCache, ids: ArrayLike<number>, sink?: LogitsSink, from = 0, to = ids.length): F32 {
  const total = to - from;
  if (total < 1) throw new KotodamaError("prefill: no tokens to feed");
  checkRoom(s, cache, total);
  if (total === 1 && sink === undefined) return decodeStep(s, cache, ids[from]!);
  const w = s.weights, c = w.config, C = c.dim, V = c.vocabSize;
  let allLogits: F32 | null = null;
  for (let at = from; at < to; at += s.maxRows) {
    const n = Math.min(s.maxRows, to - at);
    const p0 = cache.length;
    embed(s, ids, at, n, p0);
    for (let t = 0; t < n; t++) s.positions[t] = p0 + t;
    for (let l = 0; l < w.layers.length; l++) layerRows(s, cache, l, w.layers[l]!, n);
    cache.length = p0 + n;
    const last = at + n === to;
    if (sink !== undefined) {
      allLogits ??= new Float32Array(s.maxRows * V);
      norm(s, w.normF, s.x, s.xb, n);
      runMat(s.kernels, matCall(w.lmHead, s.xb, allLogits, n, V, C, null, false, s.tmp));
      for (let t = 0; t < n; t++) sink(p0 + t, allLogits.subarray(t * V, (t + 1) * V));
      if (last) s.logits.set(allLogits.subarray((n - 1) * V, n * V));
    } else if (last) {
      s.x.copyWithin(0, (n - 1) * C, n * C);
      runNorm(s.kernels, s.normF1);
      runMat(s.kernels, s.lmHead1);
    }
  }
  return s.logits;
}
