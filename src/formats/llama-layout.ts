// A Llama checkpoint as the formats lay it out: hyperparameters and every weight under its GGUF, Hugging Face and
// llama2.c names, read from a GGUF `llama` file, a LlamaForCausalLM folder, a kotodama run directory or a
// llama2.c .bin, with the RoPE row order of the source. Not here: writing (convert.ts), running (models/, infer/).
//
// Names follow llama.cpp's llama-arch.cpp / convert_hf_to_gguf.py (c392e509) and llama2.c's run.c. Canonical
// order is the one llama.cpp's converters write: token_embd, output_norm, output, then per block attn_q,
// attn_k, attn_v, attn_output, attn_norm, ffn_gate, ffn_down, ffn_up, ffn_norm.
import { basename } from "node:path";
import { FormatError } from "../util/errors.js";
import { metaInt, metaNumber, metaString } from "./gguf/value.js";
import type { TensorEntry } from "./tensor.js";
import type { TensorFile } from "./tensor-file.js";

export interface LlamaHparams {
  readonly name: string;
  readonly vocabSize: number; // V
  readonly dim: number; // C
  readonly nLayers: number; // L
  readonly nHeads: number; // H
  readonly nKvHeads: number; // Hkv
  readonly hiddenDim: number; // MLP inner width
  readonly context: number;
  readonly rmsEps: number;
  /** RoPE base; undefined when the source does not say (llama.cpp and transformers then use 10000). */
  readonly ropeTheta: number | undefined;
  /** The source stores no separate classifier: output = token embedding. */
  readonly tied: boolean;
}

export const llamaHeadDim = (h: LlamaHparams): number => h.dim / h.nHeads; // D

/** One weight of the checkpoint: its names in the three formats, row-major shape, and its source tensor. */
export interface LlamaWeight {
  readonly gguf: string;
  readonly hf: string;
  readonly shape: readonly number[];
  /** Q and K rows are in the source's RoPE order; "q"/"k" say which head count permutes them. */
  readonly qk: "q" | "k" | null;
  readonly entry: TensorEntry;
}

export interface LlamaCheckpoint {
  readonly hp: LlamaHparams;
  /** In canonical order; `output` is absent when tied (except from llama2.c, see readLlamaCheckpoint). */
  readonly weights: readonly LlamaWeight[];
  /** Row order of Q/K in the source: "adjacent" (GGUF llama, llama2.c) or "half" (Hugging Face). */
  readonly ropeOrder: "adjacent" | "half";
  readonly notes: readonly string[];
}

type Part = "attn_q" | "attn_k" | "attn_v" | "attn_output" | "attn_norm" | "ffn_gate" | "ffn_down" | "ffn_up" | "ffn_norm";
const BLOCK_PARTS: readonly Part[] = ["attn_q", "attn_k", "attn_v", "attn_output", "attn_norm", "ffn_gate", "ffn_down", "ffn_up", "ffn_norm"];
const HF_PART: Record<Part, string> = {
  attn_q: "self_attn.q_proj.weight", attn_k: "self_attn.k_proj.weight", attn_v: "self_attn.v_proj.weight",
  attn_output: "self_attn.o_proj.weight", attn_norm: "input_layernorm.weight", ffn_gate: "mlp.gate_proj.weight",
  ffn_down: "mlp.down_proj.weight", ffn_up: "mlp.up_proj.weight", ffn_norm: "post_attention_layernorm.weight",
};
const L2C_PART: Record<Part, string> = {
  attn_q: "wq", attn_k: "wk", attn_v: "wv", attn_output: "wo", attn_norm: "rms_att_weight", ffn_gate: "w1",
  ffn_down: "w2", ffn_up: "w3", ffn_norm: "rms_ffn_weight",
};
const TOP = [
  { gguf: "token_embd.weight", hf: "model.embed_tokens.weight", l2c: "token_embedding_table" },
  { gguf: "output_norm.weight", hf: "model.norm.weight", l2c: "rms_final_weight" },
  { gguf: "output.weight", hf: "lm_head.weight", l2c: "wcls" },
] as const;

/** Shapes (row-major, Linear weights (out, in)) of a block part. */
function partShape(h: LlamaHparams, p: Part): number[] {
  const kv = h.nKvHeads * llamaHeadDim(h);
  switch (p) {
    case "attn_q": case "attn_output": return [h.dim, h.dim];
    case "attn_k": case "attn_v": return [kv, h.dim];
    case "attn_norm": case "ffn_norm": return [h.dim];
    case "ffn_gate": case "ffn_up": return [h.hiddenDim, h.dim];
    case "ffn_down": return [h.dim, h.hiddenDim];
  }
}

/** Every weight's names and shape in canonical order, with the source name picked by `source`. */
function layout(h: LlamaHparams, withOutput: boolean, source: (names: { gguf: string; hf: string; l2c: string }) => string): { gguf: string; hf: string; src: string; shape: number[]; qk: "q" | "k" | null }[] {
  const out: { gguf: string; hf: string; src: string; shape: number[]; qk: "q" | "k" | null }[] = [];
  const [embd, norm, output] = TOP;
  for (const t of withOutput ? [embd, norm, output] : [embd, norm]) {
    out.push({ gguf: t.gguf, hf: t.hf, src: source(t), shape: t === norm ? [h.dim] : [h.vocabSize, h.dim], qk: null });
  }
  for (let l = 0; l < h.nLayers; l++) {
    for (const p of BLOCK_PARTS) {
      const names = { gguf: `blk.${l}.${p}.weight`, hf: `model.layers.${l}.${HF_PART[p]}`, l2c: `layers.${l}.${L2C_PART[p]}` };
      out.push({ ...names, src: source(names), shape: partShape(h, p), qk: p === "attn_q" ? "q" : p === "attn_k" ? "k" : null });
    }
  }
  return out;
}

function positive(file: string, what: string, v: number | undefined): number {
  if (v === undefined || !Number.isSafeInteger(v) || v <= 0) throw new FormatError(file, `${what} must be a positive integer, got ${String(v)}`);
  return v;
}

function checkHeads(file: string, h: LlamaHparams): void {
  if (h.dim % h.nHeads !== 0 || h.nHeads % h.nKvHeads !== 0 || llamaHeadDim(h) % 2 !== 0) {
    throw new FormatError(file, `heads do not divide: dim ${h.dim}, ${h.nHeads} heads, ${h.nKvHeads} KV heads (need an even head dim and heads a multiple of KV heads)`);
  }
}

/** Looks up each source tensor and checks its shape. */
function bind(f: TensorFile, rows: ReturnType<typeof layout>): LlamaWeight[] {
  const all = new Map(f.tensors.map((t) => [t.name, t]));
  return rows.map((r) => {
    const entry = all.get(r.src);
    if (entry === undefined) throw new FormatError(f.path, `missing tensor "${r.src}"`);
    if (entry.shape.length !== r.shape.length || entry.shape.some((d, i) => d !== r.shape[i])) {
      throw new FormatError(f.path, `tensor "${r.src}" has shape [${entry.shape.join(", ")}], expected [${r.shape.join(", ")}]`);
    }
    return { gguf: r.gguf, hf: r.hf, shape: r.shape, qk: r.qk, entry };
  });
}

function fromGguf(f: TensorFile): LlamaCheckpoint {
  const file = f.path;
  const arch = metaString(f.metadata, "general.architecture", file);
  if (arch !== "llama") throw new FormatError(file, `general.architecture is ${JSON.stringify(arch)}; convert handles "llama" GGUF files`);
  const int = (k: string): number | undefined => metaInt(f.metadata, `llama.${k}`, file);
  const embd = f.tensors.find((t) => t.name === "token_embd.weight");
  if (embd === undefined) throw new FormatError(file, 'missing tensor "token_embd.weight"');
  const nHeads = positive(file, "llama.attention.head_count", int("attention.head_count"));
  const hp: LlamaHparams = {
    name: metaString(f.metadata, "general.name", file) ?? basename(file),
    vocabSize: embd.shape[0] ?? 0,
    dim: positive(file, "llama.embedding_length", int("embedding_length")),
    nLayers: positive(file, "llama.block_count", int("block_count")),
    nHeads,
    nKvHeads: positive(file, "llama.attention.head_count_kv", int("attention.head_count_kv") ?? nHeads),
    hiddenDim: positive(file, "llama.feed_forward_length", int("feed_forward_length")),
    context: positive(file, "llama.context_length", int("context_length")),
    rmsEps: metaNumber(f.metadata, "llama.attention.layer_norm_rms_epsilon", file) ?? 1e-5,
    ropeTheta: metaNumber(f.metadata, "llama.rope.freq_base", file),
    tied: !f.tensors.some((t) => t.name === "output.weight"),
  };
  checkHeads(file, hp);
  return { hp, weights: bind(f, layout(hp, !hp.tied, (n) => n.gguf)), ropeOrder: "adjacent", notes: [] };
}

function fromLlama2c(f: TensorFile): LlamaCheckpoint {
  const file = f.path;
  const n = (k: string): number => positive(file, `llama2.c header ${k}`, metaNumber(f.metadata, k, file));
  const hp: LlamaHparams = {
    name: basename(file).replace(/\.bin$/, ""),
    vocabSize: n("vocab_size"), dim: n("dim"), nLayers: n("n_layers"), nHeads: n("n_heads"), nKvHeads: n("n_kv_heads"),
    hiddenDim: n("hidden_dim"), context: n("seq_len"), rmsEps: 1e-5, ropeTheta: undefined,
    tied: !f.tensors.some((t) => t.name === "wcls"),
  };
  checkHeads(file, hp);
  // llama.cpp's convert-llama2c-to-ggml writes an explicit output.weight (a copy of the embedding when the
  // classifier is shared); doing the same makes the two conversions hold the same tensors.
  const weights = bind(f, layout(hp, true, (nm) => (nm.gguf === "output.weight" && hp.tied ? "token_embedding_table" : nm.l2c)));
  const notes = hp.tied ? ["llama2.c shares the classifier with the embedding: output.weight is written as a copy, as llama.cpp's llama2.c converter does"] : [];
  return { hp: { ...hp, tied: false }, weights, ropeOrder: "adjacent", notes };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A kotodama run directory's model config (config.json: a ModelConfig at the top or under "model"), or null
 *  when config.json is a transformers config. */
export function runModelConfig(cfg: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  if ("architectures" in cfg || "model_type" in cfg) return null;
  const m = isObject(cfg.model) ? cfg.model : cfg;
  return "dim" in m && "nLayers" in m ? m : null;
}

/** A kotodama run directory (models/load.ts RUN_FILES): weights under the Hugging Face Llama names, Q/K rows in
 *  the order its config's ropePairing says. */
function fromRunDir(f: TensorFile, m: Record<string, unknown>): LlamaCheckpoint {
  const file = `${f.path}/config.json`;
  const num = (key: string): number => {
    const v = m[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `model.${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const flags = `norm ${String(m.norm)}, pos ${String(m.pos)}, mlp ${String(m.mlp)}, bias ${String(m.bias)}`;
  if (m.norm !== "rms" || m.pos !== "rope" || m.mlp !== "swiglu" || m.bias !== false) {
    throw new FormatError(file, `convert handles Llama-style models (norm rms, pos rope, mlp swiglu, bias false), this run has ${flags}`);
  }
  if (m.ropePairing !== "adjacent" && m.ropePairing !== "half") throw new FormatError(file, `model.ropePairing must be "adjacent" or "half", got ${JSON.stringify(m.ropePairing)}`);
  const hp: LlamaHparams = {
    name: basename(f.path),
    vocabSize: positive(file, "model.vocabSize", num("vocabSize")), dim: positive(file, "model.dim", num("dim")),
    nLayers: positive(file, "model.nLayers", num("nLayers")), nHeads: positive(file, "model.nHeads", num("nHeads")),
    nKvHeads: positive(file, "model.nKvHeads", num("nKvHeads")), hiddenDim: positive(file, "model.hiddenDim", num("hiddenDim")),
    context: positive(file, "model.context", num("context")), rmsEps: num("normEps"), ropeTheta: num("ropeTheta"),
    tied: m.tieEmbeddings === true,
  };
  checkHeads(file, hp);
  return { hp, weights: bind(f, layout(hp, !hp.tied, (n) => n.hf)), ropeOrder: m.ropePairing, notes: [] };
}

function fromHf(f: TensorFile): LlamaCheckpoint {
  const file = f.path;
  const cfg = f.config ?? {};
  const run = runModelConfig(cfg);
  if (run !== null) return fromRunDir(f, run);
  const archs = cfg.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : String(cfg.model_type ?? "");
  if (arch !== "LlamaForCausalLM" && arch !== "llama") throw new FormatError(file, `config.json: architecture ${JSON.stringify(arch)}; convert handles LlamaForCausalLM folders`);
  const num = (key: string, fallback?: number): number => {
    const v = cfg[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (cfg.attention_bias === true || cfg.mlp_bias === true) throw new FormatError(file, "config.json: attention_bias / mlp_bias are not supported");
  const nHeads = positive(file, "config.json num_attention_heads", num("num_attention_heads"));
  const hp: LlamaHparams = {
    name: typeof cfg._name_or_path === "string" && cfg._name_or_path !== "" ? cfg._name_or_path : basename(file),
    vocabSize: positive(file, "config.json vocab_size", num("vocab_size")),
    dim: positive(file, "config.json hidden_size", num("hidden_size")),
    nLayers: positive(file, "config.json num_hidden_layers", num("num_hidden_layers")),
    nHeads,
    nKvHeads: positive(file, "config.json num_key_value_heads", num("num_key_value_heads", nHeads)),
    hiddenDim: positive(file, "config.json intermediate_size", num("intermediate_size")),
    context: positive(file, "config.json max_position_embeddings", num("max_position_embeddings")),
    rmsEps: num("rms_norm_eps", 1e-6),
    ropeTheta: typeof cfg.rope_theta === "number" ? cfg.rope_theta : undefined,
    tied: !f.tensors.some((t) => t.name === "lm_head.weight"),
  };
  checkHeads(file, hp);
  const notes: string[] = [];
  if (cfg.rope_scaling !== undefined && cfg.rope_scaling !== null) notes.push("config.json rope_scaling is not carried over (plain RoPE is written)");
  return { hp, weights: bind(f, layout(hp, !hp.tied, (n) => n.hf)), ropeOrder: "half", notes };
}

/** The Llama checkpoint in any file convert reads (a bare .safetensors file has no config: pass its folder). */
export function readLlamaCheckpoint(f: TensorFile): LlamaCheckpoint {
  switch (f.format) {
    case "gguf": return fromGguf(f);
    case "llama2c": return fromLlama2c(f);
    case "hf-folder": return fromHf(f);
    case "safetensors": throw new FormatError(f.path, "a bare .safetensors file has no config.json: pass its Hugging Face folder");
  }
}
