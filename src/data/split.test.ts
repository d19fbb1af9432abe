import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidation, repeats, SPLIT_DEFAULTS } from "./split.js";

const docs = Array.from({ length: 20000 }, (_, i) => `document number ${i} with some text`);

test("the split is deterministic, order-free and close to valFraction", () => {
  const cfg = { ...SPLIT_DEFAULTS, valFraction: 0.05 };
  const a = docs.map((d) => isValidation(d, cfg));
  const b = [...docs].reverse().map((d) => isValidation(d, cfg)).reverse();
  assert.deepEqual(a, b);
  const frac = a.filter(Boolean).length / docs.length;
  assert.ok(Math.abs(frac - 0.05) < 4 * Math.sqrt((0.05 * 0.95) / docs.length), `fraction ${frac}`);
  const other = docs.map((d) => isValidation(d, { ...cfg, seed: 1 }));
  assert.notDeepEqual(a, other);
});

test("mixture repeats: integer weights exact, fractional weights on average", () => {
  assert.equal(repeats("x", 3, 1), 3);
  assert.equal(repeats("x", 0, 1), 0);
  const mean = docs.reduce((s, d) => s + repeats(d, 1.25, 7), 0) / docs.length;
  assert.ok(Math.abs(mean - 1.25) < 0.02, `mean ${mean}`);
});
