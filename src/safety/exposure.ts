// Exposure of a canary (Carlini et al. 2019, "The Secret Sharer", §4): how much more likely a model finds the
// inserted secret than the other members of its randomness space R (all 10^d digit strings). Not here: making or
// inserting canaries (data/canaries.ts), the training loop.
//
// The log-perplexity of a secret s is −log₂ P(s | prefix), summed over the secret's tokens. Ranking every member
// of R by it, exposure = log₂|R| − log₂ rank(s), between 0 (s no likelier than the typical member) and log₂|R|
// (s the most likely of all). R is too big to score (10^9 members), so two estimates from a uniform sample S ⊂ R:
//  - rank:     the secret's rank among S ∪ {s}, scaled to R: rank/|R| ≈ (#{c ∈ S : lp(c) < lp(s)} + 1)/(|S| + 1),
//              exact when S is all of R but s; it cannot tell ranks apart above the sample's resolution, so it
//              saturates at log₂(|S| + 1);
//  - fit:      the paper's extrapolation: the log-perplexities of random members are close to normal, so
//              exposure ≈ −log₂ Φ((lp(s) − μ)/σ), with μ, σ of S; this reads past log₂|S|.
// Both are clamped to [0, log₂|R|]. A never-inserted control canary measures the noise floor: its exposure
// fluctuates around 1 (the expected −log₂ of a uniform rank fraction is 1/ln 2 ≈ 1.44).
import { KotodamaError } from "../util/errors.js";

export interface Exposure {
  /** Candidates of S with lower log-perplexity than the secret. */
  readonly below: number;
  readonly sampled: number;
  /** log₂|R|. */
  readonly maxExposure: number;
  /** From the sampled rank. */
  readonly rank: number;
  /** From the normal fit of S's log-perplexities. */
  readonly fit: number;
  /** The secret's log-perplexity (bits) and S's mean and standard deviation. */
  readonly secretBits: number;
  readonly meanBits: number;
  readonly sdBits: number;
}

/** ln erfc(x) for x ≥ 0 (W. J. Cody's rational Chebyshev fit as in Numerical Recipes' erfcc, |relative error| <
 *  1.2e-7 everywhere), evaluated in log space so that it holds far past where erfc underflows a double. */
function logErfcPositive(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** The complementary error function (same fit). */
export function erfc(x: number): number {
  const r = Math.exp(logErfcPositive(Math.abs(x)));
  return x >= 0 ? r : 2 - r;
}

/** ln Φ(z) for the standard normal CDF Φ, accurate far into the lower tail (z ≪ 0) where Φ underflows. */
export function logNormalCdf(z: number): number {
  return z >= 0 ? Math.log(1 - 0.5 * erfc(z / Math.SQRT2)) : Math.log(0.5) + logErfcPositive(-z / Math.SQRT2);
}

/** Exposure of a secret of log-perplexity `secretBits` against sampled members' log-perplexities, in a space of
 *  log₂|R| = maxExposure bits. */
export function exposure(secretBits: number, sampledBits: ArrayLike<number>, maxExposure: number): Exposure {
  const n = sampledBits.length;
  if (n < 2) throw new KotodamaError(`exposure: at least 2 sampled candidates are needed, got ${n}`);
  if (!(maxExposure > 0)) throw new KotodamaError(`exposure: log₂|R| must be positive, got ${maxExposure}`);
  let below = 0, sum = 0;
  for (let i = 0; i < n; i++) {
    const b = sampledBits[i]!;
    if (b < secretBits) below++;
    sum += b;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sampledBits[i]! - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const clamp = (x: number): number => Math.min(maxExposure, Math.max(0, x));
  // exposure = log₂|R| − log₂ rank = −log₂(rank/|R|), rank/|R| ≈ (below + 1)/(n + 1).
  const rank = clamp(-Math.log2((below + 1) / (n + 1)));
  const fit = sd > 0 ? clamp(-logNormalCdf((secretBits - mean) / sd) / Math.LN2) : secretBits < mean ? maxExposure : 0;
  return { below, sampled: n, maxExposure, rank, fit, secretBits, meanBits: mean, sdBits: sd };
}
