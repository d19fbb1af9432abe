// Shape arithmetic shared by the ref kernels and argument validation: sizes, row-major strides, broadcasting.
// Not here: kernels or error messages (validate.ts words the errors).

import type { Shape } from "../../ops.js";

/** Number of elements of a shape (1 for a scalar shape []). */
export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

/** NumPy broadcast of two shapes (right-aligned; size 1 or a missing dim broadcasts), or null if incompatible. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read an array of shape `from` as if it had shape `to` (its broadcast): 0 on broadcast dims. */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const st = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : st[i];
  return out;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Calls f(outIndex, srcIndex) for every element of `shape` in row-major order, srcIndex following `strides`. */
export function forEachIndex(shape: Shape, strides: readonly number[], f: (i: number, src: number) => void): void {
  const r = shape.length;
  const n = numel(shape);
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    f(i, src);
    // Increment the multi-index like an odometer, keeping src in step.
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
