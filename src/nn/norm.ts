// Normalization modules: LayerNorm (weight and bias) and RMSNorm (weight only) as one typed weight record
// chosen by the config flag, with init (ones, zeros) and forward. Not here: the kernels (tensor/norm.ts).
import type { Graph, Tensor } from "../tensor/index.js";
import { layerNorm, rmsNorm } from "../tensor/index.js";

export type NormKind = "layer" | "rms";

export interface NormWeights {
  readonly kind: NormKind;
  readonly weight: Tensor; // (C)
  /** LayerNorm's bias (C); null for RMSNorm. */
  readonly bias: Tensor | null;
  readonly eps: number;
}

/** A new norm of width dim: weight ones, bias zeros (LayerNorm). Names: `${prefix}.weight`, `${prefix}.bias`. */
export function createNorm(g: Graph, kind: NormKind, dim: number, eps: number, prefix: string): NormWeights {
  const weight = g.parameter(new Float32Array(dim).fill(1), [dim], `${prefix}.weight`);
  const bias = kind === "layer" ? g.parameter(new Float32Array(dim), [dim], `${prefix}.bias`) : null;
  return { kind, weight, bias, eps };
}

/** Normalizes x (..., C) over its last dim. */
export function normForward(n: NormWeights, x: Tensor): Tensor {
  return n.kind === "layer" ? layerNorm(x, n.weight, n.bias, n.eps) : rmsNorm(x, n.weight, n.eps);
}
