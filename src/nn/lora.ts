// The LoRA module (Hu et al. 2021, arXiv:2106.09685): a trainable low-rank update beside a frozen Linear,
// y = x·Wᵀ + b + (α/r)·B·A·dropout(x), with PEFT's initialisation and scaling. Not here: which Linears get one and
// freezing the base (models/lora.ts), merging into W (models/lora-merge.ts), files (models/lora-peft.ts, lora-gguf.ts).
//
// Shapes follow PEFT's nn.Linear pair (peft/tuners/lora/layer.py): A = lora_A.weight (r, in), B = lora_B.weight
// (out, r), so the update ΔW = (α/r)·B·A has W's (out, in) layout. PEFT's default init (init_lora_weights=True) draws
// A with nn.init.kaiming_uniform_(a=√5), i.e. U(−1/√in, 1/√in), and sets B = 0, so a fresh adapter changes nothing;
// init_lora_weights="gaussian" draws A ~ N(0, 1/r) instead. Dropout (lora_dropout) acts on the adapter's input only,
// never on the base path, and only while training.
import type { Graph, QuantWeight, Tensor } from "../tensor/index.js";
import { add, linear, linearAny, mul, scale } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";

export type LoraInit = "kaiming-uniform" | "gaussian";

/** The dropout of one set of adapters. The one piece of run state an adapter holds: linearForward has no training
 *  flag (every module calls it alike), so training sets `rng` (the seeded stream the masks come from) and evaluation
 *  sets it to null, which turns dropout off (PyTorch's module.train()/eval(), made explicit). */
export interface LoraDropout {
  readonly p: number;
  rng: Rng | null;
}

export interface LoraAdapter {
  readonly a: Tensor; // (r, in)
  readonly b: Tensor; // (out, r)
  readonly rank: number; // r
  readonly alpha: number;
  /** α/r (PEFT's `scaling` without use_rslora; llama.cpp's llama_adapter_lora_weight::get_scale). */
  readonly scale: number;
  readonly dropout: LoraDropout;
}

export interface LoraAdapterInit {
  /** Name of the base weight; the pair is named `${base}.lora_A` / `.lora_B` (without ".weight"). */
  readonly name: string;
  readonly rank: number;
  readonly alpha: number;
  readonly init: LoraInit;
  readonly dropout: LoraDropout;
}

const stem = (name: string): string => (name.endsWith(".weight") ? name.slice(0, -7) : name);

/** A new trainable adapter for a Linear (in → out): A drawn from rng per PEFT, B zeros. */
export function createLoraAdapter(g: Graph, rng: Rng, inFeatures: number, outFeatures: number, o: LoraAdapterInit): LoraAdapter {
  const r = o.rank;
  if (!Number.isInteger(r) || r <= 0) throw new KotodamaError(`LoRA ${o.name}: rank must be a positive integer, got ${r}`);
  const a = new Float32Array(r * inFeatures);
  if (o.init === "gaussian") rng.fillNormal(a, 0, 1 / r);
  else {
    const bound = 1 / Math.sqrt(inFeatures); // kaiming_uniform_(a=√5): gain √(2/6), bound = gain·√3/√fan_in
    rng.fillUniform(a, -bound, bound);
  }
  const b = new Float32Array(outFeatures * r);
  return loraAdapterFrom(g, a, b, inFeatures, outFeatures, o);
}

/** An adapter over given A (r·in) and B (out·r) values (a loaded adapter); the arrays are used without copying. */
export function loraAdapterFrom(g: Graph, a: Float32Array, b: Float32Array, inFeatures: number, outFeatures: number, o: Omit<LoraAdapterInit, "init">): LoraAdapter {
  const r = o.rank;
  if (a.length !== r * inFeatures || b.length !== outFeatures * r) {
    throw new KotodamaError(`LoRA ${o.name}: A has ${a.length} values and B ${b.length}, expected (${r}, ${inFeatures}) and (${outFeatures}, ${r})`);
  }
  if (!(Number.isFinite(o.alpha) && o.alpha > 0)) throw new KotodamaError(`LoRA ${o.name}: alpha must be > 0, got ${o.alpha}`);
  return {
    a: g.parameter(a, [r, inFeatures], `${stem(o.name)}.lora_A.weight`),
    b: g.parameter(b, [outFeatures, r], `${stem(o.name)}.lora_B.weight`),
    rank: r, alpha: o.alpha, scale: o.alpha / r, dropout: o.dropout,
  };
}

/** Inverted dropout: zero each element with probability p, scale the rest by 1/(1 − p) (torch.nn.Dropout). */
function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  const m = x.graph.uniform(x.shape, rng, 0, 1); // a constant mask: no gradient of its own
  const d = m.data;
  const keep = 1 / (1 - p);
  for (let i = 0; i < d.length; i++) d[i] = d[i]! < p ? 0 : keep;
  return mul(x, m);
}

/** The update alone, (α/r)·B·A·dropout(x): x (..., in) → (..., out). The scale is applied to the rank-r
 *  intermediate, where it costs r multiplies per row instead of `out`. */
export function loraDelta(ad: LoraAdapter, x: Tensor): Tensor {
  const { p, rng } = ad.dropout;
  const xin = rng !== null && p > 0 ? dropout(x, p, rng) : x;
  return linear(scale(linear(xin, ad.a), ad.scale), ad.b); // (..., r) → (..., out)
}

/** base(x) + (α/r)·B·A·dropout(x): weight (out, in) f32 or quantized (QLoRA: the base stays in its blocks and
 *  only dX flows through it), bias (out) or null, x (..., in) → (..., out). */
export const loraForward = (weight: Tensor | QuantWeight, bias: Tensor | null, ad: LoraAdapter, x: Tensor): Tensor =>
  add(linearAny(x, weight, bias), loraDelta(ad, x));
