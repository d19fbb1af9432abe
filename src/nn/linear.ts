// The Linear module: a typed weight pair (weight (out, in) as Hugging Face stores nn.Linear — f32, or frozen ggml
// quantized rows — optional bias, optional LoRA adapter) with its initialisation and forward. Not here: the matmuls
// and their gradients (tensor/matmul.ts, tensor/linearQ.ts), the adapter's math (lora.ts).
import type { Graph, QuantWeight, Tensor } from "../tensor/index.js";
import { isQuantWeight, linearAny } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import { loraForward, type LoraAdapter } from "./lora.js";

export interface LinearWeights {
  /** (out, in): an f32 Tensor, or quantized rows (frozen: a base under LoRA, models/quant-base.ts). */
  readonly weight: Tensor | QuantWeight;
  readonly bias: Tensor | null; // (out)
  /** A low-rank update beside the (then frozen) weight (models/lora.ts attaches it); absent = a plain Linear. */
  readonly lora?: LoraAdapter;
}

export interface LinearInit {
  /** Name of the weight; the bias is named (biasName) by replacing a trailing ".weight" with ".bias". */
  readonly name: string;
  readonly bias: boolean;
  /** Standard deviation of the normal init of the weight (bias starts at zero). */
  readonly std: number;
}

export const biasName = (name: string): string => (name.endsWith(".weight") ? `${name.slice(0, -7)}.bias` : `${name}.bias`);

/** A new trainable Linear: weight ~ N(0, std²) drawn from rng, bias zeros. */
export function createLinear(g: Graph, rng: Rng, inFeatures: number, outFeatures: number, init: LinearInit): LinearWeights {
  const w = new Float32Array(outFeatures * inFeatures);
  rng.fillNormal(w, 0, init.std);
  const weight = g.parameter(w, [outFeatures, inFeatures], init.name);
  const bias = init.bias ? g.parameter(new Float32Array(outFeatures), [outFeatures], biasName(init.name)) : null;
  return { weight, bias };
}

/** y = x·Wᵀ + b (+ the LoRA update when an adapter is attached). x (..., in) → (..., out). */
export const linearForward = (w: LinearWeights, x: Tensor): Tensor => (w.lora === undefined ? linearAny(x, w.weight, w.bias) : loraForward(w.weight, w.bias, w.lora, x));

/** The f32 weight Tensor of a Linear; a quantized one is an error naming it (for code that needs values: init,
 *  saving, full fine-tuning). */
export function f32Weight(l: LinearWeights): Tensor {
  if (isQuantWeight(l.weight)) throw new KotodamaError(`${l.weight.name ?? "Linear"}: the weight is ${l.weight.type} rows (a frozen quantized base), not f32 values`);
  return l.weight;
}
