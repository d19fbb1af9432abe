// Embedding lookup with its scatter-add gradient (repeated ids sum their gradients).
// Not here: the nn module that owns the table, or positional embeddings (learned ones are an embedding too).

import type { I32, Shape } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { numel, shapeStr } from "./shape.js";

/** out[..., :] = weight[ids[...], :]. weight (V, C); ids (idsShape, default (N)) → out (...idsShape, C). */
export function embedding(weight: Tensor, ids: I32, idsShape: Shape = [ids.length]): Tensor {
  const g = weight.graph;
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight ${shapeStr(weight.shape)} must be 2-D (V, C)`);
  const [v, c] = weight.shape;
  const n = ids.length;
  if (numel(idsShape) !== n) throw new ShapeError(`embedding: ${n} ids do not fill ids shape ${shapeStr(idsShape)}`);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0 || id >= v) throw new ShapeError(`embedding: id ${id} at position ${i} outside [0, ${v}) of weight ${shapeStr(weight.shape)}`);
  }
  const out = g.empty([...idsShape, c]);
  g.backend.embedding({ weight: weight.data, ids, n, c, v, out: out.data });
  if (g.needsGrad(weight)) {
    g.record(out, (dOut) => g.backend.embeddingBackward({ dOut, ids, n, c, v, dWeight: g.accGrad(weight) }));
  }
  return out;
}
