// Reference cross-entropy fused with log-softmax over the vocabulary, with an ignore index; forward and backward.
// Not here: label smoothing or z-loss (not used yet), the mean over rows (the caller divides by the count).

import type { CrossEntropyArgs, CrossEntropyBackwardArgs } from "../../ops.js";

/** lse[i] = log Σ_j exp(logits[i, j]) (every row); losses[i] = lse[i] − logits[i, targets[i]], 0 if ignored. */
export function crossEntropy(args: CrossEntropyArgs): void {
  const { logits, targets, n, v, ignoreIndex, losses, lse } = args;
  for (let i = 0; i < n; i++) {
    const o = i * v;
    let mx = -Infinity;
    for (let j = 0; j < v; j++) mx = Math.max(mx, logits[o + j]);
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp(logits[o + j] - mx);
    const l = mx + Math.log(s);
    lse[i] = l;
    losses[i] = targets[i] === ignoreIndex ? 0 : l - logits[o + targets[i]];
  }
}

/** dLogits[i, :] += dLosses[i] · (softmax(logits[i]) − onehot(targets[i])) using the saved lse; ignored rows
 *  are left untouched. */
export function crossEntropyBackward(args: CrossEntropyBackwardArgs): void {
  const { logits, targets, lse, dLosses, n, v, ignoreIndex, dLogits } = args;
  for (let i = 0; i < n; i++) {
    if (targets[i] === ignoreIndex) continue;
    const o = i * v;
    const g = dLosses[i];
    for (let j = 0; j < v; j++) {
      const p = Math.exp(logits[o + j] - lse[i]);
      dLogits[o + j] += g * (p - (j === targets[i] ? 1 : 0));
    }
  }
}
