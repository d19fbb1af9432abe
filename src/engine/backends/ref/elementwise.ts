// Reference elementwise kernels: broadcast binary arithmetic and pointwise unary functions.
// Not here: their gradients (composed in tensor/ from these same ops and `reduce` for broadcast dims),
// activations with dedicated backward kernels (activation.ts).

import type { BinaryArgs, BinaryOpKind, UnaryArgs, UnaryOpKind } from "../../ops.js";
import { broadcastStrides, numel } from "./shape.js";

const BINARY: { readonly [K in BinaryOpKind]: (x: number, y: number) => number } = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y), // NaN propagates
  min: (x, y) => Math.min(x, y),
};

/** out = a ⊙ b with NumPy broadcasting; in place (out === a) is safe because each element is read first. */
export function binary(args: BinaryArgs): void {
  const { a, b, out, outShape } = args;
  const f = BINARY[args.op];
  const sa = broadcastStrides(args.aShape, outShape); // 0 on dims where a broadcasts
  const sb = broadcastStrides(args.bShape, outShape);
  const r = outShape.length;
  const idx = new Array<number>(r).fill(0);
  let ia = 0;
  let ib = 0;
  const total = numel(outShape);
  for (let i = 0; i < total; i++) {
    out[i] = f(a[ia], b[ib]);
    // Advance the multi-index over outShape like an odometer, moving a's and b's offsets in step.
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

const UNARY: { readonly [K in UnaryOpKind]: (x: number, s: number) => number } = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: (x) => Math.abs(x),
  square: (x) => x * x,
  recip: (x) => 1 / x,
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x > 0 ? x : 0),
  scale: (x, s) => x * s,
  addScalar: (x, s) => x + s,
  powScalar: (x, s) => x ** s,
};

/** out[i] = f(x[i]) for i in [0, x.length); computed in double, rounded once to f32. In place allowed. */
export function unary(args: UnaryArgs): void {
  const { x, out, scalar } = args;
  const f = UNARY[args.op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], scalar);
}
