// Shape arithmetic for tensor ops: sizes, broadcasting, axis normalization, and the ShapeErrors they raise.
// Not here: kernels (engine/) or anything that touches data.

import type { Shape } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";

/** Number of elements (1 for the scalar shape []). */
export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** "(2, 3, 4)" — how shapes appear in error messages. */
export function shapeStr(shape: Shape): string {
  return `(${shape.join(", ")})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless shape is a list of non-negative integers. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`${op}: bad shape ${shapeStr(shape)}: dims must be non-negative integers`);
  }
}

/** NumPy broadcast of two shapes (right-aligned; size-1 or missing dims broadcast). */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast (dim ${i - r}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Axes of `full` (a broadcast of `small`) along which `small` was broadcast: where backward must sum. */
export function broadcastAxes(small: Shape, full: Shape): number[] {
  const axes: number[] = [];
  const off = full.length - small.length;
  for (let i = 0; i < full.length; i++) {
    if (i < off || (small[i - off] === 1 && full[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** A possibly negative axis, as an index in [0, ndim). */
export function normAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= ndim) throw new ShapeError(`${op}: axis ${axis} out of range for ${ndim} dims`);
  return a;
}

/** Sorted, distinct, normalized axes; undefined means all axes. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, ndim)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new ShapeError(`${op}: axis ${out[i]} repeated`);
  return out;
}

/** Resolves one -1 in a reshape target and checks the element count. */
export function resolveReshape(op: string, from: Shape, to: Shape): number[] {
  const n = numel(from);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < to.length; i++) {
    if (to[i] === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: more than one -1 in ${shapeStr(to)}`);
      infer = i;
    } else {
      if (!Number.isSafeInteger(to[i]) || to[i] < 0) throw new ShapeError(`${op}: bad target shape ${shapeStr(to)}`);
      known *= to[i];
    }
  }
  const out = to.slice();
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) throw new ShapeError(`${op}: cannot reshape ${shapeStr(from)} into ${shapeStr(to)}`);
    out[infer] = n / known;
  } else if (known !== n) {
    throw new ShapeError(`${op}: cannot reshape ${shapeStr(from)} (${n} elements) into ${shapeStr(to)} (${known} elements)`);
  }
  return out;
}
