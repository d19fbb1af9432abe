// Reference pointwise activations GELU (tanh form) and SiLU, and the fused gated units SwiGLU and GeGLU, each with
// its backward.
// Not here: relu/sigmoid/tanh without dedicated backward kernels (elementwise.ts `unary`). Math in double.

import type { ActivationArgs, ActivationBackwardArgs, ActivationKind, SwigluArgs, SwigluBackwardArgs } from "../../ops.js";

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Value and derivative of each activation at x. */
const ACT: { readonly [K in ActivationKind]: { f(x: number): number; df(x: number): number } } = {
  // gelu(x) = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³) (Hendrycks & Gimpel 2016; GPT-2).
  gelu: {
    f: (x) => 0.5 * x * (1 + Math.tanh(GELU_K * (x + GELU_C * x * x * x))),
    df: (x) => {
      const th = Math.tanh(GELU_K * (x + GELU_C * x * x * x));
      return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * GELU_K * (1 + 3 * GELU_C * x * x);
    },
  },
  // silu(x) = x·σ(x); silu'(x) = σ(x)(1 + x(1 − σ(x))).
  silu: {
    f: (x) => x * sigmoid(x),
    df: (x) => {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    },
  },
};

/** out[i] = f(x[i]), i in [0, x.length). In place allowed. */
export function activation(args: ActivationArgs): void {
  const { x, out } = args;
  const { f } = ACT[args.kind];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

/** dx[i] += dOut[i] · f′(x[i]). */
export function activationBackward(args: ActivationBackwardArgs): void {
  const { dOut, x, dx } = args;
  const { df } = ACT[args.kind];
  for (let i = 0; i < x.length; i++) dx[i] += dOut[i] * df(x[i]);
}

/** out = act(gate) ⊙ up (Shazeer 2020): silu (SwiGLU, the default) or tanh-form gelu (GeGLU; Gemma's MLP uses
 *  gelu_pytorch_tanh, HF modeling_gemma.py, which is this gelu). */
export function swiglu(args: SwigluArgs): void {
  const { gate, up, out } = args;
  const { f } = ACT[args.act ?? "silu"];
  for (let i = 0; i < gate.length; i++) out[i] = f(gate[i]) * up[i];
}

/** dGate += dOut ⊙ up ⊙ act′(gate); dUp += dOut ⊙ act(gate). */
export function swigluBackward(args: SwigluBackwardArgs): void {
  const { dOut, gate, up, dGate, dUp } = args;
  const { f, df } = ACT[args.act ?? "silu"];
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i];
    dGate[i] += dOut[i] * up[i] * df(g);
    dUp[i] += dOut[i] * f(g);
  }
}
