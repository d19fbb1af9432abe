// Reference reductions (sum, mean, max, min) over any set of axes, keepdims; sums accumulate in double.
// Not here: the gradient of a reduction (tensor/ composes it from `broadcast`), softmax/norm row reductions.

import type { ReduceArgs } from "../../ops.js";
import { forEachIndex, numel, stridesOf } from "./shape.js";

/** out (shape with `axes` set to 1) = reduction of x over `axes`. */
export function reduce(args: ReduceArgs): void {
  const { op, x, shape, axes, out } = args;
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const toOut = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s)); // x coords → out offset
  const nOut = numel(outShape);
  const count = numel(shape) / nOut; // elements folded into each output
  const acc = new Float64Array(nOut).fill(op === "max" ? -Infinity : op === "min" ? Infinity : 0);
  if (op === "sum" || op === "mean") forEachIndex(shape, toOut, (i, o) => (acc[o] += x[i]));
  else if (op === "max") forEachIndex(shape, toOut, (i, o) => (acc[o] = Math.max(acc[o], x[i])));
  else forEachIndex(shape, toOut, (i, o) => (acc[o] = Math.min(acc[o], x[i])));
  for (let o = 0; o < nOut; o++) out[o] = op === "mean" ? acc[o] / count : acc[o];
}
