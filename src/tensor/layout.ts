// Layout ops with their gradient rules: reshape (a free view), permute/transpose, narrow/split/concat along
// any axis (e.g. a fused QKV projection), broadcastTo, detach. Not here: arithmetic.
//
// narrow along a leading axis (every dim before it of size 1) is a zero-copy view. Otherwise narrow and
// concat copy rows in TypeScript: pure data movement, which no kernel in the closed op table does strided.

import type { F32, Shape } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { gradFromFull, graphOf } from "./kit.js";
import { broadcastShapes, normAxis, numel, resolveReshape, sameShape, shapeStr } from "./shape.js";

/** Same data, another shape (one dim may be −1). No copy; the gradient flows straight into x's. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return x.graph.view(x, resolveReshape("reshape", x.shape, shape));
}

/** Shares x's data without gradient history. */
export function detach(x: Tensor): Tensor {
  return x.graph.detach(x);
}

/** out.shape[i] = x.shape[perm[i]] (a copy). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const g = x.graph;
  const r = x.ndim;
  const seen = new Array<boolean>(r).fill(false);
  if (perm.length !== r) throw new ShapeError(`permute: perm [${perm.join(", ")}] does not match ${r} dims of ${shapeStr(x.shape)}`);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= r || seen[p]) throw new ShapeError(`permute: [${perm.join(", ")}] is not a permutation of ${r} dims`);
    seen[p] = true;
  }
  const shape = perm.map((p) => x.shape[p]);
  const out = g.empty(shape);
  g.backend.permute({ x: x.data, shape: x.shape, perm, out: out.data });
  if (g.needsGrad(x)) {
    const inv = new Array<number>(r);
    perm.forEach((p, i) => (inv[p] = i));
    g.record(out, (gOut) => g.writeGrad(x, (dst) => g.backend.permute({ x: gOut, shape, perm: inv, out: dst })));
  }
  return out;
}

/** Swaps two axes (a copy). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normAxis("transpose", dim0, x.ndim);
  const b = normAxis("transpose", dim1, x.ndim);
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

/** out = x broadcast NumPy-style to shape. Backward sums over the broadcast axes. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const g = x.graph;
  const full = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(full, shape)) throw new ShapeError(`broadcastTo: ${shapeStr(x.shape)} does not broadcast to ${shapeStr(shape)}`);
  const out = g.empty(full);
  g.backend.broadcast({ x: x.data, xShape: x.shape, out: out.data, outShape: full });
  if (g.needsGrad(x)) g.record(out, (gOut) => gradFromFull(g, x, gOut, full));
  return out;
}

/** Copies `rows` blocks of `len` elements: dst[dOff + r·dRow + i] (+)= src[sOff + r·sRow + i]. */
function copyRows(src: F32, sOff: number, sRow: number, dst: F32, dOff: number, dRow: number, rows: number, len: number, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const s = sOff + r * sRow;
    const d = dOff + r * dRow;
    if (accumulate) for (let i = 0; i < len; i++) dst[d + i] += src[s + i];
    else if (len >= 64) dst.set(src.subarray(s, s + len), d); // a memcpy; the view object is cheap
    else for (let i = 0; i < len; i++) dst[d + i] = src[s + i];
  }
}

/** x[..., start : start + length, ...] along axis. A view when every dim before axis is 1. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const g = x.graph;
  const ax = normAxis("narrow", axis, x.ndim);
  const dim = x.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > dim) {
    throw new ShapeError(`narrow: [${start}, ${start + length}) out of range for axis ${axis} of ${shapeStr(x.shape)}`);
  }
  const shape = x.shape.slice();
  shape[ax] = length;
  const outer = numel(x.shape.slice(0, ax));
  const inner = numel(x.shape.slice(ax + 1));
  if (outer === 1) return g.view(x, shape, start * inner);
  const out = g.empty(shape);
  copyRows(x.data, start * inner, dim * inner, out.data, 0, length * inner, outer, length * inner, false);
  if (g.needsGrad(x)) {
    g.record(out, (gOut) => copyRows(gOut, 0, length * inner, g.accGrad(x), start * inner, dim * inner, outer, length * inner, true));
  }
  return out;
}

/** Splits x along axis into pieces of the given sizes (which must sum to the axis length). Equal pieces
 *  (a fused QKV projection) take one permute kernel, (outer, k, piece) → (k, outer, piece), whose leading
 *  slices are then zero-copy views; unequal ones are copied piece by piece. */
export function split(x: Tensor, sizes: readonly number[], axis = -1): Tensor[] {
  const ax = normAxis("split", axis, x.ndim);
  const total = sizes.reduce((s, v) => s + v, 0);
  if (total !== x.shape[ax]) throw new ShapeError(`split: sizes [${sizes.join(", ")}] do not sum to axis ${axis} of ${shapeStr(x.shape)}`);
  const k = sizes.length;
  const outer = numel(x.shape.slice(0, ax));
  if (k > 1 && outer > 1 && sizes.every((n) => n === sizes[0])) {
    const piece = x.shape.slice();
    piece[ax] = sizes[0];
    const stacked = permute(reshape(x, [outer, k, numel(piece) / outer]), [1, 0, 2]); // (k, outer, piece)
    return sizes.map((_, i) => reshape(narrow(stacked, 0, i, 1), piece));
  }
  let start = 0;
  return sizes.map((n) => {
    const piece = narrow(x, ax, start, n);
    start += n;
    return piece;
  });
}

/** Joins tensors along axis (all other dims equal). */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ShapeError("concat: no tensors");
  const first = xs[0];
  const g = first.graph;
  const ax = normAxis("concat", axis, first.ndim);
  let dim = 0;
  for (const x of xs) {
    graphOf("concat", first, x);
    const ok = x.ndim === first.ndim && x.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) throw new ShapeError(`concat: ${shapeStr(x.shape)} does not match ${shapeStr(first.shape)} outside axis ${axis}`);
    dim += x.shape[ax];
  }
  const shape = first.shape.slice();
  shape[ax] = dim;
  const outer = numel(first.shape.slice(0, ax));
  const inner = numel(first.shape.slice(ax + 1));
  const out = g.empty(shape);
  let off = 0;
  for (const x of xs) {
    const len = x.shape[ax] * inner;
    copyRows(x.data, 0, len, out.data, off, dim * inner, outer, len, false);
    off += len;
  }
  if (xs.some((x) => g.needsGrad(x))) {
    g.record(out, (gOut) => {
      let o = 0;
      for (const x of xs) {
        const len = x.shape[ax] * inner;
        if (x.requiresGrad) {
          const { buf, fresh } = g.claimGrad(x);
          copyRows(gOut, o, dim * inner, buf, 0, len, outer, len, !fresh);
        }
        o += len;
      }
    });
  }
  return out;
}

