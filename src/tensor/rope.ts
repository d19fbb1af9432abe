// Rotary position embedding (Su et al. 2021) with its gradient rule (the inverse rotation).
// Not here: the frequency/pairing conventions themselves, which the op table documents (engine/ops.ts).

import type { I32, RopePairing } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { shapeStr } from "./shape.js";

export interface RopeOptions {
  /** Position of each time step (length T), shared over the batch; e.g. offset + t when decoding. */
  readonly positions: I32;
  /** "adjacent": dims (2i, 2i+1) pair (Meta, GGUF llama); "half": dims (i, i + rotaryDim/2) (HF, NeoX). */
  readonly pairing: RopePairing;
  /** Base of the frequencies, 10000 in Llama 2, 500000 in Llama 3. */
  readonly theta: number;
  /** Leading dims of each head that rotate (even, ≤ D); the rest pass through. Default D. */
  readonly rotaryDim?: number;
  /** Per-pair frequency divisors (rotaryDim/2): Llama 3.1's rope_freqs, linear scaling. Default none. */
  readonly freqFactors?: Float32Array | null;
}

/** Rotates x (B, T, H, D) in place of a copy: returns a new tensor of the same shape. */
export function rope(x: Tensor, options: RopeOptions): Tensor {
  const g = x.graph;
  if (x.ndim !== 4) throw new ShapeError(`rope: x ${shapeStr(x.shape)} must be (B, T, H, D)`);
  const [b, t, h, d] = x.shape;
  const rotaryDim = options.rotaryDim ?? d;
  if (rotaryDim % 2 !== 0 || rotaryDim <= 0 || rotaryDim > d) throw new ShapeError(`rope: rotaryDim ${rotaryDim} must be even and in (0, ${d}] for x ${shapeStr(x.shape)}`);
  if (options.positions.length !== t) throw new ShapeError(`rope: ${options.positions.length} positions for T = ${t} in x ${shapeStr(x.shape)}`);
  const { positions, pairing, theta } = options;
  const freqFactors = options.freqFactors ?? null;
  const out = g.empty(x.shape);
  g.backend.rope({ x: x.data, b, t, h, d, rotaryDim, pairing, theta, positions, out: out.data, freqFactors });
  if (g.needsGrad(x)) {
    g.record(out, (dOut) => g.backend.ropeBackward({ dOut, b, t, h, d, rotaryDim, pairing, theta, positions, dx: g.accGrad(x), freqFactors }));
  }
  return out;
}
