// The RoPE module: rotary position settings of a model (theta, pair layout) and cached position vectors.
// Not here: the rotation kernel and its inverse-rotation gradient (tensor/rope.ts).
import type { I32, RopePairing } from "../engine/ops.js";
import type { Tensor } from "../tensor/index.js";
import { rope } from "../tensor/index.js";

export interface RopeSettings {
  readonly theta: number;
  readonly pairing: RopePairing;
  /** Rotated dims of each head (partial rotary); default the whole head. */
  readonly rotaryDim?: number;
  /** Per-pair frequency divisors (Llama 3.1 rope_freqs, linear scaling), or null. */
  readonly freqFactors?: Float32Array | null;
}

/** Positions offset, offset + 1, …, offset + T − 1. */
export function positions(T: number, offset = 0): I32 {
  const p = new Int32Array(T);
  for (let t = 0; t < T; t++) p[t] = offset + t;
  return p;
}

/** Rotates q or k (B, T, H, D) at the given positions (length T). */
export const ropeForward = (x: Tensor, pos: I32, s: RopeSettings): Tensor =>
  rope(x, { positions: pos, pairing: s.pairing, theta: s.theta, ...(s.rotaryDim === undefined ? {} : { rotaryDim: s.rotaryDim }), freqFactors: s.freqFactors ?? null });
