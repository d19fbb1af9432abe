// Reference rotary position embedding (Su et al. 2021) in both pairings, forward and backward side by side, with
// optional per-pair frequency factors. Not here: computing those factors (Llama-3 / linear scaling: models/), or
// YaRN's attention-magnitude correction.

import type { RopeArgs, RopeBackwardArgs, RopePairing } from "../../ops.js";

/** Indices within a head of the two dims forming pair i. */
function pairOf(pairing: RopePairing, i: number, rotaryDim: number): [number, number] {
  return pairing === "adjacent" ? [2 * i, 2 * i + 1] : [i, i + rotaryDim / 2];
}

/** Angle of pair i at position pos: pos · theta^(−2i/rotaryDim) / f_i, in double. f_i are llama.cpp's rope_freqs
 *  (ggml_rope_ext divides the base angle by the pair's freq_factor); without factors nothing is divided. */
function angle(pos: number, i: number, rotaryDim: number, theta: number, factors: Float32Array | null): number {
  const a = pos * Math.pow(theta, (-2 * i) / rotaryDim);
  return factors === null ? a : a / factors[i];
}

type RopeGeometry = Pick<RopeArgs, "b" | "t" | "h" | "d" | "rotaryDim" | "pairing" | "theta" | "positions" | "freqFactors">;

/** Visits every head of (B, T, H, D): `pair` for each rotated pair with its cos/sin, `rest` for each
 *  pass-through dim ≥ rotaryDim. The one loop nest shared by the forward and the backward. */
function eachHead(g: RopeGeometry, pair: (i0: number, i1: number, cos: number, sin: number) => void, rest: (j: number) => void): void {
  const { b, t, h, d, rotaryDim, pairing, theta, positions } = g;
  const factors = g.freqFactors ?? null;
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      for (let hi = 0; hi < h; hi++) {
        const o = ((bi * t + ti) * h + hi) * d;
        for (let i = 0; i < rotaryDim / 2; i++) {
          const a = angle(positions[ti], i, rotaryDim, theta, factors);
          const [i0, i1] = pairOf(pairing, i, rotaryDim);
          pair(o + i0, o + i1, Math.cos(a), Math.sin(a));
        }
        for (let j = rotaryDim; j < d; j++) rest(o + j);
      }
    }
  }
}

/** x, out (B, T, H, D): (x0, x1) of each pair ↦ (x0 cos − x1 sin, x0 sin + x1 cos); dims ≥ rotaryDim copied. */
export function rope(args: RopeArgs): void {
  const { x, out } = args;
  eachHead(
    args,
    (i0, i1, cos, sin) => {
      const x0 = x[i0]; // both read before either is written: in place is safe
      const x1 = x[i1];
      out[i0] = x0 * cos - x1 * sin;
      out[i1] = x0 * sin + x1 * cos;
    },
    (j) => (out[j] = x[j]),
  );
}

/** dx += R(θ)ᵀ dOut: (d0, d1) ↦ (d0 cos + d1 sin, −d0 sin + d1 cos); pass-through dims add dOut. */
export function ropeBackward(args: RopeBackwardArgs): void {
  const { dOut, dx } = args;
  eachHead(
    args,
    (i0, i1, cos, sin) => {
      const d0 = dOut[i0];
      const d1 = dOut[i1];
      dx[i0] += d0 * cos + d1 * sin;
      dx[i1] += -d0 * sin + d1 * cos;
    },
    (j) => (dx[j] += dOut[j]),
  );
}
