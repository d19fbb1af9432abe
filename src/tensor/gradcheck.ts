// Finite-difference gradient check: autograd's gradients against central differences of a random projection
// of the output. Used by the tests of every differentiable op (here and in nn/). Not here: the tests.
//
// L(x) = Σ r ⊙ f(x), with r fixed random normals and the sum taken in double precision, so that one scalar
// checks every output element at once. The analytic gradient is a backward from f(x) seeded with r; the
// numeric one is (L(x + h) − L(x − h)) / (2h) per input element, with h measured after f32 rounding.
// Data is f32, so h ≈ 1e-2 balances truncation error (∝ h²) and rounding error (∝ ε·|L| / h).

import { Rng } from "../util/rng.js";
import type { Graph, Tensor } from "./tensor.js";

export interface GradCheckOptions {
  /** Central-difference step (default 1e-2). */
  readonly h?: number;
  /** Largest accepted relative error ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖, floor) (default 1e-2). */
  readonly tol?: number;
  /** Seed of the projection r and of the element subset. */
  readonly seed?: number;
  /** Check at most this many elements per input (a random subset); default all. */
  readonly maxElements?: number;
}

export interface GradCheckInputReport {
  readonly index: number;
  readonly relError: number;
  readonly maxAbsError: number;
  readonly checked: number;
}

export interface GradCheckResult {
  readonly ok: boolean;
  readonly worst: number;
  readonly inputs: readonly GradCheckInputReport[];
}

/** Checks d(Σ r ⊙ f())/d(input) for every input (leaf tensors with requiresGrad that f reads). */
export function gradCheck(g: Graph, f: () => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const h = options.h ?? 1e-2;
  const tol = options.tol ?? 1e-2;
  const rng = new Rng(options.seed ?? 1234);
  for (const x of inputs) x.zeroGrad();
  const proj = g.scope(() => {
    const y = f();
    const r = rng.fillNormal(new Float32Array(y.size));
    g.backward(y, r);
    return r;
  });
  const loss = (): number =>
    g.noGrad(() =>
      g.scope(() => {
        const y = f().data;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += proj[i] * y[i];
        return s;
      }),
    );
  const reports: GradCheckInputReport[] = [];
  inputs.forEach((x, index) => {
    const analytic = x.grad ?? new Float32Array(x.size);
    const data = x.data;
    const picks = pickElements(x.size, options.maxElements ?? x.size, rng);
    let diff2 = 0;
    let a2 = 0;
    let n2 = 0;
    let maxAbs = 0;
    for (const i of picks) {
      const orig = data[i];
      data[i] = orig + h;
      const up = data[i];
      const lp = loss();
      data[i] = orig - h;
      const down = data[i];
      const lm = loss();
      data[i] = orig;
      const numeric = (lp - lm) / (up - down);
      const d = analytic[i] - numeric;
      diff2 += d * d;
      a2 += analytic[i] * analytic[i];
      n2 += numeric * numeric;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    const relError = Math.sqrt(diff2) / Math.max(Math.sqrt(a2), Math.sqrt(n2), 1e-3);
    reports.push({ index, relError, maxAbsError: maxAbs, checked: picks.length });
  });
  const worst = reports.reduce((w, rep) => Math.max(w, rep.relError), 0);
  return { ok: worst <= tol, worst, inputs: reports };
}

function pickElements(size: number, max: number, rng: Rng): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (max >= size) return all;
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(size - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}
