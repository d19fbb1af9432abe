// Text → unit vector for dense retrieval: a kotodama model (any model that loads) with mean or last-token pooling
// of its final hidden state (infer/embed.ts), texts cut to the model's context. The spec (model path, pooling, cut)
// is stored with a dense index so that queries are embedded exactly as the chunks were.
// Not here: the vector store (dense-store.ts), the index folder (dense-index.ts), training a bi-encoder (dense-train.ts).
import { embedText, POOLINGS, type Pooling } from "../infer/embed.js";
import type { InferModel } from "../infer/model.js";
import { KotodamaError } from "../util/errors.js";

export { POOLINGS, type Pooling };

/** How texts become vectors; stored in dense/manifest.json. */
export interface EmbedderSpec {
  /** The model as given (path); its weights' sha256 is stored beside it (dense-index.ts). */
  readonly model: string;
  readonly pooling: Pooling;
  /** Tokens kept from the start of a text (≤ the model's context); longer texts are cut. */
  readonly maxTokens: number;
}

export interface Embedder {
  readonly spec: EmbedderSpec;
  /** Vector width C. */
  readonly dim: number;
  /** (C) unit vector of a text. */
  embed(text: string): Float32Array;
  /** Texts cut to maxTokens so far. */
  readonly truncated: number;
}

export function parsePooling(v: string, where: string): Pooling {
  if ((POOLINGS as readonly string[]).includes(v)) return v as Pooling;
  throw new KotodamaError(`${where}: pooling must be one of ${POOLINGS.join(", ")}, got ${JSON.stringify(v)}`);
}

/** An embedder over an open model; maxTokens defaults to the model's context (and may not exceed it). */
export function modelEmbedder(model: InferModel, spec: { model: string; pooling: Pooling; maxTokens?: number }): Embedder {
  const ctx = model.config.context;
  const maxTokens = spec.maxTokens ?? ctx;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > ctx) throw new KotodamaError(`embedder: maxTokens must be an integer in [1, ${ctx}] (the model's context), got ${maxTokens}`);
  const full: EmbedderSpec = { model: spec.model, pooling: parsePooling(spec.pooling, "embedder"), maxTokens };
  let truncated = 0;
  return {
    spec: full,
    dim: model.config.dim,
    get truncated() {
      return truncated;
    },
    embed(text) {
      let ids = model.tokenizer.encode(text);
      if (ids.length > maxTokens) {
        ids = ids.slice(0, maxTokens);
        truncated++;
      }
      return embedText(model, ids, { pooling: full.pooling }).vector;
    },
  };
}
