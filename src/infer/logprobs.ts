// Log-probabilities read off logits (log-softmax in float64) for reports: one token's, and the K most likely.
// Not here: sampling (sampler.ts) — these describe the model's own distribution, before penalties/temperature.

/** log Σ exp(logits), computed stably in float64. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/** log p(id) under softmax(logits). */
export function logprobOf(logits: ArrayLike<number>, id: number, lse = logSumExp(logits)): number {
  return logits[id]! - lse;
}

export interface TokenLogprob {
  readonly id: number;
  readonly logprob: number;
}

/** The k most likely tokens, most likely first (ties: lower id first). */
export function topLogprobs(logits: ArrayLike<number>, k: number, lse = logSumExp(logits)): TokenLogprob[] {
  const n = Math.min(k, logits.length);
  if (n <= 0) return [];
  const best: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (best.length === n && v <= logits[best[n - 1]!]!) continue;
    let j = best.length < n ? best.length : n - 1;
    if (best.length < n) best.push(i);
    while (j > 0 && logits[best[j - 1]!]! < v) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = i;
  }
  return best.map((id) => ({ id, logprob: logits[id]! - lse }));
}
