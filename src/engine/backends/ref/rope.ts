// Reference rotary position embedding (Su et al. 2021) in both pairings, forward and backward side by side.
// Not here: frequency scaling schemes (NTK, YaRN, Llama-3 scaling), which would be new typed options.

import type { RopeArgs, RopeBackwardArgs, RopePairing } from "../../ops.js";

/** Indices within a head of the two dims forming pair i. */
function pairOf(pairing: RopePairing, i: number, rotaryDim: number): [number, number] {
  return pairing === "adjacent" ? [2 * i, 2 * i + 1] : [i, i + rotaryDim / 2];
}

/** Angle of pair i at position pos: pos · theta^(−2i/rotaryDim), in double. */
function angle(pos: number, i: number, rotaryDim: number, theta: number): number {
  return pos * Math.pow(theta, (-2 * i) / rotaryDim);
}

/** x, out (B, T, H, D): (x0, x1) of each pair ↦ (x0 cos − x1 sin, x0 sin + x1 cos); dims ≥ rotaryDim copied. */
export function rope(args: RopeArgs): void {
  const { x, b, t, h, d, rotaryDim, pairing, theta, positions, out } = args;
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      for (let hi = 0; hi < h; hi++) {
        const o = ((bi * t + ti) * h + hi) * d;
        for (let i = 0; i < rotaryDim / 2; i++) {
          const a = angle(positions[ti], i, rotaryDim, theta);
          const cos = Math.cos(a);
          const sin = Math.sin(a);
          const [i0, i1] = pairOf(pairing, i, rotaryDim);
          const x0 = x[o + i0]; // both read before either is written: in place is safe
          const x1 = x[o + i1];
          out[o + i0] = x0 * cos - x1 * sin;
          out[o + i1] = x0 * sin + x1 * cos;
        }
        for (let j = rotaryDim; j < d; j++) out[o + j] = x[o + j];
      }
    }
  }
}

/** dx += R(θ)ᵀ dOut: (d0, d1) ↦ (d0 cos + d1 sin, −d0 sin + d1 cos); pass-through dims add dOut. */
export function ropeBackward(args: RopeBackwardArgs): void {
  const { dOut, b, t, h, d, rotaryDim, pairing, theta, positions, dx } = args;
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      for (let hi = 0; hi < h; hi++) {
        const o = ((bi * t + ti) * h + hi) * d;
        for (let i = 0; i < rotaryDim / 2; i++) {
          const a = angle(positions[ti], i, rotaryDim, theta);
          const cos = Math.cos(a);
          const sin = Math.sin(a);
          const [i0, i1] = pairOf(pairing, i, rotaryDim);
          const d0 = dOut[o + i0];
          const d1 = dOut[o + i1];
          dx[o + i0] += d0 * cos + d1 * sin;
          dx[o + i1] += -d0 * sin + d1 * cos;
        }
        for (let j = rotaryDim; j < d; j++) dx[o + j] += dOut[o + j];
      }
    }
  }
}
