// A GPT-2 checkpoint as the formats lay it out: hyperparameters and every weight under its GGUF and Hugging Face
// names, read from a GGUF `gpt2` file, a GPT2LMHeadModel folder or a kotodama run directory with GPT-2 flags,
// with the side each Conv1D weight is stored on. Not here: writing (convert.ts), running (models/, infer/).
//
// Names follow llama.cpp's llama-arch.cpp / convert_hf_to_gguf.py GPT2Model (c392e509) and transformers'
// GPT2LMHeadModel. GGUF holds every matrix (out, in) (llama.cpp's converter transposes c_attn, c_proj, c_fc);
// transformers' Conv1D and a kotodama run directory (models/io.ts) hold those four (in, out). attn_qkv is the
// fused c_attn: rows [q (C); k (C); v (C)]. Order: token_embd, position_embd, per block attn_norm, attn_qkv,
// attn_output, ffn_norm, ffn_up, ffn_down (each weight then bias), output_norm, output (absent when tied:
// llama.cpp's gpt2 loader then uses token_embd, as for GPT2LMHeadModel's own files).
import { basename } from "node:path";
import { FormatError } from "../util/errors.js";
import { metaInt, metaNumber, metaString } from "./gguf/value.js";
import { runModelConfig } from "./llama-layout.js";
import type { TensorEntry } from "./tensor.js";
import type { TensorFile } from "./tensor-file.js";

export interface Gpt2Hparams {
  readonly name: string;
  readonly vocabSize: number; // V
  readonly dim: number; // C
  readonly nLayers: number; // L
  readonly nHeads: number; // H
  /** = nHeads (GPT-2 has no grouped-query attention); here so that reports read like Llama's. */
  readonly nKvHeads: number;
  readonly hiddenDim: number; // MLP inner width F
  readonly context: number; // learned positions P
  readonly normEps: number; // LayerNorm epsilon
  /** The source stores no separate classifier: output = token embedding. */
  readonly tied: boolean;
}

/** One weight: its names, its (out, in) row-major shape as GGUF holds it, and how its source stores it. */
export interface Gpt2Weight {
  readonly gguf: string;
  /** transformers' name, with the "transformer." prefix GPT2LMHeadModel writes. */
  readonly hf: string;
  /** Row-major (out, in) for matrices. */
  readonly shape: readonly number[];
  /** A Conv1D weight: transformers stores it transposed, (in, out). */
  readonly conv1d: boolean;
  /** The source tensor holds this weight transposed ((in, out): a Conv1D weight in a folder or run directory). */
  readonly entryTransposed: boolean;
  readonly entry: TensorEntry;
}

export interface Gpt2Checkpoint {
  readonly hp: Gpt2Hparams;
  /** In canonical order; `output` is absent when tied. */
  readonly weights: readonly Gpt2Weight[];
  readonly notes: readonly string[];
}

type Part = "attn_norm" | "attn_qkv" | "attn_output" | "ffn_norm" | "ffn_up" | "ffn_down";
const BLOCK_PARTS: readonly Part[] = ["attn_norm", "attn_qkv", "attn_output", "ffn_norm", "ffn_up", "ffn_down"];
const HF_PART: Record<Part, string> = {
  attn_norm: "ln_1", attn_qkv: "attn.c_attn", attn_output: "attn.c_proj", ffn_norm: "ln_2", ffn_up: "mlp.c_fc", ffn_down: "mlp.c_proj",
};

/** (out, in) shape of a block part's weight; its bias is [out]. Norms are [C]. */
function partShape(h: Gpt2Hparams, p: Part): number[] {
  switch (p) {
    case "attn_norm": case "ffn_norm": return [h.dim];
    case "attn_qkv": return [3 * h.dim, h.dim];
    case "attn_output": return [h.dim, h.dim];
    case "ffn_up": return [h.hiddenDim, h.dim];
    case "ffn_down": return [h.dim, h.hiddenDim];
  }
}

interface Row { gguf: string; hf: string; shape: number[]; conv1d: boolean }

/** Every weight's names and shape in canonical order. */
function layout(h: Gpt2Hparams): Row[] {
  const rows: Row[] = [
    { gguf: "token_embd.weight", hf: "transformer.wte.weight", shape: [h.vocabSize, h.dim], conv1d: false },
    { gguf: "position_embd.weight", hf: "transformer.wpe.weight", shape: [h.context, h.dim], conv1d: false },
  ];
  for (let l = 0; l < h.nLayers; l++) {
    for (const p of BLOCK_PARTS) {
      const shape = partShape(h, p);
      const matrix = shape.length === 2;
      rows.push({ gguf: `blk.${l}.${p}.weight`, hf: `transformer.h.${l}.${HF_PART[p]}.weight`, shape, conv1d: matrix });
      rows.push({ gguf: `blk.${l}.${p}.bias`, hf: `transformer.h.${l}.${HF_PART[p]}.bias`, shape: [shape[0]!], conv1d: false });
    }
  }
  rows.push({ gguf: "output_norm.weight", hf: "transformer.ln_f.weight", shape: [h.dim], conv1d: false });
  rows.push({ gguf: "output_norm.bias", hf: "transformer.ln_f.bias", shape: [h.dim], conv1d: false });
  if (!h.tied) rows.push({ gguf: "output.weight", hf: "lm_head.weight", shape: [h.vocabSize, h.dim], conv1d: false });
  return rows;
}

/** Looks up each source tensor (by srcName; Conv1D weights stored (in, out) when `transposed`) and checks its shape. */
function bind(f: TensorFile, rows: readonly Row[], srcName: (r: Row) => string, transposed: boolean): Gpt2Weight[] {
  const all = new Map(f.tensors.map((t) => [t.name, t]));
  return rows.map((r) => {
    const name = srcName(r);
    const entry = all.get(name);
    if (entry === undefined) throw new FormatError(f.path, `missing tensor "${name}"`);
    const entryTransposed = transposed && r.conv1d;
    const want = entryTransposed ? [...r.shape].reverse() : r.shape;
    if (entry.shape.length !== want.length || entry.shape.some((d, i) => d !== want[i])) {
      throw new FormatError(f.path, `tensor "${name}" has shape [${entry.shape.join(", ")}], expected [${want.join(", ")}]`);
    }
    return { gguf: r.gguf, hf: r.hf, shape: r.shape, conv1d: r.conv1d, entryTransposed, entry };
  });
}

function positive(file: string, what: string, v: number | undefined): number {
  if (v === undefined || !Number.isSafeInteger(v) || v <= 0) throw new FormatError(file, `${what} must be a positive integer, got ${String(v)}`);
  return v;
}

function checkHeads(file: string, h: Gpt2Hparams): void {
  if (h.dim % h.nHeads !== 0) throw new FormatError(file, `heads do not divide: dim ${h.dim}, ${h.nHeads} heads`);
}

const archName = (cfg: Readonly<Record<string, unknown>>): string => {
  const archs = cfg.architectures;
  return Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : String(cfg.model_type ?? "");
};

/** Whether f holds a GPT-2 model convert reads with readGpt2Checkpoint: GGUF `gpt2`, a GPT2LMHeadModel folder,
 *  or a run directory whose config has GPT-2 flags (norm layer, pos learned, mlp gelu). */
export function isGpt2Checkpoint(f: TensorFile): boolean {
  if (f.format === "gguf") return f.metadata.get("general.architecture")?.value === "gpt2";
  if (f.format !== "hf-folder") return false;
  const cfg = f.config ?? {};
  const run = runModelConfig(cfg);
  if (run !== null) return run.norm === "layer" && run.pos === "learned" && run.mlp === "gelu";
  const arch = archName(cfg);
  return arch === "GPT2LMHeadModel" || arch === "gpt2";
}

function fromGguf(f: TensorFile): Gpt2Checkpoint {
  const file = f.path;
  const int = (k: string): number => positive(file, `gpt2.${k}`, metaInt(f.metadata, `gpt2.${k}`, file));
  const embd = f.tensors.find((t) => t.name === "token_embd.weight");
  if (embd === undefined) throw new FormatError(file, 'missing tensor "token_embd.weight"');
  const nHeads = int("attention.head_count");
  const hp: Gpt2Hparams = {
    name: metaString(f.metadata, "general.name", file) ?? basename(file),
    vocabSize: embd.shape[0] ?? 0, dim: int("embedding_length"), nLayers: int("block_count"), nHeads, nKvHeads: nHeads,
    hiddenDim: int("feed_forward_length"), context: int("context_length"),
    normEps: metaNumber(f.metadata, "gpt2.attention.layer_norm_epsilon", file) ?? 1e-5,
    tied: !f.tensors.some((t) => t.name === "output.weight"),
  };
  checkHeads(file, hp);
  return { hp, weights: bind(f, layout(hp), (r) => r.gguf, false), notes: [] };
}

/** A kotodama run directory with GPT-2 flags: weights under GPT2LMHeadModel's names, Conv1D (in, out) on disk. */
function fromRunDir(f: TensorFile, m: Record<string, unknown>): Gpt2Checkpoint {
  const file = `${f.path}/config.json`;
  const num = (key: string): number => {
    const v = m[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `model.${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (m.bias !== true || m.nKvHeads !== m.nHeads) {
    throw new FormatError(file, `convert handles GPT-2-style models with bias true and nKvHeads = nHeads, this run has bias ${String(m.bias)}, ${String(m.nKvHeads)} KV heads of ${String(m.nHeads)}`);
  }
  const nHeads = positive(file, "model.nHeads", num("nHeads"));
  const hp: Gpt2Hparams = {
    name: basename(f.path),
    vocabSize: positive(file, "model.vocabSize", num("vocabSize")), dim: positive(file, "model.dim", num("dim")),
    nLayers: positive(file, "model.nLayers", num("nLayers")), nHeads, nKvHeads: nHeads,
    hiddenDim: positive(file, "model.hiddenDim", num("hiddenDim")), context: positive(file, "model.context", num("context")),
    normEps: num("normEps"), tied: m.tieEmbeddings === true,
  };
  checkHeads(file, hp);
  return { hp, weights: bind(f, layout(hp), (r) => r.hf, true), notes: [] };
}

function fromHf(f: TensorFile): Gpt2Checkpoint {
  const file = f.path;
  const cfg = f.config ?? {};
  const run = runModelConfig(cfg);
  if (run !== null) return fromRunDir(f, run);
  const num = (key: string, fallback?: number): number => {
    const v = cfg[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const dim = positive(file, "config.json n_embd", num("n_embd"));
  const nHeads = positive(file, "config.json n_head", num("n_head"));
  const hp: Gpt2Hparams = {
    name: typeof cfg._name_or_path === "string" && cfg._name_or_path !== "" ? cfg._name_or_path : basename(file),
    vocabSize: positive(file, "config.json vocab_size", num("vocab_size")), dim,
    nLayers: positive(file, "config.json n_layer", num("n_layer")), nHeads, nKvHeads: nHeads,
    hiddenDim: positive(file, "config.json n_inner", cfg.n_inner === null || cfg.n_inner === undefined ? 4 * dim : num("n_inner")),
    context: positive(file, "config.json n_positions", num("n_positions")),
    normEps: num("layer_norm_epsilon", 1e-5),
    tied: cfg.tie_word_embeddings !== false, // transformers' default for GPT-2 (models/load-sources.ts reads it so too)
  };
  checkHeads(file, hp);
  const notes: string[] = [];
  const act = cfg.activation_function;
  if (act !== undefined && act !== "gelu_new" && act !== "gelu_pytorch_tanh") {
    notes.push(`config.json activation_function ${JSON.stringify(act)}: kotodama and llama.cpp's gpt2 use the tanh GELU ("gelu_new")`);
  }
  // GPT2LMHeadModel writes "transformer."-prefixed names, GPT2Model bare ones (lm_head is never prefixed).
  const bare = !f.tensors.some((t) => t.name === "transformer.wte.weight");
  return { hp, weights: bind(f, layout(hp), (r) => (bare ? r.hf.replace(/^transformer\./, "") : r.hf), true), notes };
}

/** The GPT-2 checkpoint in a file isGpt2Checkpoint accepts. */
export function readGpt2Checkpoint(f: TensorFile): Gpt2Checkpoint {
  switch (f.format) {
    case "gguf": {
      const arch = metaString(f.metadata, "general.architecture", f.path);
      if (arch !== "gpt2") throw new FormatError(f.path, `general.architecture is ${JSON.stringify(arch)}, expected "gpt2"`);
      return fromGguf(f);
    }
    case "hf-folder": return fromHf(f);
    case "llama2c": case "safetensors": throw new FormatError(f.path, "a GPT-2 checkpoint is a GGUF gpt2 file, a GPT2LMHeadModel folder or a kotodama run directory");
  }
}
