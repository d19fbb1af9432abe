// An inference-ready model: packed weights, tokenizer and backend together, built from models/load.ts.
// Not here: per-request state (KV cache, scratch, sampler) — each generate/score call makes or takes its own.
import type { Backend } from "../engine/ops.js";
import { loadBackend } from "../engine/backend.js";
import type { ModelConfig } from "../models/config.js";
import { loadModel, type LoadedModel, type LoadModelOptions } from "../models/load.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { packWeights, type InferWeights } from "./weights.js";

export interface InferModel {
  readonly path: string;
  readonly config: ModelConfig;
  readonly weights: InferWeights;
  readonly tokenizer: Tokenizer;
  readonly backend: Backend;
  /** Notes from loading (e.g. a suspicious context length) for the user. */
  readonly notes: readonly string[];
}

/** Packs a loaded model for inference on `backend`. */
export function createInferModel(loaded: LoadedModel, backend: Backend): InferModel {
  return { path: loaded.path, config: loaded.config, weights: packWeights(loaded.config, loaded.tensors), tokenizer: loaded.tokenizer, backend, notes: loaded.notes };
}

/** Loads any supported model file/folder (see models/load.ts) for inference. GGUF Q8_0/Q4_0/Q4_K/Q6_K matrices stay
 *  quantized (the engine's quantMatmul reads them) unless keepQuantized is false. */
export function openInferModel(path: string, opts: LoadModelOptions & { backend?: Backend } = {}): InferModel {
  const { backend, ...rest } = opts;
  return createInferModel(loadModel(path, { keepQuantized: true, ...rest }), backend ?? loadBackend());
}
