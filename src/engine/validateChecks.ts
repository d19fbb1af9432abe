// The small argument checks that validate.ts composes per op; each throws a ShapeError naming the op and argument.
// Not here: which op checks what (validate.ts).

import { ShapeError } from "../util/errors.js";
import type { Shape } from "./ops.js";

export type View = Float32Array | Int32Array | Uint16Array | Uint8Array;
type ViewCtor = typeof Float32Array | typeof Int32Array | typeof Uint16Array | typeof Uint8Array;

export function fail(op: string, msg: string): never {
  throw new ShapeError(`${op}: ${msg}`);
}

export const fmt = (s: Shape): string => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

export function isKind<T extends string>(op: string, name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) fail(op, `${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`);
}

export function bool(op: string, name: string, value: boolean): void {
  if (typeof value !== "boolean") fail(op, `${name} must be a boolean, got ${String(value)}`);
}

/** A positive safe integer (a dimension). */
export function dim(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) fail(op, `${name} must be a positive integer, got ${String(value)}`);
}

export function nonNegInt(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) fail(op, `${name} must be a non-negative integer, got ${String(value)}`);
}

export function finite(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(op, `${name} must be a finite number, got ${String(value)}`);
}

export function typed(op: string, name: string, x: unknown, ctor: ViewCtor): void {
  if (!(x instanceof ctor)) {
    const got = x === null ? "null" : typeof x === "object" ? (x as object).constructor.name : typeof x;
    fail(op, `${name} must be a ${ctor.name}, got ${got}`);
  }
}

/** x is an array of the given type with at least `needed` elements; `why` says where the number comes from. */
export function atLeast(op: string, name: string, x: View, ctor: ViewCtor, needed: number, why: () => string): void {
  typed(op, name, x, ctor);
  if (x.length < needed) fail(op, `${name} has ${x.length} elements, expected at least ${needed} for ${why()}`);
}
// `why` is a thunk so that the common, valid path builds no strings.
export const f32 = (op: string, name: string, x: Float32Array, needed: number, why: () => string): void => atLeast(op, name, x, Float32Array, needed, why);
export const i32 = (op: string, name: string, x: Int32Array, needed: number, why: () => string): void => atLeast(op, name, x, Int32Array, needed, why);

/** x and y have exactly the same number of elements (pointwise ops without a size argument). */
export function sameLength(op: string, name: string, x: View, refName: string, ref: View): void {
  if (x.length !== ref.length) fail(op, `${name} has ${x.length} elements, expected ${ref.length} (the length of ${refName})`);
}

export function shape(op: string, name: string, s: Shape): void {
  if (!Array.isArray(s)) fail(op, `${name} must be an array of dims, got ${String(s)}`);
  for (const d of s) if (!Number.isSafeInteger(d) || d < 1) fail(op, `${name} ${fmt(s)} must have positive integer dims`);
}

/** Outputs must not overlap inputs (or each other) unless the op allows the identical view (in place). */
export function disjoint(op: string, outName: string, out: View, inName: string, input: View, inPlaceAllowed = false): void {
  if (out.buffer !== input.buffer) return;
  const a0 = out.byteOffset;
  const a1 = a0 + out.byteLength;
  const b0 = input.byteOffset;
  const b1 = b0 + input.byteLength;
  if (a1 <= b0 || b1 <= a0 || out.byteLength === 0 || input.byteLength === 0) return;
  if (inPlaceAllowed && a0 === b0 && a1 === b1) return;
  fail(op, `${outName} overlaps ${inName} in memory${inPlaceAllowed ? " (only the identical view is allowed, for in place)" : ""}`);
}

export function allDisjoint(op: string, outs: readonly [string, View | null][], ins: readonly [string, View | null][]): void {
  for (let i = 0; i < outs.length; i++) {
    const [on, o] = outs[i];
    if (o === null) continue;
    for (const [n, x] of ins) if (x !== null) disjoint(op, on, o, n, x);
    for (let j = i + 1; j < outs.length; j++) {
      const [n2, o2] = outs[j];
      if (o2 !== null) disjoint(op, on, o, n2, o2);
    }
  }
}
