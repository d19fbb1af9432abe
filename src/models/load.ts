// Loading a model for inference from any place kotodama reads: a GGUF file, a llama2.c .bin (+ tokenizer.bin),
// a Hugging Face folder, or a kotodama run directory; with its tokenizer. Not here: the format-specific
// readers (load-sources.ts), the forward pass (infer/), training-time weights (decoder.ts).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadBackend } from "../engine/backend.js";
import { biasName } from "../nn/index.js";
import { Graph, quantWeight } from "../tensor/index.js";
import { loadTokenizer, type Tokenizer } from "../tokenizer/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { parseModelConfig, type ModelConfig } from "./config.js";
import { loadWeights } from "./io.js";
import { dequantize, GgmlType } from "../formats/index.js";
import { familyOfConfig, fusedMatrices, type Family } from "./families/index.js";
import { openModelSource, type ModelTensors, type QuantTensor } from "./load-sources.js";
import { resolveModelArg } from "./locate-model.js";
import { initDecoderWeights, namedWeights, quantizedWeights, type DecoderWeights, type WeightMakers } from "./weights.js";

export type { ModelSource, ModelTensors, QuantTensor } from "./load-sources.js";

export type ModelFormat = "gguf" | "llama2c" | "hf-folder" | "run";

export interface LoadedModel {
  readonly path: string;
  readonly format: ModelFormat;
  readonly config: ModelConfig;
  /** Weights by Hugging Face name (weights.ts' names), every matrix (out, in): f32, or quantized rows when
   *  loaded with keepQuantized. decoderWeightsOf() turns them into the training decoder's weights. */
  readonly tensors: ModelTensors;
  /** The stored dtype of each weight in the source ("F32", "Q8_0", ...). */
  readonly dtypes: ReadonlyMap<string, string>;
  readonly tokenizer: Tokenizer;
  /** The model family (from the file's architecture; for a run directory, from its config's flags). */
  readonly family: Family;
  /** Things the user should know (printed as warnings by the CLI). */
  readonly notes: readonly string[];
}

export interface LoadModelOptions {
  /** A tokenizer file to use instead of the model's own (required for a llama2.c .bin without tokenizer.bin). */
  readonly tokenizer?: string;
  /** Keep GGUF Q8_0/Q4_0/Q4_K/Q6_K weight matrices quantized (for inference); default false: all f32. */
  readonly keepQuantized?: boolean;
}

/** File names inside a kotodama run directory. */
export const RUN_FILES = { config: "config.json", weights: "model.safetensors", tokenizer: "tokenizer.json" } as const;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A kotodama run directory: config.json holding a ModelConfig (at the top or under "model"), weights in
 *  model.safetensors with kotodama's (Hugging Face) names, tokenizer.json. */
function isRunDir(dir: string): boolean {
  const cfg = join(dir, RUN_FILES.config);
  if (!existsSync(cfg) || !existsSync(join(dir, RUN_FILES.weights))) return false;
  try {
    const j: unknown = JSON.parse(readFileSync(cfg, "utf8"));
    return isObject(j) && !("architectures" in j) && !("model_type" in j);
  } catch {
    return false;
  }
}

const GGML_OF: Readonly<Record<QuantTensor["type"], number>> = { q8_0: GgmlType.Q8_0, q4_0: GgmlType.Q4_0, q4_k: GgmlType.Q4_K, q6_k: GgmlType.Q6_K };

/** A weight as f32 (quantized rows dequantized with ggml's dequantizers). */
export function tensorValues(t: Float32Array | QuantTensor): Float32Array {
  return t instanceof Float32Array ? t : dequantize(GGML_OF[t.type], t.bytes, t.shape[0] * t.shape[1]);
}

/** Fused matrices (Phi-3's q|k|v and gate|up: families' FamilyTensor.parts) split into the separate ones the
 *  training decoder holds; other tensors pass through. */
function splitFused(config: ModelConfig, tensors: ModelTensors): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const fused = fusedMatrices(config), C = config.dim;
  for (const [name, t] of tensors) {
    const x = tensorValues(t);
    const parts = fused.get(name);
    if (parts === undefined) out.set(name, x);
    else for (const p of parts) out.set(p.name, x.subarray(p.row * C, (p.row + p.rows) * C));
  }
  return out;
}

/** Makers of a weight set to be filled from a file: f32 matrices as zeros (overwritten), and the Linear weights
 *  that `tensors` holds as quantized rows kept as frozen QuantWeights over the file's bytes (no f32 copy). */
function fileMakers(g: Graph, tensors: ModelTensors, file: string): WeightMakers {
  return {
    embedding: (name, rows, cols) => g.parameter(new Float32Array(rows * cols), [rows, cols], name),
    linear: (name, inF, outF, _std, bias) => {
      const t = tensors.get(name);
      const b = bias ? g.parameter(new Float32Array(outF), [outF], biasName(name)) : null;
      if (t === undefined || t instanceof Float32Array) return { weight: g.parameter(new Float32Array(outF * inF), [outF, inF], name), bias: b };
      if (t.shape[0] !== outF || t.shape[1] !== inF) throw new FormatError(file, `tensor '${name}' is (${t.shape.join(", ")}), expected (${outF}, ${inF})`);
      return { weight: quantWeight(t.type, t.bytes, t.shape, name), bias: b };
    },
  };
}

export interface DecoderWeightsFromOptions {
  /** The graph the weights live on (default: a fresh ref-backend graph, for copying values out). */
  readonly graph?: Graph;
  /** Linear weights that `tensors` holds quantized stay quantized (frozen: LoRA on a quantized base); the token
   *  embedding and an untied head are dequantized either way (the lookup and the logits need f32 rows). */
  readonly keepQuantized?: boolean;
}

/** DecoderWeights for config, filled from kotodama-named tensors (any family; quantized ones dequantized unless
 *  keepQuantized, Phi-3's fused matrices split, model.rope_freqs taken as the RoPE factors); a tensor missing,
 *  extra or of the wrong size is an error naming the file. */
export function decoderWeightsFrom(config: ModelConfig, tensors: ModelTensors, file: string, o: DecoderWeightsFromOptions = {}): DecoderWeights {
  const g = o.graph ?? new Graph(loadBackend({ kind: "ref", threads: 1 }));
  const w = initDecoderWeights(g, config, new Rng(0), fileMakers(g, o.keepQuantized === true ? tensors : new Map(), file)); // shapes; values overwritten
  const want = namedWeights(w);
  const kept = new Set(quantizedWeights(w).map((q) => q.name ?? ""));
  const names = new Set([...want.map((n) => n.name), ...kept]);
  const all = splitFused(config, new Map([...tensors].filter(([n]) => !kept.has(n))));
  const freqs = all.get("model.rope_freqs") ?? null;
  all.delete("model.rope_freqs");
  for (const name of all.keys()) if (!names.has(name)) throw new FormatError(file, `unexpected tensor '${name}' for this model config`);
  for (const n of want) {
    const x = all.get(n.name);
    if (x === undefined) throw new FormatError(file, `missing tensor '${n.name}'`);
    if (x.length !== n.tensor.size) throw new FormatError(file, `tensor '${n.name}' has ${x.length} values, expected ${n.tensor.size}`);
    n.tensor.data.set(x);
  }
  return freqs === null ? w : { ...w, ropeFreqs: freqs };
}

/** The training decoder's weights of a loaded model (a copy, dequantized where needed; see
 *  DecoderWeightsFromOptions for keeping a quantized base quantized). */
export function decoderWeightsOf(m: LoadedModel, o: DecoderWeightsFromOptions = {}): DecoderWeights {
  return decoderWeightsFrom(m.config, m.tensors, m.path, o);
}

function runSource(dir: string): { config: ModelConfig; tensors: ModelTensors } {
  const cfgPath = join(dir, RUN_FILES.config);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(cfgPath, "utf8"));
  } catch (e) {
    throw new FormatError(cfgPath, `not valid JSON: ${(e as Error).message}`);
  }
  const raw = isObject(j) && isObject(j.model) ? j.model : j;
  if (!isObject(raw)) throw new FormatError(cfgPath, "expected a model config object");
  const config = parseModelConfig(raw, cfgPath);
  const w = loadWeights(new Graph(loadBackend({ kind: "ref", threads: 1 })), config, join(dir, RUN_FILES.weights));
  return { config, tensors: new Map(namedWeights(w).map((n) => [n.name, n.tensor.data])) };
}

function resolveTokenizer(path: string, format: ModelFormat, opts: LoadModelOptions): Tokenizer {
  if (opts.tokenizer !== undefined) return loadTokenizer(opts.tokenizer);
  switch (format) {
    case "gguf":
      return loadTokenizer(path);
    case "hf-folder":
    case "run": {
      const p = join(path, "tokenizer.json");
      if (!existsSync(p)) throw new FormatError(path, "no tokenizer.json in the folder (pass --tokenizer FILE)");
      return loadTokenizer(p);
    }
    case "llama2c": {
      const p = join(dirname(path), "tokenizer.bin");
      if (!existsSync(p)) throw new FormatError(path, "a llama2.c checkpoint carries no tokenizer: pass --tokenizer FILE (its tokenizer.bin)");
      return loadTokenizer(p);
    }
  }
}

/** Loads weights, blueprint and tokenizer. Throws FormatError/KotodamaError naming the file for anything
 *  missing, malformed or inconsistent (e.g. a tokenizer with more tokens than the model's vocabulary). */
export function loadModel(path: string, opts: LoadModelOptions = {}): LoadedModel {
  for (const k of Object.keys(opts)) if (k !== "tokenizer" && k !== "keepQuantized") throw new KotodamaError(`loadModel: unknown option '${k}'; expected tokenizer, keepQuantized`);
  let st;
  const found: string[] = [];
  try {
    st = statSync(path);
  } catch (e) {
    // Not a path: a model name, looked up in ../shared/reference and the pull cache (never downloaded).
    const r = resolveModelArg(path, (e as Error).message);
    path = r.path;
    if (r.note !== null) found.push(r.note);
    st = statSync(path);
  }
  let loaded: { format: ModelFormat; family: Family; config: ModelConfig; tensors: ModelTensors; dtypes: ReadonlyMap<string, string>; notes: readonly string[] };
  if (st.isDirectory() && isRunDir(path)) {
    const r = runSource(path);
    loaded = { format: "run", family: familyOfConfig(r.config), ...r, dtypes: new Map([...r.tensors.keys()].map((n) => [n, "F32"])), notes: [] };
  } else {
    const src = openModelSource(path, { keepQuantized: opts.keepQuantized === true });
    loaded = { format: src.format, family: src.family, config: src.config, tensors: src.tensors, dtypes: src.dtypes, notes: src.notes };
  }
  const tokenizer = resolveTokenizer(path, loaded.format, opts);
  if (tokenizer.vocabSize > loaded.config.vocabSize) {
    throw new KotodamaError(`${opts.tokenizer ?? path}: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabulary has ${loaded.config.vocabSize}: they do not belong together`);
  }
  return { path, tokenizer, ...loaded, notes: [...found, ...loaded.notes] };
}
