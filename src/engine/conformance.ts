// The one conformance suite every backend must pass: each op of the table on seeded random cases, candidate vs
// reference, every array compared (outputs within the op's stated tolerance, inputs and guards untouched).
// Not here: the cases themselves (conformanceCases.ts) or gradient checks by finite differences (tensor/).

import { isHalfNaN } from "./dtype.js";
import { conformanceCases } from "./conformanceCases.js";
import { Gen, TOLERANCES, type OpCase, type Tolerance, type Tracked, type View } from "./conformanceGen.js";
import { OP_NAMES, type Backend, type Kernel, type Kernels, type OpName } from "./ops.js";

export { TOLERANCES, type Tolerance } from "./conformanceGen.js";

/** The outcome of one case. */
export interface ConformanceResult {
  readonly op: OpName;
  /** What the case covers, e.g. "gemm 256×300×200 NN". */
  readonly name: string;
  readonly passed: boolean;
  /** Largest |candidate − reference| over all compared values. */
  readonly maxAbsError: number;
  /** Largest |candidate − reference| / max|reference| of the same array. */
  readonly maxRelError: number;
  /** Largest error as a fraction of its allowance (atol·max|ref| + rtol·|ref|): ≤ 1 passes. */
  readonly toleranceUsed: number;
  readonly tolerance: Tolerance;
  /** Why it failed ("" when it passed). */
  readonly message: string;
  readonly candidateMs: number;
  readonly referenceMs: number;
}

export interface ConformanceOptions {
  /** Base seed of every case's generator (default 1). */
  readonly seed?: number;
  /** Runs only the ops it accepts (default all). */
  readonly filter?: (op: OpName) => boolean;
  /** Called after each case, e.g. to print progress. */
  readonly report?: (r: ConformanceResult) => void;
}

/** Runs every case of every (filtered) op on candidate and reference and returns one result per case.
 *  Throws if an op of OP_NAMES has no case, or if the reference itself throws (a bug in the suite). */
export function runConformance(candidate: Backend, reference: Backend, options: ConformanceOptions = {}): ConformanceResult[] {
  const seed = options.seed ?? 1;
  const table = conformanceCases(seed);
  const results: ConformanceResult[] = [];
  OP_NAMES.forEach((op, opIndex) => {
    if (!(op in table) || table[op].length === 0) throw new Error(`conformance: op "${op}" has no cases; every op must have some`);
    if (typeof candidate[op] !== "function") throw new Error(`conformance: backend "${candidate.name}" lacks op "${op}"`);
    if (options.filter && !options.filter(op)) return;
    for (const r of runOp(op, table[op], candidate, reference, seed * 7919 + opIndex * 1009)) {
      results.push(r);
      options.report?.(r);
    }
  });
  return results;
}

/** A one-line summary per failing case plus a count, for test messages and the CLI. */
export function summarizeConformance(results: readonly ConformanceResult[]): string {
  const failed = results.filter((r) => !r.passed);
  const lines = failed.map((r) => `FAIL ${r.op} [${r.name}]: ${r.message}`);
  lines.push(`${results.length - failed.length}/${results.length} conformance cases passed`);
  return lines.join("\n");
}

function runOp<K extends OpName>(op: K, cases: readonly OpCase<K>[], candidate: Kernels, reference: Kernels, opSeed: number): ConformanceResult[] {
  const cand: Kernel<K> = candidate[op];
  const ref: Kernel<K> = reference[op];
  return cases.map((c, i) => {
    const tol = c.tol ?? TOLERANCES[op];
    // The same seed builds two identical, independent argument sets.
    const gc = new Gen(opSeed + i * 31);
    const argsC = c.build(gc);
    const gr = new Gen(opSeed + i * 31);
    const argsR = c.build(gr);
    const r0 = performance.now();
    const refValue = ref(argsR);
    const referenceMs = performance.now() - r0;
    const base = { op, name: c.name, tolerance: tol, referenceMs };
    let candValue: unknown;
    const c0 = performance.now();
    try {
      candValue = cand(argsC);
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ...base, passed: false, maxAbsError: NaN, maxRelError: NaN, toleranceUsed: Infinity, message: `candidate threw ${msg}`, candidateMs: performance.now() - c0 };
    }
    const candidateMs = performance.now() - c0;
    const cmp = new Comparison(tol);
    gc.arrays.forEach((a, j) => cmp.array(a, gr.arrays[j]));
    if (typeof refValue === "number") cmp.scalar("return value", typeof candValue === "number" ? candValue : NaN, refValue);
    return { ...base, ...cmp.result(), candidateMs };
  });
}

/** Accumulates the worst error over the arrays of one case. */
class Comparison {
  private maxAbs = 0;
  private maxRel = 0;
  private used = 0;
  private message = "";
  constructor(private readonly tol: Tolerance) {}

  private failOnce(msg: string): void {
    if (this.message === "") this.message = msg;
    this.used = Infinity;
  }

  scalar(name: string, c: number, r: number): void {
    const err = Math.abs(c - r);
    const allowed = this.tol.atol * Math.abs(r) + this.tol.rtol * Math.abs(r);
    if (this.note(err, err / Math.max(Math.abs(r), Number.MIN_VALUE), allowed)) this.describe(`${name}: candidate ${c}, reference ${r}`, err);
  }

  array(cand: Tracked, ref: Tracked): void {
    const name = cand.name;
    // Guards: untouched NaN/0/0x7fff sentinels on both sides of the view.
    for (let i = 0; i < cand.full.length; i++) {
      if (i >= cand.guard && i < cand.guard + cand.view.length) continue;
      const g = cand.full[i];
      const ok = cand.full instanceof Float32Array ? Number.isNaN(g) : g === ref.full[i];
      if (!ok) {
        const side = i < cand.guard ? "before" : "after";
        this.failOnce(`${name}: element ${i < cand.guard ? i - cand.guard : i - cand.guard - cand.view.length} ${side} the view was written (out of bounds)`);
        return;
      }
    }
    if (cand.view instanceof Uint16Array) return this.halfBits(name, cand.view, ref.view, cand.halfKind ?? "f16");
    if (cand.view instanceof Int32Array || cand.view instanceof Uint8Array) {
      for (let i = 0; i < cand.view.length; i++) {
        if (cand.view[i] !== ref.view[i]) return this.failOnce(`${name}[${i}] (an integer/byte input) changed to ${cand.view[i]}`);
      }
      return;
    }
    let scale = 0;
    for (let i = 0; i < ref.view.length; i++) if (Number.isFinite(ref.view[i])) scale = Math.max(scale, Math.abs(ref.view[i]));
    for (let i = 0; i < cand.view.length; i++) {
      const c = cand.view[i];
      const r = ref.view[i];
      if (Number.isNaN(r) || Number.isNaN(c) || !Number.isFinite(r) || !Number.isFinite(c)) {
        if (!(Object.is(c, r) || (Number.isNaN(c) && Number.isNaN(r)))) this.failOnce(`${name}[${i}]: candidate ${c}, reference ${r}`);
        continue;
      }
      const err = Math.abs(c - r);
      const allowed = this.tol.atol * scale + this.tol.rtol * Math.abs(r);
      if (this.note(err, scale > 0 ? err / scale : err, allowed)) {
        this.describe(`${name}[${i}]: candidate ${c}, reference ${r} (max |ref| ${scale.toPrecision(4)})`, err);
      }
    }
  }

  /** Half bit patterns must match exactly; any two NaNs of the format count as equal. */
  private halfBits(name: string, c: View, r: View, kind: "f16" | "bf16"): void {
    for (let i = 0; i < c.length; i++) {
      if (c[i] === r[i]) continue;
      if (!(isHalfNaN(kind, c[i]) && isHalfNaN(kind, r[i]))) return this.failOnce(`${name}[${i}]: candidate 0x${hex(c[i])}, reference 0x${hex(r[i])}`);
    }
  }

  /** Records one error; true when it is a new worst beyond tolerance (the caller then describes it). */
  private note(err: number, rel: number, allowed: number): boolean {
    if (err > this.maxAbs) this.maxAbs = err;
    if (rel > this.maxRel) this.maxRel = rel;
    const used = allowed > 0 ? err / allowed : err > 0 ? Infinity : 0;
    if (used <= this.used) return false;
    this.used = used;
    return used > 1;
  }

  private describe(detail: string, err: number): void {
    this.message = `${detail}; error ${err.toExponential(2)} exceeds tolerance (atol ${this.tol.atol}·max|ref| + rtol ${this.tol.rtol}·|ref|)`;
  }

  result(): { passed: boolean; maxAbsError: number; maxRelError: number; toleranceUsed: number; message: string } {
    return { passed: this.used <= 1, maxAbsError: this.maxAbs, maxRelError: this.maxRel, toleranceUsed: this.used, message: this.message };
  }
}

const hex = (x: number): string => x.toString(16).padStart(4, "0");
