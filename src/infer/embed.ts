// Text embeddings from a decoder: the final hidden state (after the final norm, what Hugging Face calls
// last_hidden_state) of the tokens, pooled and L2-normalised, from the one forward (forward.ts prefill, read through
// its tracer's "final_norm"). Pooling: "mean" over every token (the server's /v1/embeddings) or "last", the final
// token's state (what a causal decoder has seen the whole text by: E5-Mistral, SGPT-style last-token pooling).
// Not here: retrieval or indexes (src/rag), CLS pooling (a decoder has no CLS), truncation policy (callers cut ids).
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import { createInferState, prefill } from "./forward.js";
import { promptIds } from "./generate.js";
import { createKvCache } from "./kv-cache.js";
import type { InferModel } from "./model.js";

export type Pooling = "mean" | "last";
export const POOLINGS: readonly Pooling[] = ["mean", "last"];

export interface Embedding {
  /** (C) unit-length vector. */
  readonly vector: Float32Array;
  /** Tokens seen (the tokenizer's BOS included when it adds one). */
  readonly tokens: number;
}

export interface EmbedOptions {
  /** Default "mean" (what the server's /v1/embeddings returns). */
  readonly pooling?: Pooling;
}

/** The embedding of a text (tokenized as generate does) or of token ids (used as they are). */
export function embedText(model: InferModel, input: string | readonly number[], options: EmbedOptions = {}): Embedding {
  const pooling = options.pooling ?? "mean";
  if (!POOLINGS.includes(pooling)) throw new KotodamaError(`embed: pooling must be one of ${POOLINGS.join(", ")}, got ${JSON.stringify(pooling)}`);
  const ids = promptIds(model, input);
  const C = model.config.dim;
  resolveContext(model.config, null, ids.length, `the input (${ids.length} tokens)`);
  const sum = new Float64Array(C);
  let seen = 0;
  const state = createInferState(model.weights, model.backend, Math.min(128, ids.length), {
    record: (name, data, shape) => {
      if (name !== "final_norm") return;
      const n = shape[0]!;
      if (pooling === "mean") {
        for (let t = 0; t < n; t++) for (let i = 0; i < C; i++) sum[i]! += data[t * C + i]!;
      } else if (seen + n === ids.length) {
        for (let i = 0; i < C; i++) sum[i] = data[(n - 1) * C + i]!; // the last row of the last prefill chunk
      }
      seen += n;
    },
  });
  const cache = createKvCache(model.config, ids.length);
  // The sink asks prefill for every position's head, so the final norm of every row passes the tracer.
  prefill(state, cache, ids, () => {});
  if (seen !== ids.length) throw new KotodamaError(`embed: the tracer saw ${seen} of ${ids.length} positions`);
  const div = pooling === "mean" ? ids.length : 1;
  let norm = 0;
  for (let i = 0; i < C; i++) norm += (sum[i]! / div) ** 2;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw new KotodamaError(`embed: the pooled hidden state of ${ids.length} tokens has norm ${norm}; cannot normalise`);
  const vector = new Float32Array(C);
  for (let i = 0; i < C; i++) vector[i] = sum[i]! / div / norm;
  return { vector, tokens: ids.length };
}
