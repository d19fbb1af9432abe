// The conformance suite's vocabulary: tolerances, the seeded argument factory (Gen) with guarded views, and the
// case type. Not here: the cases (conformanceCases.ts) or running and comparing them (conformance.ts).
//
// A case's builder is called twice with the same seed, once per backend, so the two runs get identical,
// independent arguments (aliasing such as in-place `out === x` included). Every array is a view into a larger
// buffer with NaN guards on both sides at an odd offset: a kernel that writes out of bounds, assumes
// alignment, or reads past its inputs into the result shows up as a mismatch.

import { Rng } from "../util/rng.js";
import type { OpArgs, OpName } from "./ops.js";

/** Pass iff |candidate − reference| ≤ atol · max|reference| + rtol · |reference| elementwise (per array). */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}
export const EXACT: Tolerance = { atol: 0, rtol: 0 };

export type View = Float32Array | Int32Array | Uint16Array | Uint8Array;

/** An array the case allocated, with its guarded backing store. */
export interface Tracked {
  readonly name: string;
  readonly view: View;
  readonly full: View;
  readonly guard: number;
  /** For half-bit arrays: the format whose NaNs count as equal to each other. */
  readonly halfKind: "f16" | "bf16" | null;
}

const GUARD = 5; // elements of guard on each side: an odd offset, so views are not 16/32/64-byte aligned

/** Seeded argument factory for one case; records every array it hands out. */
export class Gen {
  readonly rng: Rng;
  readonly arrays: Tracked[] = [];
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private track(name: string, full: View, view: View, halfKind: "f16" | "bf16" | null = null): void {
    this.arrays.push({ name, view, full, guard: GUARD, halfKind });
  }
  private f32raw(name: string, n: number): Float32Array {
    const full = new Float32Array(n + 2 * GUARD).fill(NaN);
    const view = full.subarray(GUARD, GUARD + n);
    this.track(name, full, view);
    return view;
  }

  /** Uniform in [lo, hi). */
  uniform(name: string, n: number, lo = -1, hi = 1): Float32Array {
    return this.rng.fillUniform(this.f32raw(name, n), lo, hi);
  }
  /** Normal with the given std. */
  normal(name: string, n: number, std = 1): Float32Array {
    return this.rng.fillNormal(this.f32raw(name, n), 0, std);
  }
  /** Uniform magnitude in [lo, hi) with a random sign (divisors, away from zero). */
  signedAway(name: string, n: number, lo = 0.5, hi = 2): Float32Array {
    const a = this.f32raw(name, n);
    for (let i = 0; i < n; i++) a[i] = (this.rng.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * this.rng.next());
    return a;
  }
  /** Given values. */
  values(name: string, vals: ArrayLike<number>): Float32Array {
    const a = this.f32raw(name, vals.length);
    a.set(vals);
    return a;
  }
  /** Given f32 bit patterns (NaN payloads kept). */
  bits(name: string, u32: ArrayLike<number>): Float32Array {
    const a = this.f32raw(name, u32.length);
    new Uint32Array(a.buffer, a.byteOffset, a.length).set(u32);
    return a;
  }
  /** An output, filled with NaN: a forward kernel must overwrite it without reading it (buffers are reused). */
  out(name: string, n: number): Float32Array {
    return this.f32raw(name, n);
  }
  /** Int32 values (guards are 0: a wrong read stays in bounds rather than crash the process). */
  ints(name: string, vals: ArrayLike<number>): Int32Array {
    const full = new Int32Array(vals.length + 2 * GUARD);
    const a = full.subarray(GUARD, GUARD + vals.length);
    this.track(name, full, a);
    a.set(vals);
    return a;
  }
  /** n ints uniform in [0, hi). */
  randInts(name: string, n: number, hi: number): Int32Array {
    return this.ints(name, Array.from({ length: n }, () => this.rng.int(hi)));
  }
  /** Raw bytes, e.g. quantized weight blocks (guards 0; compared exactly: inputs must stay untouched). */
  bytes(name: string, vals: ArrayLike<number>): Uint8Array {
    const full = new Uint8Array(vals.length + 2 * GUARD);
    const a = full.subarray(GUARD, GUARD + vals.length);
    this.track(name, full, a);
    a.set(vals);
    return a;
  }
  /** Uint16 half bits of the given format (guards 0x7fff, a NaN in both formats). */
  u16(name: string, vals: ArrayLike<number>, kind: "f16" | "bf16"): Uint16Array {
    const full = new Uint16Array(vals.length + 2 * GUARD).fill(0x7fff);
    const a = full.subarray(GUARD, GUARD + vals.length);
    this.track(name, full, a, kind);
    a.set(vals);
    return a;
  }
}

/** One case of an op: a name saying what it covers, its argument builder, and a tolerance override. */
export interface OpCase<K extends OpName> {
  readonly name: string;
  readonly build: (g: Gen) => OpArgs[K];
  readonly tol?: Tolerance;
}
export type CaseTable = { readonly [K in OpName]: readonly OpCase<K>[] };

/** Default tolerance of each op (outputs compared relative to the largest reference magnitude per array). */
export const TOLERANCES: { readonly [K in OpName]: Tolerance } = {
  gemm: { atol: 2e-5, rtol: 1e-5 }, // f32 accumulation in any order vs the double reference
  binary: { atol: 1e-7, rtol: 1e-6 },
  unary: { atol: 1e-6, rtol: 4e-6 }, // vectorized exp/log/tanh approximations of a few ulp
  reduce: { atol: 1e-5, rtol: 1e-5 },
  broadcast: EXACT,
  permute: EXACT,
  embedding: EXACT,
  embeddingBackward: { atol: 1e-6, rtol: 1e-6 },
  layerNorm: { atol: 1e-5, rtol: 1e-5 },
  layerNormBackward: { atol: 3e-5, rtol: 1e-5 },
  rmsNorm: { atol: 1e-5, rtol: 1e-5 },
  rmsNormBackward: { atol: 3e-5, rtol: 1e-5 },
  softmax: { atol: 1e-6, rtol: 1e-5 },
  softmaxBackward: { atol: 1e-5, rtol: 1e-5 },
  activation: { atol: 1e-6, rtol: 1e-5 },
  activationBackward: { atol: 1e-6, rtol: 1e-5 },
  swiglu: { atol: 1e-6, rtol: 1e-5 },
  swigluBackward: { atol: 1e-6, rtol: 1e-5 },
  rope: { atol: 2e-5, rtol: 1e-5 }, // positions < 512; the long-position case states its own
  ropeBackward: { atol: 2e-5, rtol: 1e-5 },
  attention: { atol: 3e-5, rtol: 1e-4 }, // online softmax in f32
  attentionBackward: { atol: 1e-4, rtol: 1e-4 },
  crossEntropy: { atol: 1e-5, rtol: 1e-5 },
  crossEntropyBackward: { atol: 1e-5, rtol: 1e-5 },
  adamw: { atol: 1e-6, rtol: 1e-6 },
  sumSquares: { atol: 0, rtol: 1e-6 }, // double accumulation is required by the op table
  halfToF32: EXACT,
  f32ToHalf: EXACT,
  quantMatmul: { atol: 2e-5, rtol: 1e-5 }, // as gemm: f32 sums of exact block terms vs the double reference
  quantMatmulT: { atol: 2e-5, rtol: 1e-5 }, // as gemm: f32 sums over Nout of exact weights vs the double reference
};

// ---- random shapes --------------------------------------------------------------------------------------

/** A size in [1, max], small sizes (and exact powers of two) drawn often: tails of tiles are where bugs live. */
export function sizeDraw(rng: Rng, max: number): number {
  const r = rng.next();
  if (r < 0.25) return 1 + rng.int(Math.min(max, 8));
  return 1 + rng.int(max);
}
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}
export function randomShape(rng: Rng, maxRank: number, maxDim: number): number[] {
  return Array.from({ length: 1 + rng.int(maxRank) }, () => 1 + rng.int(maxDim));
}
export function shuffled<T>(rng: Rng, xs: T[]): T[] {
  const v = xs.slice();
  for (let i = v.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}
