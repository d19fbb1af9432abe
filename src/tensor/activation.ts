// Activations with dedicated kernels and their gradient rules: GELU (tanh form, as GPT-2), SiLU, fused SwiGLU
// (Shazeer 2020, as Llama's MLP), and the row softmax. Not here: pointwise math like tanh/exp
// (elementwise.ts) or log-softmax inside cross-entropy (loss.ts).

import type { ActivationKind } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { gradSlots, graphOf } from "./kit.js";
import { sameShape, shapeStr } from "./shape.js";

function activation(kind: ActivationKind, x: Tensor): Tensor {
  const g = x.graph;
  const out = g.empty(x.shape);
  g.backend.activation({ kind, x: x.data, out: out.data });
  if (g.needsGrad(x)) {
    g.record(out, (dOut) => g.backend.activationBackward({ kind, dOut, x: x.data, dx: g.accGrad(x) }));
  }
  return out;
}

/** 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel 2016, tanh approximation; GPT-2). */
export const gelu = (x: Tensor): Tensor => activation("gelu", x);
/** x·sigmoid(x). */
export const silu = (x: Tensor): Tensor => activation("silu", x);

/** silu(gate) ⊙ up, fused (Llama's MLP: down(silu(gate(x)) ⊙ up(x))). gate, up same shape. */
export function swiglu(gate: Tensor, up: Tensor, act: "silu" | "gelu" = "silu"): Tensor {
  const g = graphOf("swiglu", gate, up);
  if (!sameShape(gate.shape, up.shape)) throw new ShapeError(`swiglu: gate ${shapeStr(gate.shape)} and up ${shapeStr(up.shape)} differ`);
  const out = g.empty(gate.shape);
  g.backend.swiglu({ gate: gate.data, up: up.data, out: out.data, act });
  if (g.needsGrad(gate, up)) {
    g.record(out, (dOut) => {
      const { bufs, finish } = gradSlots(g, [gate, up]);
      g.backend.swigluBackward({ dOut, gate: gate.data, up: up.data, dGate: bufs[0], dUp: bufs[1], act });
      finish();
    });
  }
  return out;
}

/** Numerically stable softmax over the last dim. */
export function softmax(x: Tensor): Tensor {
  const g = x.graph;
  if (x.ndim < 1) throw new ShapeError(`softmax: x ${shapeStr(x.shape)} needs at least one dim`);
  const c = x.shape[x.ndim - 1];
  const n = c === 0 ? 0 : x.size / c;
  const out = g.empty(x.shape);
  g.backend.softmax({ x: x.data, n, c, out: out.data });
  if (g.needsGrad(x)) {
    g.record(out, (dOut) => g.backend.softmaxBackward({ dOut, y: out.data, n, c, dx: g.accGrad(x) }));
  }
  return out;
}
