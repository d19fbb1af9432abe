// Tests of exposure against worked numbers: the sampled-rank estimate on a fully enumerated space equals the
// paper's log₂|R| − log₂ rank, the normal-fit estimate against tabulated Φ, ln Φ deep in the tail, and the clamps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { erfc, exposure, logNormalCdf } from "./exposure.js";

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("exposure: the sampled rank on a fully enumerated space is log₂|R| − log₂ rank", () => {
  // |R| = 16: the secret scores 3.5 bits, the other 15 members 1, 2, …, 16 except one; 3 are likelier, rank 4.
  const others = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const e = exposure(3.5, others, 4);
  assert.equal(e.below, 3);
  close(e.rank, 2, 1e-12, "rank 4 of 16: log₂16 − log₂4");
  close(exposure(0.5, others, 4).rank, 4, 1e-12, "the likeliest member has the full log₂|R|");
  assert.equal(exposure(99, others, 4).rank, 0, "the least likely: rank 16 of 16");
  close(exposure(0.5, others.slice(0, 7), 20).rank, 3, 1e-12, "a sample of 7 resolves at most log₂ 8 bits");
});

test("exposure: the normal fit reads −log₂ Φ(z) with tabulated Φ, clamped to [0, log₂|R|]", () => {
  // Sample ±1 (mean 0, sd √2); a secret 2 sd below the mean: Φ(−2) = 0.0227501319.
  const e = exposure(-2 * Math.SQRT2, [-1, 1], 30);
  close(e.meanBits, 0, 1e-15, "mean");
  close(e.sdBits, Math.SQRT2, 1e-15, "sd");
  close(e.fit, -Math.log2(0.0227501319), 1e-6, "fit at z = −2");
  close(exposure(0, [-1, 1], 30).fit, 1, 1e-7, "at the mean: −log₂ ½ = 1");
  assert.equal(exposure(-100, [-1, 1], 30).fit, 30, "clamped at log₂|R|");
  assert.throws(() => exposure(0, [1], 30), /at least 2 sampled candidates/);
});

test("exposure: erfc and ln Φ against tabulated values, deep in the tail where Φ underflows", () => {
  close(erfc(0), 1, 1e-7, "erfc 0");
  close(erfc(1), 0.157299207, 2e-8, "erfc 1");
  close(erfc(-1), 1.842700793, 2e-8, "erfc −1");
  close(Math.exp(logNormalCdf(-1)), 0.158655254, 1e-8, "Φ(−1)");
  close(Math.exp(logNormalCdf(1.5)), 0.933192799, 1e-8, "Φ(1.5)");
  close(logNormalCdf(-6), Math.log(9.8658765e-10), 1e-6, "ln Φ(−6)");
  close(logNormalCdf(-10), Math.log(7.6198530e-24), 1e-6, "ln Φ(−10)");
  close(logNormalCdf(-40), -804.6084420137539, 1e-4, "ln Φ(−40), where Φ underflows a double (scipy.stats.norm.logcdf)");
});
