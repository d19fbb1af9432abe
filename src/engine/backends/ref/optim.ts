// Reference optimizer kernels: one AdamW step in place and the double-precision sum of squares used for
// global gradient-norm clipping. Not here: schedules, parameter groups or the clipping decision (train/).

import type { AdamwArgs, SumSquaresArgs } from "../../ops.js";

/** AdamW (Loshchilov & Hutter 2019): m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; m̂ = m/(1−β1^step),
 *  v̂ = v/(1−β2^step); p −= lr (m̂ / (√v̂ + eps) + wd · p), p on the right being the value before the step. */
export function adamw(args: AdamwArgs): void {
  const { param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step } = args;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const p = param[i];
    param[i] = p - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + weightDecay * p);
  }
}

/** Σ x², accumulated in double. */
export function sumSquares(args: SumSquaresArgs): number {
  const { x } = args;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
