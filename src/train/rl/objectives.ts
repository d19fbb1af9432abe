// The policy-gradient losses of RL from a reward model, over the response tokens of a batch of rollouts (flat
// (N) arrays over rows × positions, mask 1 on response tokens):
//  - PPO's clipped surrogate (Schulman et al. 2017): −mean_t min(ρ_t·A_t, clip(ρ_t, 1 ± ε)·A_t), ρ_t =
//    exp(log π(a_t) − log π_old(a_t)); and its clipped value loss ½·mean_t max((V_t − R_t)², (clip(V_t, V_old ± ε_v)
//    − R_t)²) (as in TRL and the OpenAI baselines);
//  - GRPO's loss (Shao et al. 2024): the same clipped surrogate with group-normalized advantages, plus β times the
//    unbiased KL estimate to the reference, k3 = exp(r − π) − (r − π) − 1 per token (Schulman's "k3"). Tokens are
//    averaged over the whole batch (DAPO's token-level mean), not per sequence first, so long answers are not
//    underweighted.
// min/max pick a branch per token; the branch is a constant choice on the data (no gradient through the
// decision), so each loss is written as a weighted sum over the branch that carries the gradient plus a constant
// for the rest: the same value and gradient as min/max, without needing elementwise min/max ops.
// Not here: advantages (advantages.ts), rollouts (rollout.ts).
import type { Tensor } from "../../tensor/index.js";
import { add, addScalar, exp, mul, scale, square, sub, sum } from "../../tensor/index.js";
import { ShapeError } from "../../util/errors.js";

export interface PolicyLossStats {
  /** Share of response tokens whose ratio left [1 − ε, 1 + ε]. */
  readonly clipFrac: number;
  /** mean_t (log π_old − log π): the policy's drift from the rollout policy. */
  readonly approxKl: number;
}

const check = (what: string, n: number, ...xs: ArrayLike<number>[]): void => {
  for (const x of xs) if (x.length !== n) throw new ShapeError(`${what}: arrays of ${xs.map((y) => y.length).join(", ")} for ${n} tokens`);
};

/** PPO's clipped surrogate: logp (N) with gradient, the rest constants (N). */
export function clippedSurrogate(logp: Tensor, oldLogp: Float32Array, adv: Float32Array, mask: Float32Array, eps: number): { loss: Tensor; stats: PolicyLossStats } {
  const N = logp.size;
  check("clippedSurrogate", N, oldLogp, adv, mask);
  const g = logp.graph;
  const lp = logp.data;
  let M = 0;
  for (let i = 0; i < N; i++) M += mask[i]!;
  M = Math.max(1, M);
  const coef = new Float32Array(N);
  let constant = 0, clipped = 0, kl = 0;
  for (let i = 0; i < N; i++) {
    if (mask[i] === 0) continue;
    const rho = Math.exp(lp[i]! - oldLogp[i]!), a = adv[i]!;
    const rc = Math.min(1 + eps, Math.max(1 - eps, rho));
    if (rc !== rho) clipped++;
    kl += oldLogp[i]! - lp[i]!;
    if (rho * a <= rc * a) coef[i] = -a / M; // the unclipped branch: gradient through ρ
    else constant -= (rc * a) / M; // clipped and smaller: constant
  }
  const ratio = exp(sub(logp, g.tensor(oldLogp, [N]))); // (N)
  const loss = addScalar(sum(mul(ratio, g.tensor(coef, [N]))), constant);
  return { loss, stats: { clipFrac: clipped / M, approxKl: kl / M } };
}

/** PPO's clipped value loss: values (N) with gradient; old values, returns, mask constants (N). */
export function clippedValueLoss(values: Tensor, oldValues: Float32Array, returns: Float32Array, mask: Float32Array, eps: number): Tensor {
  const N = values.size;
  check("clippedValueLoss", N, oldValues, returns, mask);
  const g = values.graph;
  const v = values.data;
  let M = 0;
  for (let i = 0; i < N; i++) M += mask[i]!;
  M = Math.max(1, M);
  const w = new Float32Array(N);
  let constant = 0;
  for (let i = 0; i < N; i++) {
    if (mask[i] === 0) continue;
    const vc = Math.min(oldValues[i]! + eps, Math.max(oldValues[i]! - eps, v[i]!));
    const un = (v[i]! - returns[i]!) ** 2, cl = (vc - returns[i]!) ** 2;
    if (un >= cl) w[i] = 0.5 / M; // (V − R)² carries the gradient
    else constant += (0.5 * cl) / M; // V outside the clip range and the clipped term larger: constant
  }
  return addScalar(sum(mul(square(sub(values, g.tensor(returns, [N]))), g.tensor(w, [N]))), constant);
}

/** GRPO's KL penalty: mean over response tokens of k3 = exp(r − π) − (r − π) − 1 (≥ 0, unbiased for KL(π‖ref)). */
export function klK3(logp: Tensor, refLogp: Float32Array, mask: Float32Array): { loss: Tensor; kl: number } {
  const N = logp.size;
  check("klK3", N, refLogp, mask);
  const g = logp.graph;
  let M = 0;
  for (let i = 0; i < N; i++) M += mask[i]!;
  M = Math.max(1, M);
  const ref = g.tensor(refLogp, [N]);
  const k3 = add(sub(exp(sub(ref, logp)), sub(ref, logp)), g.tensor(new Float32Array(N).fill(-1), [N])); // (N)
  const loss = scale(sum(mul(k3, g.tensor(mask, [N]))), 1 / M);
  let kl = 0;
  const k = k3.data;
  for (let i = 0; i < N; i++) kl += mask[i]! * k[i]!;
  return { loss, kl: kl / M };
}
