// The Embedding module: a trainable (V, C) table with its init and lookup; learned positions use it too.
// Not here: the lookup kernel and its scatter-add gradient (tensor/embedding.ts).
import type { I32, Shape } from "../engine/ops.js";
import type { Graph, Tensor } from "../tensor/index.js";
import { embedding } from "../tensor/index.js";
import type { Rng } from "../util/rng.js";

/** A new (rows, dim) table ~ N(0, std²). */
export function createEmbedding(g: Graph, rng: Rng, rows: number, dim: number, name: string, std: number): Tensor {
  const w = new Float32Array(rows * dim);
  rng.fillNormal(w, 0, std);
  return g.parameter(w, [rows, dim], name);
}

/** table[ids] with ids of shape idsShape → (...idsShape, C). */
export const embeddingForward = (table: Tensor, ids: I32, idsShape: Shape): Tensor => embedding(table, ids, idsShape);
