// The decoder's typed, readonly configuration, its presets, and the sizes derived from it.
// Not here: weights, layers or any math (decoder.ts); parsing of user files goes through parseModelConfig.
import { KotodamaError } from "../util/errors.js";

/** One decoder, every family by flags (STYLE.md principle 2; the families' tensor names and hyperparameter keys
 *  are data in models/families/):
 *  GPT-2 style = norm "layer", pos "learned", mlp "gelu", bias true, tieEmbeddings true;
 *  Llama style = norm "rms", pos "rope", mlp "swiglu", bias false, grouped-query heads;
 *  Qwen2 = Llama + qkvBias; Qwen3 = Llama + qkNorm; Phi-3 = Llama with fused q|k|v and gate|up matrices;
 *  Gemma 2/3 = Llama + mlp "geglu", embedScale, postNorms, sliding-window layers (Gemma 2: soft-capping,
 *  Gemma 3: qkNorm and a local RoPE base). Flags that a family does not use keep their neutral value (false, 0, 1),
 *  and configs written before a flag existed read it as neutral. */
export interface ModelConfig {
  readonly vocabSize: number; // V
  readonly dim: number; // C
  readonly nLayers: number; // L
  readonly nHeads: number; // H
  readonly nKvHeads: number; // Hkv (H % Hkv === 0; Hkv < H is grouped-query attention)
  readonly hiddenDim: number; // MLP inner width
  readonly context: number; // maximum sequence length T the model is trained/used with
  readonly norm: "layer" | "rms";
  readonly normEps: number;
  readonly pos: "learned" | "rope";
  readonly ropeTheta: number;
  /** RoPE pair layout of the q/k rows: "adjacent" (GGUF llama, llama2.c) or "half" (Hugging Face, NeoX). */
  readonly ropePairing: "adjacent" | "half";
  /** gelu: up → gelu → down; swiglu: silu(gate) ⊙ up; geglu: gelu_tanh(gate) ⊙ up (Gemma). */
  readonly mlp: "gelu" | "swiglu" | "geglu";
  readonly bias: boolean;
  readonly tieEmbeddings: boolean;
  /** Per-head size D when it is not dim / nHeads (Gemma, Qwen3: attention width H·D ≠ C); 0 = dim / nHeads. */
  readonly headSize: number;
  /** Rotated dims of each head (partial rotary, e.g. Phi-4-mini); 0 = the whole head. */
  readonly rotaryDim: number;
  /** Biases on the q, k and v projections only (Qwen2). `bias` puts them on every Linear (GPT-2). */
  readonly qkvBias: boolean;
  /** RMSNorm over each head of q and k before RoPE, weights (D) (Qwen3, Gemma 3). */
  readonly qkNorm: boolean;
  /** A norm on the attention output and on the MLP output before each residual add (Gemma 2/3). */
  readonly postNorms: boolean;
  /** Scale the token embedding by √C (Gemma). */
  readonly embedScale: boolean;
  /** Attention score scale; 0 = 1/√D (Gemma 2 sets it from query_pre_attn_scalar). */
  readonly attnScale: number;
  /** Scores s ↦ cap·tanh(s/cap) in attention, and logits likewise at the output (Gemma 2); 0 = off. */
  readonly attnSoftcap: number;
  readonly finalSoftcap: number;
  /** Sliding-window attention: a sliding layer's query at p sees keys j > p − slidingWindow; 0 = off. */
  readonly slidingWindow: number;
  /** Which layers slide: layer l does unless (l + 1) is a multiple of swaPeriod (Gemma 2: 2, Gemma 3: 6);
   *  1 = every layer (Mistral). */
  readonly swaPeriod: number;
  /** RoPE base of the sliding layers (Gemma 3: 10000 while global layers use 1e6); 0 = ropeTheta. */
  readonly ropeThetaLocal: number;
  /** Linear RoPE scaling of the global layers: positions divided by this (Gemma 3 4B+: 8); 1 = none. Per-pair
   *  factors (Llama 3.1 scaling) are a weight, model.rope_freqs, not a config value. */
  readonly ropeScale: number;
}

/** The neutral value of every flag added after the first release (configs without them read these). */
export const NEUTRAL_FLAGS = {
  headSize: 0, rotaryDim: 0, qkvBias: false, qkNorm: false, postNorms: false, embedScale: false, attnScale: 0,
  attnSoftcap: 0, finalSoftcap: 0, slidingWindow: 0, swaPeriod: 1, ropeThetaLocal: 0, ropeScale: 1,
} as const satisfies Partial<ModelConfig>;

export const headDim = (c: ModelConfig): number => (c.headSize > 0 ? c.headSize : c.dim / c.nHeads); // D
export const qDim = (c: ModelConfig): number => c.nHeads * headDim(c); // H·D
export const ropeDims = (c: ModelConfig): number => (c.rotaryDim > 0 ? c.rotaryDim : headDim(c));
export const attnScaleOf = (c: ModelConfig): number => (c.attnScale > 0 ? c.attnScale : 1 / Math.sqrt(headDim(c)));
/** Whether layer l attends within a sliding window. */
export const isSlidingLayer = (c: ModelConfig, l: number): boolean =>
  c.slidingWindow > 0 && (c.swaPeriod <= 1 || (l + 1) % c.swaPeriod !== 0);
/** Gated MLPs (two input matrices, gate and up). */
export const isGated = (c: ModelConfig): boolean => c.mlp !== "gelu";
export const kvDim = (c: ModelConfig): number => headDim(c) * c.nKvHeads; // Hkv·D

/** Which Hugging Face naming scheme the weights use (models/weights.ts): GPT2LMHeadModel's for the GPT-2
 *  flags (LayerNorm, learned positions, GELU MLP, full multi-head attention), LlamaForCausalLM's otherwise. */
export type WeightNaming = "gpt2" | "llama";
export const weightNaming = (c: ModelConfig): WeightNaming =>
  c.norm === "layer" && c.pos === "learned" && c.mlp === "gelu" && c.nKvHeads === c.nHeads && c.headSize === 0 ? "gpt2" : "llama";

/** Trainable scalars of a config (tied embeddings counted once), without building the weights. */
export function parameterCountOf(c: ModelConfig): number {
  const C = c.dim;
  const qd = qDim(c);
  const kd = kvDim(c);
  const b = c.bias ? 1 : 0;
  const norm = c.norm === "layer" ? 2 * C : C;
  const attn = C * (qd + 2 * kd) + (b || c.qkvBias ? qd + 2 * kd : 0) + qd * C + b * C + (c.qkNorm ? 2 * headDim(c) : 0);
  const mlp = c.mlp === "gelu" ? 2 * C * c.hiddenDim + b * (c.hiddenDim + C) : 3 * C * c.hiddenDim + b * (2 * c.hiddenDim + C);
  const emb = c.vocabSize * C + (c.pos === "learned" ? c.context * C : 0) + (c.tieEmbeddings ? 0 : c.vocabSize * C);
  return emb + c.nLayers * ((c.postNorms ? 4 : 2) * norm + attn + mlp) + norm;
}

/** Llama's MLP width (Meta's model.py): 2/3 of 4·dim, rounded up to a multiple of `multipleOf`. */
export function llamaHidden(dim: number, multipleOf: number): number {
  const h = Math.floor((2 * 4 * dim) / 3);
  return multipleOf * Math.ceil(h / multipleOf);
}

const GPT2_FLAGS = {
  norm: "layer",
  normEps: 1e-5,
  pos: "learned",
  ropeTheta: 10000,
  ropePairing: "adjacent",
  mlp: "gelu",
  bias: true,
  tieEmbeddings: true,
  ...NEUTRAL_FLAGS,
} as const;

/** Presets. tiny = nanoGPT's CPU configuration; small = a 6-layer GPT-2; both GPT-2 flags so that they compare
 *  like for like with nanoGPT/PyTorch. default = what `npm start` trains (Llama style). */
export const MODEL_PRESETS = {
  tiny: { vocabSize: 65, dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 4, hiddenDim: 512, context: 64, ...GPT2_FLAGS },
  small: { vocabSize: 4096, dim: 384, nLayers: 6, nHeads: 6, nKvHeads: 6, hiddenDim: 1536, context: 256, ...GPT2_FLAGS },
  default: {
    vocabSize: 4096,
    dim: 256,
    nLayers: 6,
    nHeads: 8,
    nKvHeads: 4,
    // Llama's FFN width rule (multiple_of 32 over 2/3·4C = 682.7 → 704), so that every matrix has rows of whole
    // 32-value quantization blocks: llama-quantize then quantizes ffn_down too (688 left it in F32).
    hiddenDim: llamaHidden(256, 32),
    context: 256,
    norm: "rms",
    normEps: 1e-5,
    pos: "rope",
    ropeTheta: 10000,
    ropePairing: "adjacent",
    mlp: "swiglu",
    bias: false,
    tieEmbeddings: true,
    ...NEUTRAL_FLAGS,
  },
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof MODEL_PRESETS;

export const MODEL_CONFIG_KEYS: readonly (keyof ModelConfig)[] = [
  "vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "hiddenDim", "context", "norm", "normEps", "pos",
  "ropeTheta", "ropePairing", "mlp", "bias", "tieEmbeddings", ...(Object.keys(NEUTRAL_FLAGS) as (keyof typeof NEUTRAL_FLAGS)[]),
];

/** Checks a config's invariants; throws a KotodamaError naming the field and what was expected. */
export function validateModelConfig(c: ModelConfig, where = "model config"): ModelConfig {
  const posInt = (k: keyof ModelConfig): void => {
    const v = c[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
      throw new KotodamaError(`${where}: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  };
  for (const k of ["vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "hiddenDim", "context"] as const) posInt(k);
  const oneOf = (k: keyof ModelConfig, allowed: readonly unknown[]): void => {
    if (!allowed.includes(c[k])) {
      throw new KotodamaError(`${where}: ${k} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(c[k])}`);
    }
  };
  oneOf("norm", ["layer", "rms"]);
  oneOf("pos", ["learned", "rope"]);
  oneOf("ropePairing", ["adjacent", "half"]);
  oneOf("mlp", ["gelu", "swiglu", "geglu"]);
  for (const k of ["bias", "tieEmbeddings", "qkvBias", "qkNorm", "postNorms", "embedScale"] as const) oneOf(k, [true, false]);
  for (const k of ["headSize", "rotaryDim", "slidingWindow", "swaPeriod"] as const) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new KotodamaError(`${where}: ${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  for (const k of ["attnScale", "attnSoftcap", "finalSoftcap", "ropeThetaLocal"] as const) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new KotodamaError(`${where}: ${k} must be a non-negative number, got ${JSON.stringify(v)}`);
  }
  if (typeof c.ropeScale !== "number" || !Number.isFinite(c.ropeScale) || c.ropeScale <= 0) {
    throw new KotodamaError(`${where}: ropeScale must be a positive number, got ${JSON.stringify(c.ropeScale)}`);
  }
  for (const k of ["normEps", "ropeTheta"] as const) {
    if (typeof c[k] !== "number" || !Number.isFinite(c[k]) || c[k] <= 0) {
      throw new KotodamaError(`${where}: ${k} must be a positive number, got ${JSON.stringify(c[k])}`);
    }
  }
  if (c.headSize === 0 && c.dim % c.nHeads !== 0) throw new KotodamaError(`${where}: dim (${c.dim}) must be divisible by nHeads (${c.nHeads}) unless headSize is set`);
  if (c.nHeads % c.nKvHeads !== 0) {
    throw new KotodamaError(`${where}: nHeads (${c.nHeads}) must be a multiple of nKvHeads (${c.nKvHeads})`);
  }
  if (c.pos === "rope" && (ropeDims(c) % 2 !== 0 || ropeDims(c) > headDim(c))) {
    throw new KotodamaError(`${where}: RoPE needs an even number of rotated dims ≤ the head dim, got ${ropeDims(c)} of ${headDim(c)}`);
  }
  return c;
}

/** Builds a config from a preset plus overrides (from a JSON file or flags). Unknown keys are errors. */
export function resolveModelConfig(preset: string, overrides: Readonly<Record<string, unknown>> = {}, where = "model config"): ModelConfig {
  if (!Object.hasOwn(MODEL_PRESETS, preset)) {
    throw new KotodamaError(`${where}: unknown preset '${preset}'; expected one of: ${Object.keys(MODEL_PRESETS).join(", ")}`);
  }
  for (const k of Object.keys(overrides)) {
    if (!(MODEL_CONFIG_KEYS as readonly string[]).includes(k)) {
      throw new KotodamaError(`${where}: unknown key '${k}'; expected one of: ${MODEL_CONFIG_KEYS.join(", ")}`);
    }
  }
  const base: ModelConfig = MODEL_PRESETS[preset as PresetName];
  return validateModelConfig({ ...base, ...overrides } as ModelConfig, where);
}

/** A complete config from parsed JSON (e.g. a run's config.json): every key required, unknown keys errors. */
export function parseModelConfig(obj: unknown, where = "model config"): ModelConfig {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new KotodamaError(`${where}: expected a JSON object`);
  const rec = obj as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!(MODEL_CONFIG_KEYS as readonly string[]).includes(k)) {
      throw new KotodamaError(`${where}: unknown key '${k}'; expected one of: ${MODEL_CONFIG_KEYS.join(", ")}`);
    }
  }
  const full: Record<string, unknown> = { ...NEUTRAL_FLAGS, ...rec };
  for (const k of MODEL_CONFIG_KEYS) if (!(k in full)) throw new KotodamaError(`${where}: missing key '${k}'`);
  return validateModelConfig(full as unknown as ModelConfig, where);
}
