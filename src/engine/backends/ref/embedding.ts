// Reference token embedding: row gather and its scatter-add gradient.
// Not here: id range checks (validate.ts), positional embeddings (nn/ composes them from `binary` add).

import type { EmbeddingArgs, EmbeddingBackwardArgs } from "../../ops.js";

/** out[i, :] = weight[ids[i], :]. weight (V, C), ids (N), out (N, C). */
export function embedding(args: EmbeddingArgs): void {
  const { weight, ids, n, c, out } = args;
  for (let i = 0; i < n; i++) {
    const row = ids[i] * c;
    for (let j = 0; j < c; j++) out[i * c + j] = weight[row + j];
  }
}

/** dWeight[ids[i], :] += dOut[i, :]; repeated ids sum, in order of i. */
export function embeddingBackward(args: EmbeddingBackwardArgs): void {
  const { dOut, ids, n, c, dWeight } = args;
  for (let i = 0; i < n; i++) {
    const row = ids[i] * c;
    for (let j = 0; j < c; j++) dWeight[row + j] += dOut[i * c + j];
  }
}
