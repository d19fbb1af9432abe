// Benchmark models big enough that compute, not per-call overhead, dominates a decode step: random weights in
// a kotodama run directory, exported by our own writer (convertModel) to GGUF F32 / Q8_0 / Q4_0 in a cache
// folder under the OS temp dir (never committed), so kotodama and llama.cpp read the very same file.
// Not here: timing (bench/decode.ts, bench/llamacpp-speed.ts), library code (src/formats/convert.ts).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { convertModel, type ConvertType } from "../src/formats/convert.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { saveWeights } from "../src/models/io.js";
import { initDecoderWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { ByteLevelBpe } from "../src/tokenizer/bpe.js";
import { BYTE_TO_CHAR } from "../src/tokenizer/bytes.js";
import { saveHfTokenizer } from "../src/tokenizer/hf-json.js";
import { GPT2_PATTERN } from "../src/tokenizer/pretokenize.js";
import { KOTODAMA_SPECIALS } from "../src/tokenizer/special.js";
import { Rng } from "../src/util/rng.js";

/** The compute-bound benchmark models: the `small` preset as it is (GPT-2 flags, 12 M parameters), and a
 *  Llama-flag model about twice its size (RMSNorm, RoPE, SwiGLU, grouped-query attention). */
export const BENCH_MODELS: Readonly<Record<string, ModelConfig>> = {
  "small-gpt2": MODEL_PRESETS.small,
  "llama-28m": { ...MODEL_PRESETS.default, vocabSize: 8192, dim: 512, nLayers: 8, nHeads: 8, nKvHeads: 4, hiddenDim: 1408, context: 512 },
};

/** Parameters of a config (embeddings counted once when tied). */
export function paramCount(c: ModelConfig): number {
  const D = c.dim / c.nHeads;
  const attn = c.dim * c.nHeads * D * 2 + c.dim * c.nKvHeads * D * 2 + (c.bias ? c.dim * 2 + c.nKvHeads * D * 2 : 0);
  const mlp = c.mlp === "swiglu" ? 3 * c.dim * c.hiddenDim : 2 * c.dim * c.hiddenDim + (c.bias ? c.hiddenDim + c.dim : 0);
  const norms = (c.norm === "layer" ? 4 : 2) * c.dim;
  const emb = c.vocabSize * c.dim * (c.tieEmbeddings ? 1 : 2) + (c.pos === "learned" ? c.context * c.dim : 0);
  return c.nLayers * (attn + mlp + norms) + emb + (c.norm === "layer" ? 2 : 1) * c.dim;
}

/** Where the exported files live: the OS temp dir, kept between runs (the export of a 28 M model takes seconds). */
export function benchModelDir(): string {
  return join(tmpdir(), "kotodama-bench-models");
}

/** A run directory with seeded random weights (GPT-2 initialisation) and a byte-level vocabulary whose
 *  pre-tokenizer is GPT-2's, so that llama.cpp accepts the exported vocabulary ("gpt-2" is a name it knows;
 *  kotodama's own pattern is exported as "kotodama", which llama.cpp refuses). */
function writeRun(dir: string, config: ModelConfig): void {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(7);
  const w = initDecoderWeights(new Graph(createRefBackend()), config, rng);
  saveWeights(join(dir, "model.safetensors"), w);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model: config }));
  const vocab = [...BYTE_TO_CHAR, ...KOTODAMA_SPECIALS];
  saveHfTokenizer(new ByteLevelBpe({
    source: "bench", vocab, merges: [], pattern: GPT2_PATTERN,
    added: KOTODAMA_SPECIALS.map((text, i) => ({ id: 256 + i, text, special: true })), special: { bos: 256, eos: 257, pad: 258 }, addBos: true,
  }), join(dir, "tokenizer.json"));
}

/** The GGUF file of bench model `name` at `type` (or of another config under that name), exported on first use
 *  (progress on `log`). */
export function benchModelGguf(name: string, type: ConvertType, log: (line: string) => void, config: ModelConfig | undefined = BENCH_MODELS[name]): string {
  if (config === undefined) throw new Error(`unknown bench model '${name}'`);
  const base = join(benchModelDir(), name);
  const out = join(base, `${name}-${type.toUpperCase()}.gguf`);
  if (existsSync(out)) return out;
  const run = join(base, "run");
  if (!existsSync(join(run, "tokenizer.json"))) {
    log(`bench models: writing ${name} (${(paramCount(config) / 1e6).toFixed(1)} M parameters, random weights) to ${run}`);
    rmSync(run, { recursive: true, force: true });
    writeRun(run, config);
  }
  log(`bench models: exporting ${out}`);
  const tmp = join(base, `${name}-${type.toUpperCase()}.partial.gguf`); // convert picks the format by extension
  convertModel(run, tmp, { type });
  renameSync(tmp, out); // only complete files are reused
  return out;
}
