// Uncertainty of evaluation figures: the Wilson score interval of a proportion and a seeded percentile bootstrap
// of a mean, both at 95 %. Not here: what is measured (eval/instruct/score.ts) or any printing.
import { Rng } from "../util/rng.js";

/** A measured value with its sample size and 95 % interval. */
export interface Estimate {
  readonly value: number;
  readonly n: number;
  readonly lo: number;
  readonly hi: number;
  readonly interval: "wilson" | "bootstrap" | "none";
}

const Z95 = 1.959963984540054; // Φ⁻¹(0.975)

/** k successes out of n with the Wilson score interval (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it
 *  over the normal approximation for small n and proportions near 0 or 1). n = 0: value NaN, interval [0, 1]. */
export function proportion(k: number, n: number, z = Z95): Estimate {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n) throw new RangeError(`proportion: need integers 0 <= k <= n, got k=${k}, n=${n}`);
  if (n === 0) return { value: NaN, n: 0, lo: 0, hi: 1, interval: "wilson" };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp rounding: at k = 0 the lower end is exactly 0, at k = n the upper end exactly 1.
  return { value: p, n, lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half), interval: "wilson" };
}

/** The mean of `xs` with a percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13): `resamples` means of
 *  n draws with replacement, the 2.5th and 97.5th percentiles. Seeded, so a report is reproducible. */
export function meanWithBootstrap(xs: readonly number[], seed: number, resamples = 1000): Estimate {
  const n = xs.length;
  if (n === 0) return { value: NaN, n: 0, lo: NaN, hi: NaN, interval: "bootstrap" };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { value: mean, n, lo: mean, hi: mean, interval: "none" };
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[rng.int(n)]!;
    means[b] = s / n;
  }
  means.sort();
  const at = (q: number): number => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { value: mean, n, lo: at(0.025), hi: at(0.975), interval: "bootstrap" };
}
