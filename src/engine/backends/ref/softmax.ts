// Reference row softmax over the last dim (max subtracted, sum in double) and its backward.
// Not here: masking or scaling (attention.ts fuses those), log-softmax (crossEntropy.ts fuses it).

import type { SoftmaxArgs, SoftmaxBackwardArgs } from "../../ops.js";

/** out[i, :] = exp(x[i, :] − max) / Σ exp(x[i, :] − max). */
export function softmax(args: SoftmaxArgs): void {
  const { x, n, c, out } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let mx = -Infinity;
    for (let j = 0; j < c; j++) mx = Math.max(mx, x[o + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(x[o + j] - mx);
    for (let j = 0; j < c; j++) out[o + j] = Math.exp(x[o + j] - mx) / s;
  }
}

/** dx += y ⊙ (dOut − Σ_j dOut_j y_j), y the forward output. */
export function softmaxBackward(args: SoftmaxBackwardArgs): void {
  const { dOut, y, n, c, dx } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let dot = 0;
    for (let j = 0; j < c; j++) dot += dOut[o + j] * y[o + j];
    for (let j = 0; j < c; j++) dx[o + j] += y[o + j] * (dOut[o + j] - dot);
  }
}
