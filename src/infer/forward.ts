// The no-tape forward pass for inference, for every family: one layer body over n rows at the KV caches' next
// positions, so that a prompt's prefill (n ≤ maxRows per chunk), a decode step (n = 1) and a batched decode step
// (n = B rows of B sequences, each with its own cache and position) are the same code (llama2.c's single
// forward()), calling backend kernels directly over preallocated scratch (RunState). A tracer,
// when given, sees every named intermediate and, on request, the attention maps; absent, it costs nothing.
// Not here: autograd or training (models/decoder.ts), sampling (sampler.ts), the cache layout (kv-cache.ts), which
// sequence holds which cache (slots.ts).
//
// x = embed[ids] (· √C) (+ pos)                                                     (n, C)
// per layer: h = norm1(x); q|k|v = h·Wqkvᵀ (+b); q,k = rope(qkNorm(q,k)); k,v → cache
//            a = attention(q, cache; window, softcap)·Woᵀ (+b);  x += postAttnNorm(a)
//            m = down(act(gate) ⊙ up)(norm2(x));                 x += postFfnNorm(m)
// logits = softcap(lmHead · normF(x))                                                (n, V)
import type { Backend, GemmArgs, Kernels, QuantMatmulArgs } from "../engine/ops.js";
import { alignedF32, unvalidated } from "../engine/backend.js";
import { attnScaleOf, headDim, isGated, isSlidingLayer, kvDim, qDim, ropeDims } from "../models/config.js";
import { KotodamaError } from "../util/errors.js";
import type { KvCache, KvSlab } from "./kv-cache.js";
import { tensorValues } from "../models/load.js";
import { matrixRows, type InferLayer, type InferWeights, type Matrix, type MatrixParts, type NormWeights } from "./weights.js";

type F32 = Float32Array;

/** The kernels the hot loop calls: engine.unvalidated (the addon's own entry points check every length in C;
 *  the ref backend keeps its validation). */
export const inferKernels = (backend: Backend): Kernels => unvalidated(backend);

/** Sees named intermediates during a forward: `record(name, data, shape)` with a view valid only during the call.
 *  Names: embed, layers.{l}.attn_in, .q, .k (after RoPE), .attn (heads' outputs), .attn_out (post-normed, with
 *  postNorms), .ffn_in, .ffn_out (with postNorms), .out, final_norm, logits; with
 *  `attention: true` also layers.{l}.attn_probs (H, n, S), the softmax the fused kernel never materializes. */
export interface InferTracer {
  readonly record: (name: string, data: F32, shape: readonly number[]) => void;
  readonly attention?: boolean;
}

/** Scratch of one forward stream (RunState). Holds up to `maxRows` tokens per chunk. */
export interface InferState {
  readonly weights: InferWeights;
  readonly kernels: Kernels;
  readonly maxRows: number;
  readonly tracer: InferTracer | null;
  readonly x: F32; // (maxRows, C) residual stream
  readonly xb: F32; // (maxRows, C) normalized
  readonly qkv: F32; // (maxRows, (H + 2·Hkv)·D) fused projection
  readonly qRaw: F32; // (maxRows, H·D) before the q norm
  readonly kRaw: F32; // (maxRows, Hkv·D) before the k norm
  readonly q: F32; // (maxRows, H·D)
  readonly k: F32; // (maxRows, Hkv·D) keys of several runs before they go to their caches
  readonly v: F32; // (maxRows, Hkv·D)
  readonly att: F32; // (maxRows, H·D)
  readonly up: F32; // (maxRows, 2F or F) fused gate|up projection
  readonly gate: F32; // (maxRows, F)
  readonly upPart: F32; // (maxRows, F)
  readonly hb: F32; // (maxRows, F)
  readonly side: F32; // (maxRows, C) a sublayer's output before its post-norm
  readonly sideNorm: F32; // (maxRows, C)
  readonly mean: F32; // (maxRows · H)
  readonly rstd: F32; // (maxRows · H)
  readonly lse: F32; // (H, maxRows)
  readonly positions: Int32Array; // (maxRows)
  readonly seqLens: Int32Array; // (maxRows) batched decode: each sequence's key count
  readonly kvRows: Int32Array; // (maxRows) batched decode: each sequence's slot in its KV slab
  readonly logits: F32; // (V) last position
  readonly tmp: F32; // quantized projections that accumulate
  readonly part: F32; // one row block of a MatrixParts projection
  /** Per layer, views of its fused q|k|v and gate|up rows (null where the layer stores MatrixParts), so that each
   *  projection writes straight into its own buffer instead of being copied out of a fused output row by row. */
  readonly splits: readonly LayerSplit[];
  /** Per-layer RoPE frequency factors (null = plain) and base. */
  readonly ropeOf: readonly { readonly theta: number; readonly freqFactors: F32 | null }[];
}

/** Row views (no copies) of one layer's fused matrices and their biases: q, k, v of wqkv; gate, up of a gated wUp. */
export interface LayerSplit {
  readonly qkv: readonly { readonly w: Matrix; readonly b: F32 | null }[] | null; // [q, k, v]
  readonly gateUp: readonly { readonly w: Matrix; readonly b: F32 | null }[] | null; // [gate, up]
}

/** The views of `blocks` consecutive row blocks of w (sizes in rows) with their bias slices; null for MatrixParts. */
function rowBlocks(w: Matrix | MatrixParts, b: F32 | null, cols: number, sizes: readonly number[]): { w: Matrix; b: F32 | null }[] | null {
  if (Array.isArray(w)) return null;
  let r0 = 0;
  return sizes.map((rows) => {
    const v = { w: matrixRows(w as Matrix, cols, r0, r0 + rows), b: b === null ? null : b.subarray(r0, r0 + rows) };
    r0 += rows;
    return v;
  });
}

/** Scratch for a model; chunks hold up to maxRows tokens (default 128). */
export function createInferState(weights: InferWeights, backend: Backend, maxRows = 128, tracer: InferTracer | null = null): InferState {
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new KotodamaError(`createInferState: maxRows must be a positive integer, got ${maxRows}`);
  const c = weights.config;
  const C = c.dim, H = c.nHeads, F = c.hiddenDim, V = c.vocabSize;
  const qd = qDim(c), kv = kvDim(c);
  const upW = isGated(c) ? 2 * F : F;
  const M = maxRows;
  // 64-byte-aligned scratch: the skinny GEMM of batched decode then reads xb, att and hb as they are, where a buffer
  // on a 16-byte boundary was copied to an aligned one per call (m·k floats, up to 45 KB, ~2,700 calls a rollout).
  const f = (n: number): F32 => alignedF32(n);
  return {
    weights, kernels: inferKernels(backend), maxRows, tracer,
    x: f(M * C), xb: f(M * C), qkv: f(M * (qd + 2 * kv)), qRaw: f(M * qd), kRaw: f(M * kv), q: f(M * qd), k: f(M * kv), v: f(M * kv), att: f(M * qd),
    up: f(M * upW), gate: f(M * F), upPart: f(M * F), hb: f(M * F), side: f(M * C), sideNorm: f(M * C),
    mean: f(M * H), rstd: f(M * H), lse: f(H * M), positions: new Int32Array(M), seqLens: new Int32Array(M), kvRows: new Int32Array(M), logits: f(V),
    tmp: f(M * Math.max(C, qd + 2 * kv, upW)),
    part: f(M * Math.max(qd + 2 * kv, upW)),
    splits: weights.layers.map((L) => ({
      qkv: rowBlocks(L.wqkv, L.bqkv, C, [qd, kv, kv]),
      gateUp: isGated(c) ? rowBlocks(L.wUp, L.bUp, C, [F, F]) : null,
    })),
    ropeOf: Array.from({ length: c.nLayers }, (_, l) => {
      const local = isSlidingLayer(c, l) && c.ropeThetaLocal > 0;
      return { theta: local ? c.ropeThetaLocal : c.ropeTheta, freqFactors: local ? null : weights.ropeFreqs };
    }),
  };
}

const gemmArgs = (a: F32, b: F32, c: F32, m: number, n: number, k: number, beta: number): GemmArgs => ({
  transA: false, transB: true, m, n, k, alpha: 1, beta, a, lda: k, strideA: 0, b, ldb: k, strideB: 0, c, ldc: n, strideC: 0, batch: 1,
});

/** out (n, nOut) = x (n, k) · Wᵀ (+ bias), or out += that when accumulating (residual adds). f32 weights go through
 *  gemm (beta 1 folds the residual or a pre-filled bias in); quantized rows through quantMatmul (into tmp when
 *  accumulating, then added). */
function project(s: InferState, w: Matrix, x: F32, out: F32, n: number, nOut: number, k: number, bias: F32 | null, accumulate: boolean): void {
  const K = s.kernels;
  if (w instanceof Float32Array) {
    if (bias !== null) {
      if (accumulate) addRows(out, bias, n);
      else for (let t = 0; t < n; t++) out.set(bias, t * nOut);
    }
    K.gemm(gemmArgs(x, w, out, n, nOut, k, accumulate || bias !== null ? 1 : 0));
    return;
  }
  const args: QuantMatmulArgs = { type: w.type, x, w: w.bytes, n, k, nOut, out: accumulate ? s.tmp : out };
  K.quantMatmul(args);
  if (accumulate) for (let i = 0, len = n * nOut; i < len; i++) out[i]! += s.tmp[i]!;
  if (bias !== null) addRows(out, bias, n);
}

/** out (n, nOut) = x · Wᵀ (+ bias) for a fused matrix, or for row blocks of different types (MatrixParts), each
 *  multiplied as stored into scratch and copied into its columns of out. */
function projectGroup(s: InferState, w: Matrix | MatrixParts, x: F32, out: F32, n: number, nOut: number, k: number, bias: F32 | null): void {
  if (!Array.isArray(w)) return project(s, w as Matrix, x, out, n, nOut, k, bias, false);
  let c0 = 0;
  for (const part of w as MatrixParts) {
    const rows = part instanceof Float32Array ? part.length / k : part.rows;
    project(s, part, x, s.part, n, rows, k, bias === null ? null : bias.subarray(c0, c0 + rows), false);
    for (let t = 0; t < n; t++) out.set(s.part.subarray(t * rows, (t + 1) * rows), t * nOut + c0);
    c0 += rows;
  }
}

/** x (n, width) += bias per row. */
function addRows(x: F32, bias: F32, n: number): void {
  const w = bias.length;
  for (let t = 0; t < n; t++) for (let i = 0; i < w; i++) x[t * w + i]! += bias[i]!;
}

/** out (n, C) = norm(x) for RMSNorm or LayerNorm. */
function norm(s: InferState, w: NormWeights, x: F32, out: F32, n: number): void {
  const c = s.weights.config;
  if (c.norm === "rms") s.kernels.rmsNorm({ x, weight: w.weight, n, c: c.dim, eps: c.normEps, out, rstd: s.rstd });
  else s.kernels.layerNorm({ x, weight: w.weight, bias: w.bias, n, c: c.dim, eps: c.normEps, out, mean: s.mean, rstd: s.rstd });
}

/** Columns [c0, c0 + width) of src (n, ld) into dst (n, width). */
function columns(src: F32, ld: number, c0: number, width: number, dst: F32, n: number): void {
  for (let t = 0; t < n; t++) copy(src, t * ld + c0, dst, t * width, width);
}

/** dst[d0 … d0 + len) = src[s0 … s0 + len). A plain loop: for the few hundred floats of a row it is several times
 *  faster than dst.set(src.subarray(…)), which allocates a view per call (~1 µs each, hundreds per decode step). */
function copy(src: F32, s0: number, dst: F32, d0: number, len: number): void {
  for (let i = 0; i < len; i++) dst[d0 + i] = src[s0 + i]!;
}

/** Row t of x := embedding row of id (· √C) (+ learned position row pos). */
function embedRow(s: InferState, id: number, t: number, pos: number): void {
  const { embed: M, posEmbed: P, config } = s.weights;
  const C = config.dim, V = config.vocabSize;
  if (!Number.isInteger(id) || id < 0 || id >= V) throw new KotodamaError(`forward: token id ${id} is outside the vocabulary [0, ${V})`);
  // A quantized table is dequantized one row at a time (ggml's get_rows does the same); o indexes row 0 then.
  const E = M instanceof Float32Array ? M : tensorValues({ type: M.type, bytes: M.bytes.subarray(id * M.rowBytes, (id + 1) * M.rowBytes), shape: [1, C] });
  const o = M instanceof Float32Array ? id * C : 0, xo = t * C;
  // Gemma scales by √C in f32, as llama.cpp does (ggml_scale by sqrtf(n_embd)).
  const scale = config.embedScale ? Math.fround(Math.sqrt(C)) : 1;
  if (P !== null) for (let i = 0, po = pos * C; i < C; i++) s.x[xo + i] = E[o + i]! + P[po + i]!;
  else if (scale !== 1) for (let i = 0; i < C; i++) s.x[xo + i] = Math.fround(E[o + i]! * scale);
  else s.x.set(E.subarray(o, o + C), xo);
}

function checkRoom(s: InferState, cache: KvCache, n: number): void {
  const end = cache.length + n;
  if (end > cache.capacity) throw new KotodamaError(`forward: ${end} positions exceed the KV cache's capacity of ${cache.capacity}`);
  if (s.weights.posEmbed !== null && end > s.weights.config.context) {
    throw new KotodamaError(`forward: ${end} positions exceed the model's context of ${s.weights.config.context} (learned positions end there)`);
  }
  const c = s.weights.config;
  if (cache.k.length !== c.nLayers || cache.kvDim !== kvDim(c)) throw new KotodamaError("forward: the KV cache was made for a different model");
}

/** A run of consecutive rows of one forward that belong to one sequence: rows [row0, row0 + count) sit at positions
 *  cache.length … cache.length + count − 1 of that sequence. A prefill chunk is one run; a batched decode step is
 *  one run of one row per sequence; a batched prefill packs several prompts' runs. */
export interface Run {
  readonly cache: KvCache;
  readonly row0: number;
  readonly count: number;
}

/** The one layer body over rows x (n, C) made of `runs`. Every projection multiplies all n rows at once (weights
 *  read once per layer); RoPE takes each row's own position (state.positions); keys and values go to each run's
 *  cache and attention runs per run against its own cache, or once for a decode step over one slab. */
function layer(s: InferState, runs: readonly Run[], l: number, L: InferLayer, n: number): void {
  const K = s.kernels, c = s.weights.config, tr = s.tracer;
  const C = c.dim, H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), F = c.hiddenDim;
  const qd = qDim(c), kv = kvDim(c);
  // One run writes its keys and values straight into its cache; several go through scratch, then per run.
  const only = runs.length === 1 ? runs[0]! : null;
  const kRows = only !== null ? only.cache.k[l]!.subarray(only.cache.length * kv, (only.cache.length + n) * kv) : s.k;
  const vRows = only !== null ? only.cache.v[l]!.subarray(only.cache.length * kv, (only.cache.length + n) * kv) : s.v;

  norm(s, L.norm1, s.x, s.xb, n);
  tr?.record(`layers.${l}.attn_in`, s.xb.subarray(0, n * C), [n, C]);
  const qkNorm = L.qNorm !== null && L.kNorm !== null;
  const split = s.splits[l]!;
  if (split.qkv !== null) {
    // q, k and v straight into their own buffers (the keys and values of one run into its cache): three products
    // of the same rows, each element summed as in the fused product.
    const [pq, pk, pv] = split.qkv as [{ w: Matrix; b: F32 | null }, { w: Matrix; b: F32 | null }, { w: Matrix; b: F32 | null }];
    project(s, pq.w, s.xb, qkNorm ? s.qRaw : s.q, n, qd, C, pq.b, false);
    project(s, pk.w, s.xb, qkNorm ? s.kRaw : kRows, n, kv, C, pk.b, false);
    project(s, pv.w, s.xb, vRows, n, kv, C, pv.b, false);
    if (qkNorm) {
      K.rmsNorm({ x: s.qRaw, weight: L.qNorm, n: n * H, c: D, eps: c.normEps, out: s.q, rstd: s.rstd });
      K.rmsNorm({ x: s.kRaw, weight: L.kNorm, n: n * Hkv, c: D, eps: c.normEps, out: kRows, rstd: s.rstd });
    }
  } else projectQkvParts(s, L, kRows, vRows, n);
  if (c.pos === "rope") {
    const { theta, freqFactors } = s.ropeOf[l]!;
    const r = { b: 1, t: n, d: D, rotaryDim: ropeDims(c), pairing: c.ropePairing, theta, positions: s.positions, freqFactors };
    K.rope({ ...r, x: s.q, h: H, out: s.q });
    K.rope({ ...r, x: kRows, h: Hkv, out: kRows });
  }
  tr?.record(`layers.${l}.q`, s.q.subarray(0, n * qd), [n, H, D]);
  tr?.record(`layers.${l}.k`, kRows.subarray(0, n * kv), [n, Hkv, D]);
  const window = isSlidingLayer(c, l) ? c.slidingWindow : 0;
  const slab = slabOf(runs);
  if (slab !== null && tr?.attention !== true) {
    // A batched decode step over one slab's slots: every sequence's new key and value to its cache, then one
    // attention call for all of them (per-row key counts and slots), bitwise each sequence's own call.
    const B = runs.length;
    for (let b = 0; b < B; b++) {
      const { cache } = runs[b]!, p0 = cache.length;
      copy(s.k, b * kv, cache.k[l]!, p0 * kv, kv);
      copy(s.v, b * kv, cache.v[l]!, p0 * kv, kv);
      s.seqLens[b] = p0 + 1;
      s.kvRows[b] = cache.slot!;
    }
    K.attention({
      q: s.q, k: slab.k[l]!, v: slab.v[l]!, b: B, t: 1, s: slab.capacity, h: H, hKv: Hkv, d: D, kvBatchStride: slab.capacity * kv,
      causal: true, scale: attnScaleOf(c), out: s.att, lse: s.lse, window, softcap: c.attnSoftcap, seqLens: s.seqLens.subarray(0, B), kvRows: s.kvRows.subarray(0, B),
    });
  } else for (const run of runs) {
    const { cache, row0, count } = run, p0 = cache.length;
    if (only === null) {
      cache.k[l]!.set(s.k.subarray(row0 * kv, (row0 + count) * kv), p0 * kv);
      cache.v[l]!.set(s.v.subarray(row0 * kv, (row0 + count) * kv), p0 * kv);
    }
    const attn = {
      q: row0 === 0 ? s.q : s.q.subarray(row0 * qd), k: cache.k[l]!, v: cache.v[l]!, b: 1, t: count, s: p0 + count, h: H, hKv: Hkv, d: D,
      kvBatchStride: cache.capacity * kv, causal: true, scale: attnScaleOf(c), out: row0 === 0 ? s.att : s.att.subarray(row0 * qd), lse: s.lse,
      window, softcap: c.attnSoftcap,
    };
    K.attention(attn);
    if (tr?.attention === true) tr.record(`layers.${l}.attn_probs`, attentionProbs(attn), [H, count, p0 + count]);
  }
  tr?.record(`layers.${l}.attn`, s.att.subarray(0, n * qd), [n, H, D]);

  residual(s, L.wo, L.bo, s.att, qd, L.postAttnNorm, n, `layers.${l}.attn_out`);

  norm(s, L.norm2, s.x, s.xb, n);
  tr?.record(`layers.${l}.ffn_in`, s.xb.subarray(0, n * C), [n, C]);
  if (isGated(c)) {
    const gu = s.splits[l]!.gateUp;
    if (gu !== null) {
      project(s, gu[0]!.w, s.xb, s.gate, n, F, C, gu[0]!.b, false);
      project(s, gu[1]!.w, s.xb, s.upPart, n, F, C, gu[1]!.b, false);
    } else {
      projectGroup(s, L.wUp, s.xb, s.up, n, 2 * F, C, L.bUp);
      columns(s.up, 2 * F, 0, F, s.gate, n);
      columns(s.up, 2 * F, F, F, s.upPart, n);
    }
    K.swiglu({ gate: s.gate.subarray(0, n * F), up: s.upPart.subarray(0, n * F), out: s.hb.subarray(0, n * F), act: c.mlp === "geglu" ? "gelu" : "silu" });
  } else {
    projectGroup(s, L.wUp, s.xb, s.up, n, F, C, L.bUp);
    K.activation({ kind: "gelu", x: s.up.subarray(0, n * F), out: s.hb.subarray(0, n * F) });
  }
  residual(s, L.wDown, L.bDown, s.hb, F, L.postFfnNorm, n, `layers.${l}.ffn_out`);
  tr?.record(`layers.${l}.out`, s.x.subarray(0, n * C), [n, C]);
}

/** q|k|v of a layer stored as MatrixParts (row blocks of different types): the fused product into scratch, then
 *  its columns into q (or qRaw), k (or kRaw) and v, with the q/k norms. */
function projectQkvParts(s: InferState, L: InferLayer, kRows: F32, vRows: F32, n: number): void {
  const K = s.kernels, c = s.weights.config;
  const C = c.dim, H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), qd = qDim(c), kv = kvDim(c), W = qd + 2 * kv;
  projectGroup(s, L.wqkv, s.xb, s.qkv, n, W, C, L.bqkv);
  if (L.qNorm !== null && L.kNorm !== null) {
    columns(s.qkv, W, 0, qd, s.qRaw, n);
    columns(s.qkv, W, qd, kv, s.kRaw, n);
    K.rmsNorm({ x: s.qRaw, weight: L.qNorm, n: n * H, c: D, eps: c.normEps, out: s.q, rstd: s.rstd });
    K.rmsNorm({ x: s.kRaw, weight: L.kNorm, n: n * Hkv, c: D, eps: c.normEps, out: kRows, rstd: s.rstd });
  } else {
    columns(s.qkv, W, 0, qd, s.q, n);
    columns(s.qkv, W, qd, kv, kRows, n);
  }
  columns(s.qkv, W, qd + kv, kv, vRows, n);
}

/** The slab that every run's cache is a slot of, when the runs are a decode step (run b = row b, one row each) of
 *  two or more sequences; else null (attention then runs per run). */
function slabOf(runs: readonly Run[]): KvSlab | null {
  if (runs.length < 2) return null;
  const slab = runs[0]!.cache.slab;
  if (slab === undefined) return null;
  for (let b = 0; b < runs.length; b++) {
    const r = runs[b]!;
    if (r.count !== 1 || r.row0 !== b || r.cache.slab !== slab) return null;
  }
  return slab;
}

/** x += a sublayer's output projection of h (n, k): straight into the residual stream (gemm with beta 1), or,
 *  with a post-norm (Gemma), projected, normalized, then added. */
function residual(s: InferState, w: Matrix, bias: F32 | null, h: F32, k: number, post: NormWeights | null, n: number, name: string): void {
  const C = s.weights.config.dim;
  if (post === null) {
    project(s, w, h, s.x, n, C, k, bias, true);
    return;
  }
  project(s, w, h, s.side, n, C, k, bias, false);
  norm(s, post, s.side, s.sideNorm, n);
  for (let i = 0, len = n * C; i < len; i++) s.x[i]! += s.sideNorm[i]!;
  s.tracer?.record(name, s.sideNorm.subarray(0, n * C), [n, C]);
}

/** The attention probabilities (H, T, S) of one call, recomputed in plain TypeScript for a tracer (the fused
 *  kernel never forms them): scaled, soft-capped, causal and windowed like the kernel. */
function attentionProbs(a: { q: F32; k: F32; t: number; s: number; h: number; hKv: number; d: number; scale: number; window: number; softcap: number }): F32 {
  const { q, k, t: T, s: S, h: H, hKv: Hkv, d: D, scale, window, softcap } = a;
  const out = new Float32Array(H * T * S);
  for (let h = 0; h < H; h++) {
    const hk = Math.floor((h * Hkv) / H);
    for (let t = 0; t < T; t++) {
      const p = S - T + t;
      const row = out.subarray((h * T + t) * S, (h * T + t + 1) * S);
      let max = -Infinity;
      for (let j = 0; j < S; j++) {
        if (j > p || (window > 0 && j <= p - window)) {
          row[j] = -Infinity;
          continue;
        }
        let dot = 0;
        for (let x = 0; x < D; x++) dot += q[(t * H + h) * D + x]! * k[(j * Hkv + hk) * D + x]!;
        let sc = dot * scale;
        if (softcap > 0) sc = softcap * Math.tanh(sc / softcap);
        row[j] = sc;
        if (sc > max) max = sc;
      }
      let sum = 0;
      for (let j = 0; j < S; j++) sum += row[j] = row[j] === -Infinity ? 0 : Math.exp(row[j]! - max);
      for (let j = 0; j < S; j++) row[j]! /= sum;
    }
  }
  return out;
}

/** Final norm and LM head for rows x (n, C) into out (n, V), soft-capped when the model says so. */
function head(s: InferState, x: F32, n: number, out: F32): void {
  const w = s.weights, c = w.config, C = c.dim, V = c.vocabSize;
  norm(s, w.normF, x, s.xb, n);
  s.tracer?.record("final_norm", s.xb.subarray(0, n * C), [n, C]);
  project(s, w.lmHead, s.xb, out, n, V, C, null, false);
  const cap = c.finalSoftcap;
  if (cap > 0) for (let i = 0, len = n * V; i < len; i++) out[i] = cap * Math.tanh(out[i]! / cap);
  s.tracer?.record("logits", out.subarray(0, n * V), [n, V]);
}

/** Embeds ids[i] as row row0 + i at position cache.length + i, for i < count. */
function embedRun(s: InferState, cache: KvCache, ids: ArrayLike<number>, from: number, row0: number, count: number): void {
  for (let i = 0; i < count; i++) {
    embedRow(s, ids[from + i]!, row0 + i, cache.length + i);
    s.positions[row0 + i] = cache.length + i;
  }
}

/** The layers over n embedded rows made of `runs`; then every run's cache grows by its count. */
function forwardRuns(s: InferState, runs: readonly Run[], n: number): void {
  const w = s.weights;
  s.tracer?.record("embed", s.x.subarray(0, n * w.config.dim), [n, w.config.dim]);
  for (let l = 0; l < w.layers.length; l++) layer(s, runs, l, w.layers[l]!, n);
  for (const run of runs) run.cache.length += run.count;
}

/** Receives the logits (V) of position `pos` (a view, valid only during the call). */
export type LogitsSink = (pos: number, logits: F32) => void;

/** Feeds ids[from … to) at positions cache.length …, in chunks of state.maxRows, through the one layer body.
 *  Returns the logits of the last token (state.logits, overwritten by the next call). With `sink`, every
 *  position's logits are computed and passed to it in order. */
export function prefill(s: InferState, cache: KvCache, ids: ArrayLike<number>, sink?: LogitsSink, from = 0, to = ids.length): F32 {
  const total = to - from;
  if (total < 1) throw new KotodamaError("prefill: no tokens to feed");
  checkRoom(s, cache, total);
  const C = s.weights.config.dim, V = s.weights.config.vocabSize;
  let allLogits: F32 | null = null;
  for (let at = from; at < to; at += s.maxRows) {
    const n = Math.min(s.maxRows, to - at);
    const p0 = cache.length;
    embedRun(s, cache, ids, at, 0, n);
    forwardRuns(s, [{ cache, row0: 0, count: n }], n);
    const last = at + n === to;
    if (sink !== undefined) {
      allLogits ??= new Float32Array(s.maxRows * V);
      head(s, s.x, n, allLogits);
      for (let t = 0; t < n; t++) sink(p0 + t, allLogits.subarray(t * V, (t + 1) * V));
      if (last) s.logits.set(allLogits.subarray((n - 1) * V, n * V));
    } else if (last) {
      head(s, s.x.subarray((n - 1) * C), 1, s.logits);
    }
  }
  return s.logits;
}

/** One token at position cache.length: the n = 1 case of prefill. Returns the logits (V) in state.logits. */
export function decodeStep(s: InferState, cache: KvCache, id: number): F32 {
  s.positions[0] = cache.length; // (prefill sets it too; kept explicit for readers of the decode path)
  return prefill(s, cache, [id]);
}

/** Distinct caches with room for `counts` more positions each. */
function checkRuns(s: InferState, caches: readonly KvCache[], counts: (i: number) => number, what: string): void {
  if (new Set(caches).size !== caches.length) throw new KotodamaError(`${what}: a KV cache appears twice in one batch`);
  caches.forEach((cache, i) => checkRoom(s, cache, counts(i)));
}

/** One decode step of B sequences at once: ids[b] at position caches[b].length of sequence b, for B ≤ maxRows.
 *  Every weight matrix multiplies the B rows in one call; attention runs in one call for all B when their caches
 *  are slots of one slab (KvCachePool's), else per sequence against its own cache.
 *  Returns the logits (B, V) in `out` (allocated when not given). Sequence b gets the same logits as decodeStep
 *  on its own cache: bitwise for quantized matrices (quantMatmul sums each row alike for any N) and, on AVX-512, for
 *  f32 matrices up to B = 32 (the skinny GEMM sums each row as the matrix-vector path of B = 1 does); otherwise
 *  the blocked f32 path of B > 1 sums in another order, within rounding (docs/inference.md). */
export function decodeBatch(s: InferState, caches: readonly KvCache[], ids: ArrayLike<number>, out?: F32): F32 {
  const B = caches.length, V = s.weights.config.vocabSize;
  if (B < 1 || ids.length !== B) throw new KotodamaError(`decodeBatch: expected one id per cache, got ${ids.length} ids for ${B} caches`);
  if (B > s.maxRows) throw new KotodamaError(`decodeBatch: ${B} sequences exceed the state's maxRows of ${s.maxRows}`);
  checkRuns(s, caches, () => 1, "decodeBatch");
  const logits = out ?? new Float32Array(B * V);
  if (logits.length < B * V) throw new KotodamaError(`decodeBatch: out holds ${logits.length} floats, need B·V = ${B * V}`);
  const runs = caches.map((cache, b): Run => ({ cache, row0: b, count: 1 }));
  for (let b = 0; b < B; b++) embedRun(s, caches[b]!, ids, b, b, 1);
  forwardRuns(s, runs, B);
  head(s, s.x, B, logits);
  return logits;
}

/** Prefills several prompts into their own caches, packing their tokens into forwards of up to maxRows rows
 *  (a prompt may span two forwards; each run attends to its own cache only). Returns the logits (B, V) of each
 *  prompt's last token in `out` (allocated when not given). */
export function prefillBatch(s: InferState, caches: readonly KvCache[], prompts: readonly ArrayLike<number>[], out?: F32): F32 {
  const B = caches.length, C = s.weights.config.dim, V = s.weights.config.vocabSize;
  if (B < 1 || prompts.length !== B) throw new KotodamaError(`prefillBatch: expected one prompt per cache, got ${prompts.length} prompts for ${B} caches`);
  prompts.forEach((p, b) => {
    if (p.length < 1) throw new KotodamaError(`prefillBatch: prompt ${b} has no tokens`);
  });
  checkRuns(s, caches, (b) => prompts[b]!.length, "prefillBatch");
  const logits = out ?? new Float32Array(B * V);
  if (logits.length < B * V) throw new KotodamaError(`prefillBatch: out holds ${logits.length} floats, need B·V = ${B * V}`);
  let b = 0, at = 0; // the next token to pack: prompts[b][at]
  while (b < B) {
    const runs: Run[] = [];
    const ends: { b: number; row: number }[] = []; // prompts whose last token is in this forward
    let n = 0;
    while (n < s.maxRows && b < B) {
      const p = prompts[b]!, count = Math.min(s.maxRows - n, p.length - at);
      embedRun(s, caches[b]!, p, at, n, count);
      runs.push({ cache: caches[b]!, row0: n, count });
      n += count;
      at += count;
      if (at === p.length) {
        ends.push({ b, row: n - 1 });
        b++;
        at = 0;
      }
    }
    forwardRuns(s, runs, n);
    if (ends.length > 0) {
      // Prompts end in order, so their logits rows are consecutive in out.
      for (let i = 0; i < ends.length; i++) s.side.set(s.x.subarray(ends[i]!.row * C, (ends[i]!.row + 1) * C), i * C);
      head(s, s.side, ends.length, logits.subarray(ends[0]!.b * V));
    }
  }
  return logits;
}
