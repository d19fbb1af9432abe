// Reading a model's blueprint and f32 weights from the file formats other tools write (GGUF `llama`, llama2.c
// .bin, Hugging Face LlamaForCausalLM / GPT2LMHeadModel folders), renamed to the Hugging Face names kotodama
// uses. Not here: choosing the source (load.ts), kotodama run directories (load.ts), any forward pass.
//
// Every Linear weight is returned (out, in) as torch.nn.Linear stores it (GPT-2's Conv1D (in, out) is
// transposed here). Q/K rows keep the RoPE pair order of their file and the config says which it is:
// GGUF `llama` and llama2.c store adjacent pairs, Hugging Face stores rotate-half
// (../shared/reference/stories260K/README.md, "RoPE").
import { basename } from "node:path";
import {
  metaInt, metaNumber, metaString, openTensorFile, tensorF32, type TensorEntry, type TensorFile,
} from "../formats/index.js";
import type { QuantType } from "../engine/ops.js";
import { FormatError } from "../util/errors.js";
import { validateModelConfig, type ModelConfig } from "./config.js";

/** A weight matrix kept as ggml quantized rows (file bytes), for kernels that read them directly
 *  (engine quantMatmul): shape (rows, cols), cols a multiple of the block size. */
export interface QuantTensor {
  readonly type: QuantType;
  readonly bytes: Uint8Array;
  readonly shape: readonly [number, number];
}

/** Weights by Hugging Face name: f32, or quantized rows; Linear weights (out, in). */
export type ModelTensors = ReadonlyMap<string, Float32Array | QuantTensor>;

/** ggml types engine quantMatmul reads. */
const QUANT_KEEP: Readonly<Record<string, QuantType>> = { Q8_0: "q8_0", Q4_0: "q4_0", Q4_K: "q4_k", Q6_K: "q6_k" };

export interface SourceOptions {
  /** Keep Q8_0/Q4_0/Q4_K/Q6_K weight matrices (not the token embedding) quantized instead of dequantizing them. */
  readonly keepQuantized?: boolean;
}

export interface ModelSource {
  readonly format: "gguf" | "llama2c" | "hf-folder" | "run";
  readonly config: ModelConfig;
  readonly tensors: ModelTensors;
  /** Facts worth telling the user (e.g. a context length that looks like a converter default). */
  readonly notes: readonly string[];
  /** The stored dtype of each weight (for display: "F32", "Q8_0", ...). */
  readonly dtypes: ReadonlyMap<string, string>;
}

// ---- Hugging Face names ---------------------------------------------------------------------------------

/** Llama names (LlamaForCausalLM). */
export const llamaName = {
  embed: "model.embed_tokens.weight",
  norm: "model.norm.weight",
  lmHead: "lm_head.weight",
  layer: (l: number, part: "q" | "k" | "v" | "o"): string => `model.layers.${l}.self_attn.${part}_proj.weight`,
  mlp: (l: number, part: "gate" | "up" | "down"): string => `model.layers.${l}.mlp.${part}_proj.weight`,
  inputNorm: (l: number): string => `model.layers.${l}.input_layernorm.weight`,
  postNorm: (l: number): string => `model.layers.${l}.post_attention_layernorm.weight`,
} as const;

/** GPT-2 names (GPT2LMHeadModel); weights here are (out, in), unlike HF's Conv1D files. */
export const gpt2Name = {
  wte: "transformer.wte.weight",
  wpe: "transformer.wpe.weight",
  lnF: (p: "weight" | "bias"): string => `transformer.ln_f.${p}`,
  lmHead: "lm_head.weight",
  block: (l: number, part: "ln_1" | "ln_2" | "attn.c_attn" | "attn.c_proj" | "mlp.c_fc" | "mlp.c_proj", p: "weight" | "bias"): string =>
    `transformer.h.${l}.${part}.${p}`,
} as const;

// ---- shared helpers --------------------------------------------------------------------------------------

function byName(f: TensorFile): Map<string, TensorEntry> {
  return new Map(f.tensors.map((t) => [t.name, t]));
}

/** Reads `from` (a tensor of `f`) under `to`, checking its shape: as f32, or as quantized rows when `quant`
 *  and its type is one quantMatmul reads. */
function take(f: TensorFile, all: Map<string, TensorEntry>, from: string, shape: readonly number[], out: Map<string, Float32Array | QuantTensor>, dtypes: Map<string, string>, to = from, quant = false): void {
  const t = all.get(from);
  if (t === undefined) throw new FormatError(f.path, `missing tensor "${from}"`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new FormatError(f.path, `tensor "${from}" has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
  const q = QUANT_KEEP[t.dtype];
  if (quant && q !== undefined && shape.length === 2) out.set(to, { type: q, bytes: t.bytes().slice(), shape: [shape[0]!, shape[1]!] });
  else out.set(to, tensorF32(t));
  dtypes.set(to, t.dtype);
}

function positive(file: string, key: string, v: number | undefined): number {
  if (v === undefined || !Number.isSafeInteger(v) || v <= 0) throw new FormatError(file, `metadata ${key} must be a positive integer, got ${String(v)}`);
  return v;
}

/** x (rows, cols) → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c]!;
  return y;
}

// ---- GGUF `llama` -------------------------------------------------------------------------------------------

/** A GGUF file of architecture `llama` or `gpt2` (llama.cpp's tensor and metadata names, c392e509 llama-arch.cpp). */
export function ggufSource(f: TensorFile, opts: SourceOptions = {}): ModelSource {
  const file = f.path;
  const arch = metaString(f.metadata, "general.architecture", file);
  if (arch === "gpt2") return ggufGpt2Source(f, opts);
  if (arch !== "llama") throw new FormatError(file, `general.architecture is ${JSON.stringify(arch)}; kotodama runs GGUF models of architecture "llama" or "gpt2"`);
  const m = (k: string): number | undefined => metaNumber(f.metadata, `llama.${k}`, file);
  const all = byName(f);
  const embd = all.get("token_embd.weight");
  if (embd === undefined) throw new FormatError(file, 'missing tensor "token_embd.weight"');
  const dim = positive(file, "llama.embedding_length", metaInt(f.metadata, "llama.embedding_length", file));
  const nHeads = positive(file, "llama.attention.head_count", metaInt(f.metadata, "llama.attention.head_count", file));
  const nKvHeads = positive(file, "llama.attention.head_count_kv", metaInt(f.metadata, "llama.attention.head_count_kv", file) ?? nHeads);
  const context = positive(file, "llama.context_length", metaInt(f.metadata, "llama.context_length", file));
  const headDim = dim / nHeads;
  const ropeDims = m("rope.dimension_count");
  if (ropeDims !== undefined && ropeDims !== headDim) {
    throw new FormatError(file, `llama.rope.dimension_count is ${ropeDims}; kotodama rotates whole heads (head dim ${headDim})`);
  }
  const config = validateModelConfig({
    vocabSize: embd.shape[0] ?? 0,
    dim,
    nLayers: positive(file, "llama.block_count", metaInt(f.metadata, "llama.block_count", file)),
    nHeads,
    nKvHeads,
    hiddenDim: positive(file, "llama.feed_forward_length", metaInt(f.metadata, "llama.feed_forward_length", file)),
    context,
    norm: "rms",
    normEps: m("attention.layer_norm_rms_epsilon") ?? 1e-5,
    pos: "rope",
    ropeTheta: m("rope.freq_base") ?? 10000,
    ropePairing: "adjacent",
    mlp: "swiglu",
    bias: false,
    tieEmbeddings: !all.has("output.weight"),
  }, file);
  const out = new Map<string, Float32Array | QuantTensor>();
  const dtypes = new Map<string, string>();
  const { vocabSize: V, hiddenDim: F, nLayers: L } = config;
  const kv = nKvHeads * headDim;
  const q = opts.keepQuantized === true;
  take(f, all, "token_embd.weight", [V, dim], out, dtypes, llamaName.embed); // rows are looked up: f32
  take(f, all, "output_norm.weight", [dim], out, dtypes, llamaName.norm);
  if (!config.tieEmbeddings) take(f, all, "output.weight", [V, dim], out, dtypes, llamaName.lmHead, q);
  for (let l = 0; l < L; l++) {
    const b = (s: string): string => `blk.${l}.${s}.weight`;
    take(f, all, b("attn_norm"), [dim], out, dtypes, llamaName.inputNorm(l));
    take(f, all, b("attn_q"), [dim, dim], out, dtypes, llamaName.layer(l, "q"), q);
    take(f, all, b("attn_k"), [kv, dim], out, dtypes, llamaName.layer(l, "k"), q);
    take(f, all, b("attn_v"), [kv, dim], out, dtypes, llamaName.layer(l, "v"), q);
    take(f, all, b("attn_output"), [dim, dim], out, dtypes, llamaName.layer(l, "o"), q);
    take(f, all, b("ffn_norm"), [dim], out, dtypes, llamaName.postNorm(l));
    take(f, all, b("ffn_gate"), [F, dim], out, dtypes, llamaName.mlp(l, "gate"), q);
    take(f, all, b("ffn_up"), [F, dim], out, dtypes, llamaName.mlp(l, "up"), q);
    take(f, all, b("ffn_down"), [dim, F], out, dtypes, llamaName.mlp(l, "down"), q);
  }
  const notes: string[] = [];
  if (context === 128 && metaString(f.metadata, "general.name", file) === "llama") {
    notes.push(`${basename(file)}: llama.context_length is 128, llama.cpp's llama2.c-converter default; the model may have been trained longer (pass --context N to use more)`);
  }
  return { format: "gguf", config, tensors: out, notes, dtypes };
}

/** GGUF `gpt2`: token_embd, position_embd, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down}
 *  (weights and biases; attn_qkv rows [q; k; v]), output_norm, output (absent = tied). Matrices are (out, in)
 *  as llama.cpp's converter stores them (it transposes GPT-2's Conv1D). */
function ggufGpt2Source(f: TensorFile, opts: SourceOptions): ModelSource {
  const file = f.path;
  const int = (k: string): number => positive(file, `gpt2.${k}`, metaInt(f.metadata, `gpt2.${k}`, file));
  const all = byName(f);
  const embd = all.get("token_embd.weight");
  if (embd === undefined) throw new FormatError(file, 'missing tensor "token_embd.weight"');
  const dim = int("embedding_length");
  const nHeads = int("attention.head_count");
  const config = validateModelConfig({
    vocabSize: embd.shape[0] ?? 0, dim, nLayers: int("block_count"), nHeads, nKvHeads: nHeads, hiddenDim: int("feed_forward_length"),
    context: int("context_length"), norm: "layer", normEps: metaNumber(f.metadata, "gpt2.attention.layer_norm_epsilon", file) ?? 1e-5,
    pos: "learned", ropeTheta: 10000, ropePairing: "adjacent", mlp: "gelu", bias: true, tieEmbeddings: !all.has("output.weight"),
  }, file);
  const out = new Map<string, Float32Array | QuantTensor>();
  const dtypes = new Map<string, string>();
  const { vocabSize: V, hiddenDim: F, nLayers: L, context: P } = config;
  const q = opts.keepQuantized === true;
  const t = (from: string, shape: number[], to: string, quant = false): void => take(f, all, from, shape, out, dtypes, to, quant);
  t("token_embd.weight", [V, dim], gpt2Name.wte);
  t("position_embd.weight", [P, dim], gpt2Name.wpe);
  t("output_norm.weight", [dim], gpt2Name.lnF("weight"));
  t("output_norm.bias", [dim], gpt2Name.lnF("bias"));
  if (!config.tieEmbeddings) t("output.weight", [V, dim], gpt2Name.lmHead, q);
  for (let l = 0; l < L; l++) {
    const b = (s: string, p: "weight" | "bias"): string => `blk.${l}.${s}.${p}`;
    const pair = (s: string, part: Parameters<typeof gpt2Name.block>[1], rows: number, cols: number): void => {
      t(b(s, "weight"), cols === 0 ? [rows] : [rows, cols], gpt2Name.block(l, part, "weight"), q && cols > 0);
      t(b(s, "bias"), [rows], gpt2Name.block(l, part, "bias"));
    };
    pair("attn_norm", "ln_1", dim, 0);
    pair("attn_qkv", "attn.c_attn", 3 * dim, dim);
    pair("attn_output", "attn.c_proj", dim, dim);
    pair("ffn_norm", "ln_2", dim, 0);
    pair("ffn_up", "mlp.c_fc", F, dim);
    pair("ffn_down", "mlp.c_proj", dim, F);
  }
  return { format: "gguf", config, tensors: out, notes: [], dtypes };
}

// ---- llama2.c ------------------------------------------------------------------------------------------------

/** A llama2.c checkpoint (run.c legacy or export.py version 1): Llama with adjacent-pair RoPE. */
export function llama2cSource(f: TensorFile): ModelSource {
  const file = f.path;
  const n = (k: string): number => positive(file, k, metaNumber(f.metadata, k, file));
  const dim = n("dim");
  const nHeads = n("n_heads");
  const config = validateModelConfig({
    vocabSize: n("vocab_size"), dim, nLayers: n("n_layers"), nHeads, nKvHeads: n("n_kv_heads"), hiddenDim: n("hidden_dim"),
    context: n("seq_len"), norm: "rms", normEps: 1e-5, pos: "rope", ropeTheta: 10000, ropePairing: "adjacent",
    mlp: "swiglu", bias: false, tieEmbeddings: !f.tensors.some((t) => t.name === "wcls"),
  }, file);
  const all = byName(f);
  const out = new Map<string, Float32Array>();
  const dtypes = new Map<string, string>();
  const { vocabSize: V, hiddenDim: F, nLayers: L } = config;
  const kv = config.nKvHeads * (dim / nHeads);
  take(f, all, "token_embedding_table", [V, dim], out, dtypes, llamaName.embed);
  take(f, all, "rms_final_weight", [dim], out, dtypes, llamaName.norm);
  if (!config.tieEmbeddings) take(f, all, "wcls", [V, dim], out, dtypes, llamaName.lmHead);
  for (let l = 0; l < L; l++) {
    const b = (s: string): string => `layers.${l}.${s}`;
    take(f, all, b("rms_att_weight"), [dim], out, dtypes, llamaName.inputNorm(l));
    take(f, all, b("wq"), [dim, dim], out, dtypes, llamaName.layer(l, "q"));
    take(f, all, b("wk"), [kv, dim], out, dtypes, llamaName.layer(l, "k"));
    take(f, all, b("wv"), [kv, dim], out, dtypes, llamaName.layer(l, "v"));
    take(f, all, b("wo"), [dim, dim], out, dtypes, llamaName.layer(l, "o"));
    take(f, all, b("rms_ffn_weight"), [dim], out, dtypes, llamaName.postNorm(l));
    take(f, all, b("w1"), [F, dim], out, dtypes, llamaName.mlp(l, "gate"));
    take(f, all, b("w3"), [F, dim], out, dtypes, llamaName.mlp(l, "up"));
    take(f, all, b("w2"), [dim, F], out, dtypes, llamaName.mlp(l, "down"));
  }
  return { format: "llama2c", config, tensors: out, notes: [], dtypes };
}

// ---- Hugging Face folders ------------------------------------------------------------------------------------

const num = (file: string, cfg: Readonly<Record<string, unknown>>, key: string, fallback?: number): number => {
  const v = cfg[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
};

/** A LlamaForCausalLM or GPT2LMHeadModel folder (transformers' config.json keys). */
export function hfSource(f: TensorFile): ModelSource {
  const file = f.path;
  const cfg = f.config ?? {};
  const archs = cfg.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : String(cfg.model_type ?? "");
  const all = byName(f);
  const out = new Map<string, Float32Array>();
  const dtypes = new Map<string, string>();
  if (arch === "LlamaForCausalLM" || arch === "llama") {
    const dim = num(file, cfg, "hidden_size");
    const nHeads = num(file, cfg, "num_attention_heads");
    const config = validateModelConfig({
      vocabSize: num(file, cfg, "vocab_size"), dim, nLayers: num(file, cfg, "num_hidden_layers"), nHeads,
      nKvHeads: num(file, cfg, "num_key_value_heads", nHeads), hiddenDim: num(file, cfg, "intermediate_size"),
      context: num(file, cfg, "max_position_embeddings"), norm: "rms", normEps: num(file, cfg, "rms_norm_eps", 1e-6),
      pos: "rope", ropeTheta: num(file, cfg, "rope_theta", 10000), ropePairing: "half", mlp: "swiglu",
      bias: cfg.attention_bias === true, tieEmbeddings: cfg.tie_word_embeddings === true || !all.has(llamaName.lmHead),
    }, `${file}/config.json`);
    if (config.bias) throw new FormatError(file, "config.json: attention_bias true is not supported for Llama folders");
    const { vocabSize: V, hiddenDim: F, nLayers: L } = config;
    const kv = config.nKvHeads * (dim / nHeads);
    take(f, all, llamaName.embed, [V, dim], out, dtypes);
    take(f, all, llamaName.norm, [dim], out, dtypes);
    if (!config.tieEmbeddings) take(f, all, llamaName.lmHead, [V, dim], out, dtypes);
    for (let l = 0; l < L; l++) {
      take(f, all, llamaName.inputNorm(l), [dim], out, dtypes);
      take(f, all, llamaName.postNorm(l), [dim], out, dtypes);
      take(f, all, llamaName.layer(l, "q"), [dim, dim], out, dtypes);
      take(f, all, llamaName.layer(l, "k"), [kv, dim], out, dtypes);
      take(f, all, llamaName.layer(l, "v"), [kv, dim], out, dtypes);
      take(f, all, llamaName.layer(l, "o"), [dim, dim], out, dtypes);
      take(f, all, llamaName.mlp(l, "gate"), [F, dim], out, dtypes);
      take(f, all, llamaName.mlp(l, "up"), [F, dim], out, dtypes);
      take(f, all, llamaName.mlp(l, "down"), [dim, F], out, dtypes);
    }
    return { format: "hf-folder", config, tensors: out, notes: [], dtypes };
  }
  if (arch === "GPT2LMHeadModel" || arch === "gpt2") {
    const dim = num(file, cfg, "n_embd");
    const hidden = cfg.n_inner === null || cfg.n_inner === undefined ? 4 * dim : num(file, cfg, "n_inner");
    const config = validateModelConfig({
      vocabSize: num(file, cfg, "vocab_size"), dim, nLayers: num(file, cfg, "n_layer"), nHeads: num(file, cfg, "n_head"),
      nKvHeads: num(file, cfg, "n_head"), hiddenDim: hidden, context: num(file, cfg, "n_positions"), norm: "layer",
      normEps: num(file, cfg, "layer_norm_epsilon", 1e-5), pos: "learned", ropeTheta: 10000, ropePairing: "adjacent",
      mlp: "gelu", bias: true, tieEmbeddings: cfg.tie_word_embeddings !== false,
    }, `${file}/config.json`);
    const { vocabSize: V, hiddenDim: F, nLayers: L, context: P } = config;
    // transformers' GPT-2 names its tensors with or without the "transformer." prefix depending on the class saved.
    const pre = all.has(gpt2Name.wte) ? "" : "transformer.";
    const src = (n: string): string => (pre === "" ? n : n.replace(/^transformer\./, ""));
    const t1 = (name: string, shape: number[]): void => take(f, all, src(name), shape, out, dtypes, name);
    /** A Conv1D weight stored (in, out), returned (out, in). */
    const conv = (name: string, inF: number, outF: number): void => {
      take(f, all, src(name), [inF, outF], out, dtypes, name);
      out.set(name, transpose(out.get(name)!, inF, outF));
    };
    t1(gpt2Name.wte, [V, dim]);
    t1(gpt2Name.wpe, [P, dim]);
    t1(gpt2Name.lnF("weight"), [dim]);
    t1(gpt2Name.lnF("bias"), [dim]);
    if (!config.tieEmbeddings) t1(gpt2Name.lmHead, [V, dim]);
    for (let l = 0; l < L; l++) {
      for (const ln of ["ln_1", "ln_2"] as const) for (const p of ["weight", "bias"] as const) t1(gpt2Name.block(l, ln, p), [dim]);
      conv(gpt2Name.block(l, "attn.c_attn", "weight"), dim, 3 * dim);
      t1(gpt2Name.block(l, "attn.c_attn", "bias"), [3 * dim]);
      conv(gpt2Name.block(l, "attn.c_proj", "weight"), dim, dim);
      t1(gpt2Name.block(l, "attn.c_proj", "bias"), [dim]);
      conv(gpt2Name.block(l, "mlp.c_fc", "weight"), dim, F);
      t1(gpt2Name.block(l, "mlp.c_fc", "bias"), [F]);
      conv(gpt2Name.block(l, "mlp.c_proj", "weight"), F, dim);
      t1(gpt2Name.block(l, "mlp.c_proj", "bias"), [dim]);
    }
    return { format: "hf-folder", config, tensors: out, notes: [], dtypes };
  }
  throw new FormatError(file, `config.json: architecture ${JSON.stringify(arch)} is not supported (LlamaForCausalLM or GPT2LMHeadModel)`);
}

/** Opens any supported model file or folder by content. */
export function openModelSource(path: string, opts: SourceOptions = {}): ModelSource {
  const f = openTensorFile(path);
  switch (f.format) {
    case "gguf":
      return ggufSource(f, opts);
    case "llama2c":
      return llama2cSource(f);
    case "hf-folder":
      return hfSource(f);
    case "safetensors":
      throw new FormatError(path, "a bare .safetensors file has no config: pass its Hugging Face folder or kotodama run directory");
  }
}
