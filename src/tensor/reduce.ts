// Reductions over axes with their gradient rules: sum, mean, max.
// Not here: fused reductions inside other ops (softmax, norms, cross-entropy keep their own).
//
// Axes default to all; keepDims keeps reduced axes as size 1 (the layout is the same either way).

import type { F32, Shape } from "../engine/ops.js";
import type { Graph, Tensor } from "./tensor.js";
import { addInto } from "./tensor.js";
import { numel, normAxes } from "./shape.js";
import { unaryFlat } from "./kit.js";

export interface ReduceOptions {
  readonly keepDims?: boolean;
}

type Axes = number | readonly number[] | undefined;

function reduceShapes(op: string, x: Tensor, axes: Axes, keepDims: boolean): { ax: number[]; keep: number[]; out: number[] } {
  const ax = normAxes(op, axes, x.ndim);
  const keep = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const out = keepDims ? keep : x.shape.filter((_, i) => !ax.includes(i));
  return { ax, keep, out };
}

/** dx += broadcast(gOut · s) from the keep-dims shape to x's shape. */
function broadcastGrad(g: Graph, x: Tensor, gOut: F32, keep: Shape, s: number): void {
  let src = gOut;
  let tmp: F32 | null = null;
  if (s !== 1) {
    tmp = g.tmp(gOut.length);
    unaryFlat(g, "scale", gOut, tmp, s);
    src = tmp;
  }
  const { buf, fresh } = g.claimGrad(x);
  if (fresh) g.backend.broadcast({ x: src, xShape: keep, out: buf, outShape: x.shape });
  else g.backend.binary({ op: "add", a: buf, aShape: x.shape, b: src, bShape: keep, out: buf, outShape: x.shape });
  if (tmp !== null) g.free(tmp);
}

function sumOrMean(op: "sum" | "mean", x: Tensor, axes: Axes, options: ReduceOptions): Tensor {
  const g = x.graph;
  const { ax, keep, out: shape } = reduceShapes(op, x, axes, options.keepDims ?? false);
  const out = g.empty(shape);
  g.backend.reduce({ op, x: x.data, shape: x.shape, axes: ax, out: out.data });
  if (g.needsGrad(x)) {
    const s = op === "mean" ? numel(keep) / Math.max(1, x.size) : 1; // 1 / (elements per output)
    g.record(out, (gOut) => broadcastGrad(g, x, gOut, keep, s));
  }
  return out;
}

/** Σ over axes (all by default). */
export const sum = (x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor => sumOrMean("sum", x, axes, options);
/** Mean over axes (all by default). */
export const mean = (x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor => sumOrMean("mean", x, axes, options);

/** Max over axes (all by default). The gradient goes to the first maximal element of each reduced group,
 *  as torch.max(dim) does. Finding that element is a strided scan in TypeScript (no kernel marks argmax);
 *  max is not on a training hot path. */
export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const g = x.graph;
  const { ax, keep, out: shape } = reduceShapes("max", x, axes, options.keepDims ?? false);
  const out = g.empty(shape);
  g.backend.reduce({ op: "max", x: x.data, shape: x.shape, axes: ax, out: out.data });
  if (g.needsGrad(x)) {
    g.record(out, (gOut) => {
      const tmp = g.tmp(x.size);
      tmp.fill(0);
      scatterToArgmax(x.data, x.shape, keep, out.data, gOut, tmp);
      addInto(g.backend, g.accGrad(x), tmp);
      g.free(tmp);
    });
  }
  return out;
}

/** dst[first i with x[i] = m[group(i)]] = gOut[group(i)], walking x in row-major order. */
function scatterToArgmax(x: F32, shape: Shape, keep: Shape, m: F32, gOut: F32, dst: F32): void {
  const r = shape.length;
  const kStride = new Array<number>(r); // stride of the keep-dims output seen from x's index (0 on reduced axes)
  let s = 1;
  for (let i = r - 1; i >= 0; i--) {
    kStride[i] = keep[i] === 1 ? 0 : s;
    s *= keep[i];
  }
  const done = new Uint8Array(m.length);
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    if (done[o] === 0 && x[i] === m[o]) {
      dst[i] = gOut[o];
      done[o] = 1;
    }
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      o += kStride[d];
      if (idx[d] < shape[d]) break;
      o -= kStride[d] * shape[d];
      idx[d] = 0;
    }
  }
}
