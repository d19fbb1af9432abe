// The RoPE module: rotary position settings of a model (theta, pair layout) and position vectors, plain or
// restarting per packed document. Not here: the rotation kernel and its inverse-rotation gradient (tensor/rope.ts).
import type { I32, RopePairing } from "../engine/ops.js";
import type { Tensor } from "../tensor/index.js";
import { reshape, rope } from "../tensor/index.js";
import { ShapeError } from "../util/errors.js";

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

/** Positions of packed rows: segments (B·T ids, T per row) → B·T positions that count 0, 1, … from each document
 *  start, i.e. from t = 0 and wherever segments[b, t] ≠ segments[b, t − 1]. Each packed example then gets the
 *  positions it would have alone (as HF's packing with position_ids and FlashAttention-2 varlen do), which with
 *  document-masked attention makes a packed row compute exactly what the separate examples would. An id that
 *  comes back after another (A B A) starts a new count: positions follow runs, not ids. */
export function packedPositions(segments: I32, T: number): I32 {
  if (!Number.isInteger(T) || T < 1 || segments.length % T !== 0) throw new ShapeError(`packedPositions: ${segments.length} segment ids are not whole rows of T = ${T}`);
  const p = new Int32Array(segments.length);
  for (let i = 0; i < segments.length; i++) p[i] = i % T === 0 || segments[i] !== segments[i - 1] ? 0 : p[i - 1] + 1;
  return p;
}

/** Rotates q or k (B, T, H, D) at the given positions: length T (shared by the batch rows), or B·T (one per row,
 *  as packedPositions gives; the rows are then rotated as one (1, B·T, H, D) sequence, a free reshape). */
export function ropeForward(x: Tensor, pos: I32, s: RopeSettings): Tensor {
  const options = { pairing: s.pairing, theta: s.theta, ...(s.rotaryDim === undefined ? {} : { rotaryDim: s.rotaryDim }), freqFactors: s.freqFactors ?? null };
  const [B, T, H, D] = x.shape;
  if (x.ndim !== 4 || B === 1 || pos.length !== B * T) return rope(x, { positions: pos, ...options });
  return reshape(rope(reshape(x, [1, B * T, H, D]), { positions: pos, ...options }), x.shape);
}
