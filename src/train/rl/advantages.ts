// Advantages for policy-gradient RL on language models, over the tokens of each response (an episode: one
// action per generated token, the reward model's score at the last one):
//  - PPO: generalized advantage estimation (Schulman et al. 2016) with the value head's estimates,
//    δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1}, V after the last token 0 (the episode ends); returns
//    R_t = A_t + V_t are the value head's targets; advantages are then whitened over the batch (InstructGPT, TRL);
//  - GRPO (Shao et al. 2024, DeepSeekMath): no value head; G responses per prompt, each response's reward
//    normalized within its group, (r_i − mean)/(std + ε), is the advantage of every one of its tokens.
// Not here: the losses (objectives.ts), where rewards come from (rollout.ts).

/** GAE over one response's T tokens: rewards r (T), values V (T); returns advantages and returns (T each). */
export function gae(rewards: ArrayLike<number>, values: ArrayLike<number>, gamma: number, lambda: number): { advantages: Float64Array; returns: Float64Array } {
  const T = rewards.length;
  const adv = new Float64Array(T), ret = new Float64Array(T);
  let next = 0, nextValue = 0;
  for (let t = T - 1; t >= 0; t--) {
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    next = delta + gamma * lambda * next;
    adv[t] = next;
    ret[t] = next + values[t]!;
    nextValue = values[t]!;
  }
  return { advantages: adv, returns: ret };
}

/** x − mean over std (population, + 1e-8), in place over all given arrays together (the batch's tokens). */
export function whiten(xs: readonly Float64Array[]): void {
  let n = 0, sum = 0;
  for (const x of xs) {
    n += x.length;
    for (const v of x) sum += v;
  }
  if (n === 0) return;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) for (const v of x) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / n) + 1e-8;
  for (const x of xs) for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / sd;
}

/** GRPO's advantage of each response: its reward normalized within its group of G (rewards in groups of G
 *  consecutive entries); a group with identical rewards gives 0 (nothing to learn from it). */
export function groupAdvantages(rewards: ArrayLike<number>, G: number, eps = 1e-4): Float64Array {
  const n = rewards.length;
  if (G < 2 || n % G !== 0) throw new RangeError(`groupAdvantages: ${n} rewards do not form groups of ${G} (G ≥ 2)`);
  const out = new Float64Array(n);
  for (let g0 = 0; g0 < n; g0 += G) {
    let mean = 0;
    for (let i = 0; i < G; i++) mean += rewards[g0 + i]!;
    mean /= G;
    let ss = 0;
    for (let i = 0; i < G; i++) ss += (rewards[g0 + i]! - mean) ** 2;
    const sd = Math.sqrt(ss / (G - 1)); // sample std, as the GRPO paper's and TRL's torch.std
    for (let i = 0; i < G; i++) out[g0 + i] = (rewards[g0 + i]! - mean) / (sd + eps);
  }
  return out;
}
