// The closed, typed op table: every primitive kernel the engine offers, with its exact arguments.
// Not here: kernel code (backends/ref is the executable specification, backends/native the addon) and autograd.
//
// Conventions (STYLE.md principle 4; llm.c's legend):
//   B batch, T time (queries), S key/value length, C channels, H heads, Hkv key/value heads, D head dim,
//   V vocab, N rows (flattened leading dims).
// - All tensors are dense row-major f32 (Float32Array views, possibly subarrays of a larger buffer: zero-copy
//   with the addon). Integer inputs are Int32Array.
// - Forward kernels OVERWRITE their outputs and never read them first (pooled buffers hold stale values).
// - Backward kernels ACCUMULATE (+=) into every gradient they write (dx, dWeight, ...), as llm.c does, so that
//   a tensor used twice gets the sum of its gradients without extra buffers. Callers zero gradients once.
// - Outputs never alias inputs unless an op says so ("in place allowed").

export type F32 = Float32Array;
export type I32 = Int32Array;
export type Shape = readonly number[];

/** C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b] for b in [0, batch). op(A) is M×K, op(B) is K×N, C is M×N.
 *  A is stored M×K (lda ≥ K) or, with transA, K×M (lda ≥ M); likewise B. stride* = elements between batch
 *  items; a stride of 0 broadcasts that operand (e.g. one weight matrix for every batch item).
 *  With beta = 0, C is not read (as in BLAS): stale values or NaN in C never leak into the result.
 *  bias (n elements, only with beta = 0): every row of every C[b] starts from bias, i.e. the result is exactly
 *  that of beta = 1 on a C prefilled with the bias rows (a Linear's x·Wᵀ + b) — the kernel may fill its tiles
 *  in cache instead of a separate broadcast pass. */
export interface GemmArgs {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly alpha: number;
  readonly beta: number;
  readonly a: F32;
  readonly lda: number;
  readonly strideA: number;
  readonly b: F32;
  readonly ldb: number;
  readonly strideB: number;
  readonly c: F32;
  readonly ldc: number;
  readonly strideC: number;
  readonly batch: number;
  readonly bias?: F32 | null;
}

export type BinaryOpKind = "add" | "sub" | "mul" | "div" | "max" | "min";
/** out = a ⊙ b with NumPy broadcasting (shapes right-aligned; a size-1 or missing dim broadcasts).
 *  outShape must equal the broadcast of aShape and bShape. In place allowed (out === a when aShape = outShape). */
export interface BinaryArgs {
  readonly op: BinaryOpKind;
  readonly a: F32;
  readonly aShape: Shape;
  readonly b: F32;
  readonly bShape: Shape;
  readonly out: F32;
  readonly outShape: Shape;
}

/** out[i] = f(x[i]) (with `scalar` s where the op uses one). In place allowed. */
export type UnaryOpKind =
  | "neg" | "exp" | "log" | "sqrt" | "rsqrt" | "abs" | "square" | "recip" | "tanh" | "sigmoid" | "relu"
  | "scale" // x * s
  | "addScalar" // x + s
  | "powScalar"; // x ** s
export interface UnaryArgs {
  readonly op: UnaryOpKind;
  readonly x: F32;
  readonly out: F32;
  readonly scalar: number;
}

export type ReduceOpKind = "sum" | "mean" | "max" | "min";
/** Reduces x (shape `shape`) over `axes` (sorted, distinct, in range). out has the shape with those axes set
 *  to 1 (keepdims), i.e. prod(shape)/prod(shape[axes]) elements. Used also for broadcasting's backward. */
export interface ReduceArgs {
  readonly op: ReduceOpKind;
  readonly x: F32;
  readonly shape: Shape;
  readonly axes: readonly number[];
  readonly out: F32;
}

/** out (outShape) = x (xShape) broadcast NumPy-style. Backward of broadcasting is `reduce` sum. */
export interface BroadcastArgs {
  readonly x: F32;
  readonly xShape: Shape;
  readonly out: F32;
  readonly outShape: Shape;
}

/** out = x permuted: out.shape[i] = shape[perm[i]]. */
export interface PermuteArgs {
  readonly x: F32;
  readonly shape: Shape;
  readonly perm: readonly number[];
  readonly out: F32;
}

/** out[i, :] = weight[ids[i], :]. weight (V, C), ids (N), out (N, C). Ids outside [0, V) are an error. */
export interface EmbeddingArgs {
  readonly weight: F32;
  readonly ids: I32;
  readonly n: number;
  readonly c: number;
  readonly v: number;
  readonly out: F32;
}
/** dWeight[ids[i], :] += dOut[i, :] (scatter-add; repeated ids sum). */
export interface EmbeddingBackwardArgs {
  readonly dOut: F32;
  readonly ids: I32;
  readonly n: number;
  readonly c: number;
  readonly v: number;
  readonly dWeight: F32;
}

/** LayerNorm over the last dim (Ba, Kiros & Hinton 2016): out = (x - mean) * rstd * weight + bias.
 *  x, out (N, C); weight, bias (C) (bias may be null); mean, rstd (N) are written for the backward. */
export interface LayerNormArgs {
  readonly x: F32;
  readonly weight: F32;
  readonly bias: F32 | null;
  readonly n: number;
  readonly c: number;
  readonly eps: number;
  readonly out: F32;
  readonly mean: F32;
  readonly rstd: F32;
}
export interface LayerNormBackwardArgs {
  readonly dOut: F32;
  readonly x: F32;
  readonly weight: F32;
  readonly mean: F32;
  readonly rstd: F32;
  readonly n: number;
  readonly c: number;
  readonly dx: F32;
  readonly dWeight: F32;
  readonly dBias: F32 | null;
}

/** RMSNorm (Zhang & Sennrich 2019): out = x * rstd * weight, rstd = 1/sqrt(mean(x²) + eps). rstd (N) written. */
export interface RmsNormArgs {
  readonly x: F32;
  readonly weight: F32;
  readonly n: number;
  readonly c: number;
  readonly eps: number;
  readonly out: F32;
  readonly rstd: F32;
}
export interface RmsNormBackwardArgs {
  readonly dOut: F32;
  readonly x: F32;
  readonly weight: F32;
  readonly rstd: F32;
  readonly n: number;
  readonly c: number;
  readonly dx: F32;
  readonly dWeight: F32;
}

/** Row softmax over the last dim, numerically stable (max subtracted). x, out (N, C). */
export interface SoftmaxArgs {
  readonly x: F32;
  readonly n: number;
  readonly c: number;
  readonly out: F32;
}
/** dx += y ⊙ (dOut − rowsum(dOut ⊙ y)) where y is the forward output. */
export interface SoftmaxBackwardArgs {
  readonly dOut: F32;
  readonly y: F32;
  readonly n: number;
  readonly c: number;
  readonly dx: F32;
}

/** Pointwise activations. gelu is the tanh form (Hendrycks & Gimpel; GPT-2): 0.5x(1+tanh(√(2/π)(x+0.044715x³))).
 *  silu(x) = x·sigmoid(x). */
export type ActivationKind = "gelu" | "silu";
export interface ActivationArgs {
  readonly kind: ActivationKind;
  readonly x: F32;
  readonly out: F32;
}
export interface ActivationBackwardArgs {
  readonly kind: ActivationKind;
  readonly dOut: F32;
  readonly x: F32;
  readonly dx: F32;
}

/** Fused gated linear unit (Shazeer 2020): out = act(gate) ⊙ up, act silu (SwiGLU, Llama) by default or the
 *  tanh-form gelu (GeGLU, Gemma's gelu_pytorch_tanh). All (N) elements, same length. */
export interface SwigluArgs {
  readonly gate: F32;
  readonly up: F32;
  readonly out: F32;
  readonly act?: ActivationKind;
}
export interface SwigluBackwardArgs {
  readonly act?: ActivationKind;
  readonly dOut: F32;
  readonly gate: F32;
  readonly up: F32;
  readonly dGate: F32;
  readonly dUp: F32;
}

/** Rotary position embedding (Su et al. 2021) on x (B, T, H, D), first `rotaryDim` (even, ≤ D) dims of each
 *  head rotated, the rest copied. Position of time step t is positions[t] (shared over the batch).
 *  Frequencies: θ_i = positions[t] · theta^(−2i/rotaryDim), i in [0, rotaryDim/2).
 *  pairing "adjacent": dims (2i, 2i+1) form pair i (GGUF `llama`, llama2.c, Meta's original).
 *  pairing "half": dims (i, i + rotaryDim/2) form pair i (rotate-half; Hugging Face, GPT-NeoX).
 *  freqFactors (rotaryDim/2), when given, divide each pair's frequency: θ_i = pos · theta^(−2i/rotaryDim) / f_i
 *  (llama.cpp's rope_freqs / rope_factors: Llama 3.1 scaling, linear scaling with every f_i = factor).
 *  In place allowed. */
export type RopePairing = "adjacent" | "half";
export interface RopeArgs {
  readonly x: F32;
  readonly b: number;
  readonly t: number;
  readonly h: number;
  readonly d: number;
  readonly rotaryDim: number;
  readonly pairing: RopePairing;
  readonly theta: number;
  readonly positions: I32;
  readonly out: F32;
  readonly freqFactors?: F32 | null;
}
/** dx += R(−θ) dOut (rotation transpose). */
export interface RopeBackwardArgs {
  readonly dOut: F32;
  readonly b: number;
  readonly t: number;
  readonly h: number;
  readonly d: number;
  readonly rotaryDim: number;
  readonly pairing: RopePairing;
  readonly theta: number;
  readonly positions: I32;
  readonly dx: F32;
  readonly freqFactors?: F32 | null;
}

/** Fused scaled-dot-product attention with grouped-query heads, computed in tiles with an online softmax
 *  (Dao et al. 2022, FlashAttention) so that the T×S matrix is never materialized.
 *  q (B, T, H, D); k, v (B, S, Hkv, D) with batch stride kvBatchStride (≥ S·Hkv·D; lets a KV cache of larger
 *  capacity be passed without copying); out (B, T, H, D); lse (B, H, T) = log-sum-exp of each query's scaled
 *  scores, written for the backward. H must be a multiple of Hkv; query head h reads kv head ⌊h·Hkv/H⌋.
 *  causal: query t sits at absolute position (S − T + t) and sees keys 0 … S − T + t (KV-cache decoding has
 *  T < S). scale is usually 1/√D.
 *  window > 0 (sliding-window attention, Mistral/Gemma local layers): query at position p also sees only keys
 *  j > p − window. softcap > 0 (Gemma 2): each scaled score s becomes softcap·tanh(s/softcap) before the softmax.
 *  Both 0 (absent) = off.
 *  segments (document masking of packed examples, as FlashAttention-2's varlen kernels and FlexAttention's
 *  document_id mask_mod): Int32 ids of shape (B, S), row b = segments[b·S … b·S + S), whatever kvBatchStride is;
 *  query at position p (= S − T + t, so T ≤ S is required) sees key j only if segments[b, j] === segments[b, p], in
 *  addition to causal and window. Ids need not be contiguous runs (packing makes them so, and kernels are fastest
 *  then). Absent or null = off. A query always sees its own position, so segments never empty a row; the rule for
 *  a row that sees no key stays what the kernels do without segments: out 0, lse −inf (and zero gradients).
 *  seqLens and kvRows (forward only; batched decoding of sequences of different lengths in one call, as
 *  flash_attn_with_kvcache's cache_seqlens): row b holds seqLens[b] keys (t ≤ seqLens[b] ≤ s; its query t sits at
 *  seqLens[b] − T + t) and reads k and v from slot kvRows[b] (offset kvRows[b]·kvBatchStride, instead of b) of a
 *  pooled KV cache. Either may be given alone; neither with segments. Each row's result is bitwise what a call for
 *  that row alone computes (b = 1, s = seqLens[b], its slot's k and v). Absent or null = off. */
export interface AttentionArgs {
  readonly q: F32;
  readonly k: F32;
  readonly v: F32;
  readonly b: number;
  readonly t: number;
  readonly s: number;
  readonly h: number;
  readonly hKv: number;
  readonly d: number;
  readonly kvBatchStride: number;
  readonly causal: boolean;
  readonly scale: number;
  readonly out: F32;
  readonly lse: F32;
  readonly window?: number;
  readonly softcap?: number;
  readonly segments?: I32 | null;
  readonly seqLens?: I32 | null;
  readonly kvRows?: I32 | null;
}
export interface AttentionBackwardArgs {
  readonly dOut: F32;
  readonly q: F32;
  readonly k: F32;
  readonly v: F32;
  readonly out: F32;
  readonly lse: F32;
  readonly b: number;
  readonly t: number;
  readonly s: number;
  readonly h: number;
  readonly hKv: number;
  readonly d: number;
  readonly kvBatchStride: number;
  readonly causal: boolean;
  readonly scale: number;
  readonly dq: F32;
  readonly dk: F32;
  readonly dv: F32;
  readonly window?: number;
  readonly softcap?: number;
  readonly segments?: I32 | null;
}

/** Cross-entropy fused with log-softmax over the vocabulary: losses[i] = lse_i − logits[i, targets[i]],
 *  or 0 where targets[i] === ignoreIndex. logits (N, V); targets (N); losses, lse (N) written.
 *  Targets outside [0, V) other than ignoreIndex are an error. */
export interface CrossEntropyArgs {
  readonly logits: F32;
  readonly targets: I32;
  readonly n: number;
  readonly v: number;
  readonly ignoreIndex: number;
  readonly losses: F32;
  readonly lse: F32;
}
/** dLogits[i, :] += dLosses[i] · (softmax(logits[i]) − onehot(targets[i])); ignored rows get nothing. */
export interface CrossEntropyBackwardArgs {
  readonly logits: F32;
  readonly targets: I32;
  readonly lse: F32;
  readonly dLosses: F32;
  readonly n: number;
  readonly v: number;
  readonly ignoreIndex: number;
  readonly dLogits: F32;
}

/** One AdamW step in place (Loshchilov & Hutter 2019, decoupled weight decay), step ≥ 1 for bias correction:
 *  m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr (m̂ / (√v̂ + eps) + wd · p). */
export interface AdamwArgs {
  readonly param: F32;
  readonly grad: F32;
  readonly m: F32;
  readonly v: F32;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly step: number;
}

/** Σ x² accumulated in double precision (global gradient norm = √ of the sum over all gradients). */
export interface SumSquaresArgs {
  readonly x: F32;
}

/** Half-precision storage ↔ f32. f16 is IEEE binary16 (round to nearest even, subnormals, inf, NaN kept);
 *  bf16 is the top 16 bits of f32 (round to nearest even; NaN stays NaN). */
export type HalfKind = "f16" | "bf16";
export interface HalfToF32Args {
  readonly kind: HalfKind;
  readonly src: Uint16Array;
  readonly out: F32;
}
export interface F32ToHalfArgs {
  readonly kind: HalfKind;
  readonly src: F32;
  readonly out: Uint16Array;
}

/** ggml block formats quantMatmul reads (layouts in quant-blocks.ts): q8_0 (32 weights in 34 bytes: f16 d,
 *  int8 q; w = d·q), q4_0 (32 in 18: f16 d, nibbles; w = d·(q − 8)), q4_k (256 in 144: f16 d, f16 dmin, packed
 *  6-bit scales/mins, nibbles; w = (d·sc)·q − dmin·m per 32), q6_k (256 in 210: 6-bit q, int8 scale per 16,
 *  f16 d; w = (d·sc)·(q − 32)). */
export type QuantType = "q8_0" | "q4_0" | "q4_k" | "q6_k";
/** How quantMatmul treats the activations x. "q8" (the default): each row of x is first quantized to the
 *  weight type's ggml vec_dot_type, exactly as llama.cpp's x86 CPU backend does — Q8_0 (32 values: f16 d =
 *  max|x|/127, q = round-half-even(x·127/max|x|)) for q8_0 / q4_0 weights, Q8_K (256 values: f32 d, int8 q,
 *  16 sums of 16) for q4_k / q6_k — and each block's dot product is an exact integer sum scaled by d_w·d_x in f32
 *  (ggml_vec_dot_q8_0_q8_0, q4_0_q8_0, q4_K_q8_K, q6_K_q8_K); logits then agree with llama.cpp's to ~1e-6.
 *  "f32": x stays f32 and meets exactly dequantized weights (gemm on the dequantized W up to summation order). */
export type QuantActivations = "f32" | "q8";
/** out (N, Nout) = x (N, K) · Wᵀ, W (Nout, K) kept as ggml quantized rows: row r is the K/blockSize blocks at
 *  bytes [r·rowBytes, (r+1)·rowBytes) of w (rowBytes = K/blockSize · blockBytes; K a multiple of the block
 *  size, 32 or 256). Weights take exactly ggml's dequantized values; x is quantized per `activations` (above).
 *  w may start at any byte offset (file bytes). */
export interface QuantMatmulArgs {
  readonly type: QuantType;
  readonly x: F32;
  readonly w: Uint8Array;
  readonly n: number;
  readonly k: number;
  readonly nOut: number;
  readonly out: F32;
  /** "q8" when absent (llama.cpp's arithmetic); "f32" keeps x in f32. */
  readonly activations?: QuantActivations;
}
/** out (N, K) = dY (N, Nout) · W (Nout, K), W as in QuantMatmulArgs (ggml rows of blocks along K): the transposed
 *  quantized product, i.e. quantMatmul's dX when W is a frozen weight (LoRA on a quantized base). W takes exactly
 *  ggml's dequantized values and dY stays f32 — a gradient, so no activation quantization: gemm on the
 *  dequantized W up to summation order. out is overwritten. */
export interface QuantMatmulTArgs {
  readonly type: QuantType;
  readonly dy: F32;
  readonly w: Uint8Array;
  readonly n: number;
  readonly k: number;
  readonly nOut: number;
  readonly out: F32;
}

/** Argument type of every op: the closed table. Adding an op here makes every backend fail to compile
 *  until it implements it. */
export interface OpArgs {
  gemm: GemmArgs;
  binary: BinaryArgs;
  unary: UnaryArgs;
  reduce: ReduceArgs;
  broadcast: BroadcastArgs;
  permute: PermuteArgs;
  embedding: EmbeddingArgs;
  embeddingBackward: EmbeddingBackwardArgs;
  layerNorm: LayerNormArgs;
  layerNormBackward: LayerNormBackwardArgs;
  rmsNorm: RmsNormArgs;
  rmsNormBackward: RmsNormBackwardArgs;
  softmax: SoftmaxArgs;
  softmaxBackward: SoftmaxBackwardArgs;
  activation: ActivationArgs;
  activationBackward: ActivationBackwardArgs;
  swiglu: SwigluArgs;
  swigluBackward: SwigluBackwardArgs;
  rope: RopeArgs;
  ropeBackward: RopeBackwardArgs;
  attention: AttentionArgs;
  attentionBackward: AttentionBackwardArgs;
  crossEntropy: CrossEntropyArgs;
  crossEntropyBackward: CrossEntropyBackwardArgs;
  adamw: AdamwArgs;
  sumSquares: SumSquaresArgs;
  halfToF32: HalfToF32Args;
  f32ToHalf: F32ToHalfArgs;
  quantMatmul: QuantMatmulArgs;
  quantMatmulT: QuantMatmulTArgs;
}

/** What each op returns: nothing (it writes its outputs) or a number. */
export interface OpResults {
  gemm: void;
  binary: void;
  unary: void;
  reduce: void;
  broadcast: void;
  permute: void;
  embedding: void;
  embeddingBackward: void;
  layerNorm: void;
  layerNormBackward: void;
  rmsNorm: void;
  rmsNormBackward: void;
  softmax: void;
  softmaxBackward: void;
  activation: void;
  activationBackward: void;
  swiglu: void;
  swigluBackward: void;
  rope: void;
  ropeBackward: void;
  attention: void;
  attentionBackward: void;
  crossEntropy: void;
  crossEntropyBackward: void;
  adamw: void;
  sumSquares: number;
  halfToF32: void;
  f32ToHalf: void;
  quantMatmul: void;
  quantMatmulT: void;
}

export type OpName = keyof OpArgs & keyof OpResults;
export type Kernel<K extends OpName> = (args: OpArgs[K]) => OpResults[K];
export type Kernels = { readonly [K in OpName]: Kernel<K> };

export const OP_NAMES: readonly OpName[] = [
  "gemm", "binary", "unary", "reduce", "broadcast", "permute", "embedding", "embeddingBackward",
  "layerNorm", "layerNormBackward", "rmsNorm", "rmsNormBackward", "softmax", "softmaxBackward",
  "activation", "activationBackward", "swiglu", "swigluBackward", "rope", "ropeBackward",
  "attention", "attentionBackward", "crossEntropy", "crossEntropyBackward", "adamw", "sumSquares",
  "halfToF32", "f32ToHalf", "quantMatmul", "quantMatmulT",
];

/** A backend: the kernels plus its thread setting. Kernels are called with arguments already validated
 *  (see validate.ts); a backend may still check what it needs for memory safety. */
export interface Backend extends Kernels {
  readonly name: "ref" | "native";
  /** Worker threads used by kernels (1 for ref). */
  threads(): number;
  setThreads(n: number): void;
}
