// Cross-entropy fused with log-softmax over the vocabulary, with an ignore index, and its gradient rule.
// Not here: label smoothing or z-loss (not needed yet); sampling from logits (infer/).

import type { I32 } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { shapeStr } from "./shape.js";
import { unaryFlat } from "./kit.js";

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (PyTorch's default −100). */
  readonly ignoreIndex?: number;
  /** "mean" over non-ignored positions (0 when all are ignored), "sum", or "none": one loss per row (N). */
  readonly reduction?: "mean" | "sum" | "none";
}

/** −log softmax(logits)[target] per row. logits (..., V), targets (N = rows of logits). */
export function crossEntropy(logits: Tensor, targets: I32, options: CrossEntropyOptions = {}): Tensor {
  const g = logits.graph;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? "mean";
  if (logits.ndim < 1) throw new ShapeError(`crossEntropy: logits ${shapeStr(logits.shape)} need a vocabulary dim`);
  const v = logits.shape[logits.ndim - 1];
  const n = v === 0 ? 0 : logits.size / v;
  if (targets.length !== n) throw new ShapeError(`crossEntropy: ${targets.length} targets for ${n} rows of logits ${shapeStr(logits.shape)}`);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i];
    if (y === ignoreIndex) continue;
    if (y < 0 || y >= v) throw new ShapeError(`crossEntropy: target ${y} at row ${i} outside [0, ${v}) and not ignoreIndex ${ignoreIndex}`);
    count++;
  }
  const rec = g.needsGrad(logits);
  const lse = rec ? g.saved(n) : g.tmp(n);
  const perRow = reduction === "none" ? g.empty(logits.shape.slice(0, -1)) : null;
  const losses = perRow !== null ? perRow.data : g.tmp(n);
  g.backend.crossEntropy({ logits: logits.data, targets, n, v, ignoreIndex, losses, lse });
  let out: Tensor;
  let s = 1; // d(out)/d(losses[i]) for non-ignored rows
  if (perRow !== null) out = perRow;
  else {
    out = g.empty([]);
    g.backend.reduce({ op: "sum", x: losses, shape: [n], axes: [0], out: out.data });
    if (reduction === "mean") {
      s = count > 0 ? 1 / count : 0;
      unaryFlat(g, "scale", out.data, out.data, s);
    }
    g.free(losses);
  }
  if (!rec) {
    g.free(lse);
    return out;
  }
  g.record(out, (gOut) => {
    let dLosses = gOut;
    if (perRow === null) {
      dLosses = g.tmp(n);
      dLosses.fill(gOut[0] * s);
    }
    g.backend.crossEntropyBackward({ logits: logits.data, targets, lse, dLosses, n, v, ignoreIndex, dLogits: g.accGrad(logits) });
    if (dLosses !== gOut) g.free(dLosses);
  });
  return out;
}
