// Intervals against known answers: Wilson's interval for 0/10, 5/10 and 8/10 (values computed by hand from the
// formula and as printed by Brown, Cai & DasGupta 2001 / R's prop.test without continuity correction), and the
// bootstrap interval of a mean agreeing with the normal approximation on a large sample.
import assert from "node:assert/strict";
import { test } from "node:test";
import { meanWithBootstrap, proportion } from "./stats.js";

test("Wilson intervals of 0/10, 5/10, 8/10 and 10/10", () => {
  const cases: [number, number, number, number][] = [
    [0, 10, 0, 0.27753],
    [5, 10, 0.23659, 0.76341],
    [8, 10, 0.49016, 0.94332],
    [10, 10, 0.72247, 1],
  ];
  for (const [k, n, lo, hi] of cases) {
    const e = proportion(k, n);
    assert.equal(e.value, k / n);
    assert.equal(e.n, n);
    assert.ok(Math.abs(e.lo - lo) < 5e-5 && Math.abs(e.hi - hi) < 5e-5, `${k}/${n}: [${e.lo}, ${e.hi}]`);
  }
  assert.ok(Number.isNaN(proportion(0, 0).value));
  assert.throws(() => proportion(3, 2), /0 <= k <= n/);
});

test("bootstrap interval of a mean: seeded, and close to mean ± 1.96·sd/√n on 400 values", () => {
  const xs = Array.from({ length: 400 }, (_, i) => ((i * 37) % 101) / 100); // a fixed spread of values in [0, 1]
  const a = meanWithBootstrap(xs, 7, 1000);
  assert.deepEqual(a, meanWithBootstrap(xs, 7, 1000));
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (1.96 * sd) / Math.sqrt(n);
  assert.ok(Math.abs(a.value - mean) < 1e-12);
  assert.ok(Math.abs(a.lo - (mean - half)) < 0.25 * half && Math.abs(a.hi - (mean + half)) < 0.25 * half, `[${a.lo}, ${a.hi}] vs ${mean} ± ${half}`);
  const flat = meanWithBootstrap([0.5, 0.5, 0.5], 1);
  assert.deepEqual([flat.lo, flat.hi], [0.5, 0.5]);
});
