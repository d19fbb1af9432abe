import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./rng.js";

test("rng: same seed same stream, different seeds differ, state round-trips", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 8 }, () => a.nextU32());
  const xb = Array.from({ length: 8 }, () => b.nextU32());
  const xc = Array.from({ length: 8 }, () => c.nextU32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  a.normal();
  const st = a.getState();
  const after = [a.normal(), a.next(), a.nextU32()];
  const d = new Rng(0);
  d.setState(st);
  assert.deepEqual([d.normal(), d.next(), d.nextU32()], after);
});

test("rng: uniform mean and normal moments are right (n = 200k)", () => {
  const r = new Rng(7);
  let s = 0;
  let s2 = 0;
  let u = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
    u += r.next();
  }
  assert.ok(Math.abs(s / n) < 0.01, `normal mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `normal var ${s2 / n}`);
  assert.ok(Math.abs(u / n - 0.5) < 0.005, `uniform mean ${u / n}`);
});
