// The decoder's typed, readonly configuration, its presets, and the sizes derived from it.
// Not here: weights, layers or any math (decoder.ts); parsing of user files goes through parseModelConfig.
import { KotodamaError } from "../util/errors.js";

/** One decoder, two families by flags (STYLE.md principle 2):
 *  GPT-2 style = norm "layer", pos "learned", mlp "gelu", bias true, tieEmbeddings true;
 *  Llama style = norm "rms", pos "rope", mlp "swiglu", bias false, grouped-query heads. */
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
  readonly mlp: "gelu" | "swiglu";
  readonly bias: boolean;
  readonly tieEmbeddings: boolean;
}

export const headDim = (c: ModelConfig): number => c.dim / c.nHeads; // D
export const kvDim = (c: ModelConfig): number => headDim(c) * c.nKvHeads; // Hkv·D

/** Which Hugging Face naming scheme the weights use (models/weights.ts): GPT2LMHeadModel's for the GPT-2
 *  flags (LayerNorm, learned positions, GELU MLP, full multi-head attention), LlamaForCausalLM's otherwise. */
export type WeightNaming = "gpt2" | "llama";
export const weightNaming = (c: ModelConfig): WeightNaming =>
  c.norm === "layer" && c.pos === "learned" && c.mlp === "gelu" && c.nKvHeads === c.nHeads ? "gpt2" : "llama";

/** Trainable scalars of a config (tied embeddings counted once), without building the weights. */
export function parameterCountOf(c: ModelConfig): number {
  const C = c.dim;
  const qd = c.nHeads * headDim(c);
  const kd = kvDim(c);
  const b = c.bias ? 1 : 0;
  const norm = c.norm === "layer" ? 2 * C : C;
  const attn = C * (qd + 2 * kd) + b * (qd + 2 * kd) + qd * C + b * C;
  const mlp = c.mlp === "gelu" ? 2 * C * c.hiddenDim + b * (c.hiddenDim + C) : 3 * C * c.hiddenDim + b * (2 * c.hiddenDim + C);
  const emb = c.vocabSize * C + (c.pos === "learned" ? c.context * C : 0) + (c.tieEmbeddings ? 0 : c.vocabSize * C);
  return emb + c.nLayers * (2 * norm + attn + mlp) + norm;
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
    hiddenDim: 688,
    context: 256,
    norm: "rms",
    normEps: 1e-5,
    pos: "rope",
    ropeTheta: 10000,
    ropePairing: "adjacent",
    mlp: "swiglu",
    bias: false,
    tieEmbeddings: true,
  },
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof MODEL_PRESETS;

export const MODEL_CONFIG_KEYS: readonly (keyof ModelConfig)[] = [
  "vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "hiddenDim", "context", "norm", "normEps", "pos",
  "ropeTheta", "ropePairing", "mlp", "bias", "tieEmbeddings",
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
  oneOf("mlp", ["gelu", "swiglu"]);
  oneOf("bias", [true, false]);
  oneOf("tieEmbeddings", [true, false]);
  for (const k of ["normEps", "ropeTheta"] as const) {
    if (typeof c[k] !== "number" || !Number.isFinite(c[k]) || c[k] <= 0) {
      throw new KotodamaError(`${where}: ${k} must be a positive number, got ${JSON.stringify(c[k])}`);
    }
  }
  if (c.dim % c.nHeads !== 0) throw new KotodamaError(`${where}: dim (${c.dim}) must be divisible by nHeads (${c.nHeads})`);
  if (c.nHeads % c.nKvHeads !== 0) {
    throw new KotodamaError(`${where}: nHeads (${c.nHeads}) must be a multiple of nKvHeads (${c.nKvHeads})`);
  }
  if (c.pos === "rope" && headDim(c) % 2 !== 0) {
    throw new KotodamaError(`${where}: RoPE needs an even head dim, got dim/nHeads = ${headDim(c)}`);
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
  for (const k of MODEL_CONFIG_KEYS) if (!(k in rec)) throw new KotodamaError(`${where}: missing key '${k}'`);
  return validateModelConfig(rec as unknown as ModelConfig, where);
}
