// Text embeddings from a decoder: the final hidden state (after the final norm, what Hugging Face calls
// last_hidden_state) of every token, mean-pooled over the tokens and L2-normalised, from the one forward
// (forward.ts prefill, read through its tracer's "final_norm"). Not here: retrieval or indexes (src/rag), other
// pooling (last-token, CLS) — a decoder trained for next-token prediction gives weak embeddings either way.
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import { createInferState, prefill } from "./forward.js";
import { promptIds } from "./generate.js";
import { createKvCache } from "./kv-cache.js";
import type { InferModel } from "./model.js";

export interface Embedding {
  /** (C) unit-length vector. */
  readonly vector: Float32Array;
  /** Tokens pooled (the tokenizer's BOS included when it adds one). */
  readonly tokens: number;
}

/** The embedding of a text (tokenized as generate does) or of token ids (used as they are). */
export function embedText(model: InferModel, input: string | readonly number[]): Embedding {
  const ids = promptIds(model, input);
  const C = model.config.dim;
  resolveContext(model.config, null, ids.length, `the input (${ids.length} tokens)`);
  const sum = new Float64Array(C);
  const state = createInferState(model.weights, model.backend, Math.min(128, ids.length), {
    record: (name, data, shape) => {
      if (name !== "final_norm") return;
      const n = shape[0]!;
      for (let t = 0; t < n; t++) for (let i = 0; i < C; i++) sum[i]! += data[t * C + i]!;
    },
  });
  const cache = createKvCache(model.config, ids.length);
  // The sink asks prefill for every position's head, so the final norm of every row passes the tracer.
  prefill(state, cache, ids, () => {});
  let norm = 0;
  for (let i = 0; i < C; i++) norm += (sum[i]! / ids.length) ** 2;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw new KotodamaError(`embed: the pooled hidden state of ${ids.length} tokens has norm ${norm}; cannot normalise`);
  const vector = new Float32Array(C);
  for (let i = 0; i < C; i++) vector[i] = sum[i]! / ids.length / norm;
  return { vector, tokens: ids.length };
}
