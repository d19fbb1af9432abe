// The feed-forward modules: GPT-2's GELU MLP (c_proj(gelu(c_fc(x)))) and Llama's SwiGLU
// (down(silu(gate(x)) ⊙ up(x)), Shazeer 2020), one typed record chosen by the config flag.
// Not here: the activation kernels (tensor/activation.ts) or weight names (models/weights.ts).
import type { Tensor } from "../tensor/index.js";
import { gelu, swiglu } from "../tensor/index.js";
import { linearForward, type LinearWeights } from "./linear.js";

/** Gated MLPs ("swiglu" kind): act(gate(x)) ⊙ up(x) with act silu (SwiGLU, Llama) or the tanh-form gelu (GeGLU,
 *  Gemma). */
export type MlpWeights =
  | { readonly kind: "gelu"; readonly up: LinearWeights; readonly down: LinearWeights }
  | { readonly kind: "swiglu"; readonly act: "silu" | "gelu"; readonly gate: LinearWeights; readonly up: LinearWeights; readonly down: LinearWeights };

/** x (..., C) → (..., C) through the hidden width. */
export function mlpForward(m: MlpWeights, x: Tensor): Tensor {
  if (m.kind === "gelu") return linearForward(m.down, gelu(linearForward(m.up, x)));
  return linearForward(m.down, swiglu(linearForward(m.gate, x), linearForward(m.up, x), m.act));
}
