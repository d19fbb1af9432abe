// Elementwise ops with their gradient rules: broadcasting add/sub/mul/div, scalar ops, pointwise functions.
// Not here: activations with dedicated kernels (activation.ts), reductions (reduce.ts).
//
// Each backward composes the same backend kernels (binary, unary, reduce); gradients of broadcast inputs are
// summed over the broadcast axes back to the input's shape.

import type { BinaryOpKind, F32, UnaryOpKind } from "../engine/ops.js";
import type { Graph, Tensor } from "./tensor.js";
import { binaryFlat, graphOf, gradFromCompute, gradFromFull, unaryFlat } from "./kit.js";
import { broadcastShapes } from "./shape.js";

// ---- binary, NumPy broadcasting ------------------------------------------------------------------------------

type Arith = Extract<BinaryOpKind, "add" | "sub" | "mul" | "div">;

function binaryOp(op: Arith, a: Tensor, b: Tensor): Tensor {
  const g = graphOf(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = g.empty(shape);
  g.backend.binary({ op, a: a.data, aShape: a.shape, b: b.data, bShape: b.shape, out: out.data, outShape: shape });
  if (g.needsGrad(a, b)) g.record(out, (gOut) => binaryBackward(g, op, a, b, out, gOut));
  return out;
}

/** d(a∘b): add → (g, g); sub → (g, −g); mul → (g·b, g·a); div → (g/b, −g·out/b). */
function binaryBackward(g: Graph, op: Arith, a: Tensor, b: Tensor, out: Tensor, gOut: F32): void {
  const be = g.backend;
  const shape = out.shape;
  const withB = (kind: BinaryOpKind, lhs: F32, dst: F32): void =>
    be.binary({ op: kind, a: lhs, aShape: shape, b: b.data, bShape: b.shape, out: dst, outShape: shape });
  if (a.requiresGrad) {
    if (op === "add" || op === "sub") gradFromFull(g, a, gOut, shape);
    else if (op === "mul") gradFromCompute(g, a, shape, (dst) => withB("mul", gOut, dst));
    else gradFromCompute(g, a, shape, (dst) => withB("div", gOut, dst));
  }
  if (b.requiresGrad) {
    if (op === "add") gradFromFull(g, b, gOut, shape);
    else if (op === "sub") gradFromCompute(g, b, shape, (dst) => unaryFlat(g, "neg", gOut, dst));
    else if (op === "mul") {
      gradFromCompute(g, b, shape, (dst) =>
        be.binary({ op: "mul", a: gOut, aShape: shape, b: a.data, bShape: a.shape, out: dst, outShape: shape }),
      );
    } else {
      gradFromCompute(g, b, shape, (dst) => {
        binaryFlat(g, "mul", gOut, out.data, dst);
        withB("div", dst, dst);
        unaryFlat(g, "neg", dst, dst);
      });
    }
  }
}

/** a + b (broadcasting). */
export const add = (a: Tensor, b: Tensor): Tensor => binaryOp("add", a, b);
/** a − b (broadcasting). */
export const sub = (a: Tensor, b: Tensor): Tensor => binaryOp("sub", a, b);
/** a ⊙ b (broadcasting). */
export const mul = (a: Tensor, b: Tensor): Tensor => binaryOp("mul", a, b);
/** a / b (broadcasting). */
export const div = (a: Tensor, b: Tensor): Tensor => binaryOp("div", a, b);

// ---- unary and scalar --------------------------------------------------------------------------------------

type Pointwise = Exclude<UnaryOpKind, "abs" | "relu">;

/** dst = ∂y/∂x ⊙ gOut, from x, y = f(x) and the scalar s; overwrites dst (same length as x). */
const UNARY_GRAD: { readonly [K in Pointwise]: (g: Graph, x: F32, y: F32, s: number, gOut: F32, dst: F32) => void } = {
  neg: (g, _x, _y, _s, gOut, dst) => unaryFlat(g, "neg", gOut, dst),
  exp: (g, _x, y, _s, gOut, dst) => binaryFlat(g, "mul", gOut, y, dst), // e^x
  log: (g, x, _y, _s, gOut, dst) => binaryFlat(g, "div", gOut, x, dst), // 1/x
  sqrt: (g, _x, y, _s, gOut, dst) => {
    binaryFlat(g, "div", gOut, y, dst); // 1/(2√x)
    unaryFlat(g, "scale", dst, dst, 0.5);
  },
  rsqrt: (g, _x, y, _s, gOut, dst) => {
    unaryFlat(g, "powScalar", y, dst, 3); // −½ x^(−3/2) = −½ y³
    binaryFlat(g, "mul", dst, gOut, dst);
    unaryFlat(g, "scale", dst, dst, -0.5);
  },
  square: (g, x, _y, _s, gOut, dst) => {
    binaryFlat(g, "mul", gOut, x, dst); // 2x
    unaryFlat(g, "scale", dst, dst, 2);
  },
  recip: (g, _x, y, _s, gOut, dst) => {
    unaryFlat(g, "square", y, dst); // −1/x² = −y²
    binaryFlat(g, "mul", dst, gOut, dst);
    unaryFlat(g, "neg", dst, dst);
  },
  tanh: (g, _x, y, _s, gOut, dst) => {
    unaryFlat(g, "square", y, dst); // 1 − y²
    unaryFlat(g, "scale", dst, dst, -1);
    unaryFlat(g, "addScalar", dst, dst, 1);
    binaryFlat(g, "mul", dst, gOut, dst);
  },
  sigmoid: (g, _x, y, _s, gOut, dst) => {
    unaryFlat(g, "scale", y, dst, -1); // y (1 − y)
    unaryFlat(g, "addScalar", dst, dst, 1);
    binaryFlat(g, "mul", dst, y, dst);
    binaryFlat(g, "mul", dst, gOut, dst);
  },
  scale: (g, _x, _y, s, gOut, dst) => unaryFlat(g, "scale", gOut, dst, s),
  addScalar: (_g, _x, _y, _s, gOut, dst) => dst.set(gOut),
  powScalar: (g, x, _y, s, gOut, dst) => {
    unaryFlat(g, "powScalar", x, dst, s - 1); // s x^(s−1)
    binaryFlat(g, "mul", dst, gOut, dst);
    unaryFlat(g, "scale", dst, dst, s);
  },
};

function unaryOp(op: Pointwise, x: Tensor, s = 0): Tensor {
  const g = x.graph;
  const out = g.empty(x.shape);
  unaryFlat(g, op, x.data, out.data, s);
  if (g.needsGrad(x)) {
    g.record(out, (gOut) => g.writeGrad(x, (dst) => UNARY_GRAD[op](g, x.data, out.data, s, gOut, dst)));
  }
  return out;
}

export const neg = (x: Tensor): Tensor => unaryOp("neg", x);
export const exp = (x: Tensor): Tensor => unaryOp("exp", x);
export const log = (x: Tensor): Tensor => unaryOp("log", x);
export const sqrt = (x: Tensor): Tensor => unaryOp("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => unaryOp("rsqrt", x);
export const square = (x: Tensor): Tensor => unaryOp("square", x);
export const recip = (x: Tensor): Tensor => unaryOp("recip", x);
export const tanh = (x: Tensor): Tensor => unaryOp("tanh", x);
export const sigmoid = (x: Tensor): Tensor => unaryOp("sigmoid", x);
/** x · s */
export const scale = (x: Tensor, s: number): Tensor => unaryOp("scale", x, s);
/** x + s */
export const addScalar = (x: Tensor, s: number): Tensor => unaryOp("addScalar", x, s);
/** x ** p */
export const powScalar = (x: Tensor, p: number): Tensor => unaryOp("powScalar", x, p);
