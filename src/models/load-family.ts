// Reading any family's blueprint and weights from a GGUF file, a Hugging Face folder or a llama2.c checkpoint by
// its family table (models/families/): hyperparameters by the common keys, every tensor by its name in that format,
// shapes checked, renamed to kotodama's names. Not here: the tables themselves, kotodama run directories (load.ts),
// any forward pass.
import { basename } from "node:path";
import { metaInt, metaNumber, metaString, tensorF32, type TensorEntry, type TensorFile } from "../formats/index.js";
import type { QuantType } from "../engine/ops.js";
import { FormatError } from "../util/errors.js";
import { validateModelConfig, type ModelConfig } from "./config.js";
import { expandTensors, familyOfGguf, familyOfHf, FAMILIES, llama3RopeFactors, type CommonHparams, type Family } from "./families/index.js";
import { llama } from "./families/llama.js";

/** A weight matrix kept as ggml quantized rows (file bytes), for kernels that read them directly
 *  (engine quantMatmul): shape (rows, cols), cols a multiple of the block size. */
export interface QuantTensor {
  readonly type: QuantType;
  readonly bytes: Uint8Array;
  readonly shape: readonly [number, number];
}

/** Weights by kotodama name (families/family.ts): f32, or quantized rows; Linear weights (out, in). */
export type ModelTensors = ReadonlyMap<string, Float32Array | QuantTensor>;

export interface SourceOptions {
  /** Keep Q8_0/Q4_0/Q4_K/Q6_K weight matrices and the token embedding quantized instead of dequantizing them. */
  readonly keepQuantized?: boolean;
}

export interface ModelSource {
  readonly format: "gguf" | "llama2c" | "hf-folder" | "run";
  readonly family: Family;
  readonly config: ModelConfig;
  readonly tensors: ModelTensors;
  /** Facts worth telling the user (e.g. a context length that looks like a converter default). */
  readonly notes: readonly string[];
  /** The stored dtype of each weight (for display: "F32", "Q8_0", ...). */
  readonly dtypes: ReadonlyMap<string, string>;
}

/** ggml types engine quantMatmul reads. */
const QUANT_KEEP: Readonly<Record<string, QuantType>> = { Q8_0: "q8_0", Q4_0: "q4_0", Q4_K: "q4_k", Q6_K: "q6_k" };

const known = (): string => FAMILIES.map((f) => f.gguf).join(", ");

function positive(file: string, key: string, v: number | undefined): number {
  if (v === undefined || !Number.isSafeInteger(v) || v <= 0) throw new FormatError(file, `${key} must be a positive integer, got ${String(v)}`);
  return v;
}

/** x (rows, cols) → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c]!;
  return y;
}

// ---- hyperparameters ------------------------------------------------------------------------------------------

/** GGUF `{arch}.*` keys (llama.cpp llama-arch.cpp LLM_KV_*). */
function ggufHparams(f: TensorFile, arch: string): CommonHparams {
  const file = f.path, m = f.metadata;
  const int = (k: string): number | undefined => metaInt(m, `${arch}.${k}`, file);
  const num = (k: string): number | undefined => metaNumber(m, `${arch}.${k}`, file);
  const need = (k: string): number => positive(file, `metadata ${arch}.${k}`, int(k));
  const embd = f.tensors.find((t) => t.name === "token_embd.weight");
  if (embd === undefined) throw new FormatError(file, 'missing tensor "token_embd.weight"');
  const nHeads = need("attention.head_count");
  const scaling = metaString(m, `${arch}.rope.scaling.type`, file);
  if (scaling !== undefined && scaling !== "none" && scaling !== "linear") {
    throw new FormatError(file, `${arch}.rope.scaling.type = '${scaling}' is not supported (kotodama runs plain, linear and Llama 3 rope_freqs scaling)`);
  }
  return {
    vocabSize: embd.shape[0] ?? 0,
    dim: need("embedding_length"),
    nLayers: need("block_count"),
    nHeads,
    nKvHeads: positive(file, `metadata ${arch}.attention.head_count_kv`, int("attention.head_count_kv") ?? nHeads),
    hiddenDim: need("feed_forward_length"),
    context: need("context_length"),
    normEps: num("attention.layer_norm_rms_epsilon") ?? num("attention.layer_norm_epsilon"),
    ropeTheta: num("rope.freq_base"),
    headSize: int("attention.key_length") ?? 0,
    rotaryDim: int("rope.dimension_count") ?? 0,
    slidingWindow: int("attention.sliding_window") ?? 0,
    attnSoftcap: num("attn_logit_softcapping") ?? 0,
    finalSoftcap: num("final_logit_softcapping") ?? 0,
    ropeScale: scaling === "linear" ? (num("rope.scaling.factor") ?? 1) : 1,
    queryPreAttnScalar: 0,
    tied: !f.tensors.some((t) => t.name === "output.weight"),
  };
}

/** config.json keys (transformers' PretrainedConfig names; GPT-2's own where it differs). */
function hfHparams(f: TensorFile, cfg: Readonly<Record<string, unknown>>, hasLmHead: boolean): CommonHparams {
  const file = `${f.path}/config.json`;
  const pick = (keys: readonly string[]): number | undefined => {
    for (const k of keys) {
      const v = cfg[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `${k} must be a number, got ${JSON.stringify(v)}`);
      return v;
    }
    return undefined;
  };
  const need = (keys: readonly string[]): number => positive(file, keys[0]!, pick(keys));
  const dim = need(["hidden_size", "n_embd"]);
  const nHeads = need(["num_attention_heads", "n_head"]);
  const headSize = pick(["head_dim"]) ?? 0;
  const rs = cfg.rope_scaling;
  const scaling = typeof rs === "object" && rs !== null ? (rs as Record<string, unknown>) : null;
  const sType = scaling === null ? null : String(scaling.rope_type ?? scaling.type ?? "");
  if (sType !== null && sType !== "linear" && sType !== "llama3" && sType !== "default") {
    throw new FormatError(file, `rope_scaling type '${sType}' is not supported (kotodama runs plain, linear and llama3 scaling)`);
  }
  const partial = pick(["partial_rotary_factor"]);
  const D = headSize > 0 ? headSize : dim / nHeads;
  return {
    vocabSize: need(["vocab_size"]),
    dim,
    nLayers: need(["num_hidden_layers", "n_layer"]),
    nHeads,
    nKvHeads: pick(["num_key_value_heads"]) ?? nHeads,
    hiddenDim: pick(["intermediate_size", "n_inner"]) ?? 0,
    context: need(["max_position_embeddings", "n_positions"]),
    normEps: pick(["rms_norm_eps", "layer_norm_epsilon"]),
    ropeTheta: pick(["rope_theta"]),
    headSize,
    rotaryDim: partial !== undefined ? Math.round(D * partial) : 0,
    slidingWindow: cfg.use_sliding_window === false ? 0 : (pick(["sliding_window"]) ?? 0),
    attnSoftcap: pick(["attn_logit_softcapping"]) ?? 0,
    finalSoftcap: pick(["final_logit_softcapping"]) ?? 0,
    ropeScale: sType === "linear" ? (typeof scaling!.factor === "number" ? scaling!.factor : 1) : 1,
    queryPreAttnScalar: pick(["query_pre_attn_scalar"]) ?? 0,
    tied: cfg.tie_word_embeddings === true || (cfg.tie_word_embeddings === undefined && !hasLmHead),
  };
}

// ---- tensors -------------------------------------------------------------------------------------------------

type Pick = (e: ReturnType<typeof expandTensors>[number]) => string | null | undefined;

/** Reads every tensor of `family` for `config` from `f`, named by `pick`, into kotodama names. */
function readTensors(f: TensorFile, family: Family, config: ModelConfig, pick: Pick, hf: boolean, opts: SourceOptions): { tensors: Map<string, Float32Array | QuantTensor>; dtypes: Map<string, string> } {
  const all = new Map<string, TensorEntry>(f.tensors.map((t) => [t.name, t]));
  const tensors = new Map<string, Float32Array | QuantTensor>();
  const dtypes = new Map<string, string>();
  const keep = opts.keepQuantized === true;
  for (const e of expandTensors(family, config)) {
    const src = pick(e);
    const entry = src === null || src === undefined ? undefined : all.get(src);
    if (entry === undefined) {
      if (e.t.optional === true || src === null) continue;
      throw new FormatError(f.path, `missing tensor "${src ?? e.name}" (${family.name} ${e.name})`);
    }
    if (e.t.unsupported !== undefined) throw new FormatError(f.path, `tensor "${entry.name}": ${e.t.unsupported}`);
    const shape = e.t.shape(config);
    const stored = hf && e.t.hfTransposed === true ? [...shape].reverse() : shape;
    if (entry.shape.length !== stored.length || entry.shape.some((d, i) => d !== stored[i])) {
      throw new FormatError(f.path, `tensor "${entry.name}" has shape [${entry.shape.join(", ")}], expected [${stored.join(", ")}] for this ${family.name} config`);
    }
    dtypes.set(e.name, entry.dtype);
    const q = QUANT_KEEP[entry.dtype];
    if (keep && (e.t.matrix === true || e.t.table === true) && q !== undefined && shape.length === 2) {
      tensors.set(e.name, { type: q, bytes: entry.bytes().slice(), shape: [shape[0]!, shape[1]!] });
      continue;
    }
    let x = tensorF32(entry);
    if (hf && e.t.hfTransposed === true) x = transpose(x, stored[0]!, stored[1]!);
    if (hf && e.t.hfPlusOne === true) for (let i = 0; i < x.length; i++) x[i]! += 1;
    tensors.set(e.name, x);
  }
  return { tensors, dtypes };
}

/** A GGUF file of any family in the table. */
export function ggufFamilySource(f: TensorFile, opts: SourceOptions = {}): ModelSource {
  const file = f.path;
  const arch = metaString(f.metadata, "general.architecture", file) ?? "";
  const family = familyOfGguf(arch);
  if (family === undefined) throw new FormatError(file, `general.architecture is ${JSON.stringify(arch)}; kotodama runs GGUF architectures ${known()}`);
  const config = validateModelConfig(family.config(ggufHparams(f, arch), family.ggufRope), file);
  const { tensors, dtypes } = readTensors(f, family, config, (e) => e.gguf, false, opts);
  const notes: string[] = [];
  if (config.context === 128 && metaString(f.metadata, "general.name", file) === "llama") {
    notes.push(`${basename(file)}: llama.context_length is 128, llama.cpp's llama2.c-converter default; the model may have been trained longer (pass --context N to use more)`);
  }
  return { format: "gguf", family, config, tensors, notes, dtypes };
}

/** A Hugging Face folder of any family in the table (config.json `architectures[0]` or `model_type`). */
export function hfFamilySource(f: TensorFile, opts: SourceOptions = {}): ModelSource {
  const file = f.path;
  const cfg = f.config ?? {};
  const archs = cfg.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : String(cfg.model_type ?? "");
  const family = familyOfHf(arch);
  if (family === undefined) {
    throw new FormatError(file, `config.json: architecture ${JSON.stringify(arch)} is not supported (${FAMILIES.map((x) => x.hf[0]).join(", ")})`);
  }
  if (cfg.attention_bias === true && family.name === "llama") throw new FormatError(file, "config.json: attention_bias true is not supported for Llama folders");
  const names = new Set(f.tensors.map((t) => t.name));
  // transformers saves GPT-2 with or without the "transformer." prefix depending on the class.
  const unprefixed = family.name === "gpt2" && !names.has("transformer.wte.weight");
  const hfName = (n: string): string => (unprefixed ? n.replace(/^transformer\./, "") : n);
  const h = hfHparams(f, cfg, names.has("lm_head.weight"));
  const config = validateModelConfig(family.config(h, "half"), `${file}/config.json`);
  const { tensors, dtypes } = readTensors(f, family, config, (e) => (e.hf === null ? null : hfName(e.hf)), true, opts);
  const rs = cfg.rope_scaling;
  if (typeof rs === "object" && rs !== null && String((rs as Record<string, unknown>).rope_type) === "llama3") {
    tensors.set("model.rope_freqs", llama3RopeFactors(config, rs as Record<string, unknown>));
  }
  return { format: "hf-folder", family, config, tensors, notes: [], dtypes };
}

/** A llama2.c checkpoint (run.c legacy or export.py version 1): Llama with adjacent-pair RoPE. */
export function llama2cFamilySource(f: TensorFile): ModelSource {
  const file = f.path;
  const n = (k: string): number => positive(file, `llama2.c header ${k}`, metaNumber(f.metadata, k, file));
  const h: CommonHparams = {
    vocabSize: n("vocab_size"), dim: n("dim"), nLayers: n("n_layers"), nHeads: n("n_heads"), nKvHeads: n("n_kv_heads"),
    hiddenDim: n("hidden_dim"), context: n("seq_len"), normEps: 1e-5, ropeTheta: 10000, headSize: 0, rotaryDim: 0,
    slidingWindow: 0, attnSoftcap: 0, finalSoftcap: 0, ropeScale: 1, queryPreAttnScalar: 0,
    tied: !f.tensors.some((t) => t.name === "wcls"),
  };
  const config = validateModelConfig(llama.config(h, "adjacent"), file);
  const { tensors, dtypes } = readTensors(f, llama, config, (e) => e.l2c ?? null, false, {});
  return { format: "llama2c", family: llama, config, tensors, notes: [], dtypes };
}
