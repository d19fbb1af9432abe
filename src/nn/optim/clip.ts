// Global gradient-norm clipping (Pascanu et al. 2013; torch.nn.utils.clip_grad_norm_): one norm over every
// gradient, computed with the backend's double-precision sumSquares. Not here: the optimizer step (adamw.ts).

import { KotodamaError } from "../../util/errors.js";
import type { Tensor } from "../../tensor/tensor.js";

/** ‖g‖₂ over the gradients of all params (params without a gradient yet count as zero). */
export function gradNorm(params: readonly Tensor[]): number {
  let total = 0;
  for (const p of params) {
    const g = p.grad;
    if (g !== null) total += p.graph.backend.sumSquares({ x: g });
  }
  return Math.sqrt(total);
}

/** Scales all gradients in place by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm, as PyTorch
 *  does. Returns the norm before clipping. A non-finite norm is returned without touching the gradients, so
 *  that the caller can skip the step. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new KotodamaError(`clipGradNorm: maxNorm must be a positive finite number, got ${maxNorm}`);
  const norm = gradNorm(params);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const coef = maxNorm / (norm + 1e-6);
  for (const p of params) {
    const g = p.grad;
    if (g !== null) p.graph.backend.unary({ op: "scale", x: g, out: g, scalar: coef });
  }
  return norm;
}
