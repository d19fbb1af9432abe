// LoRA on the decoder: the typed config (rank, alpha, dropout, target modules), attaching adapters to DecoderWeights
// by module name with the base frozen, the trainable list (adapters only), and merging W' = W + (α/r)·B·A.
// Not here: the adapter's math (nn/lora.ts), files (lora-peft.ts, lora-gguf.ts), the training loop (train/).
//
// Two modes of fine-tuning: full (no adapters; parameters(w) from weights.ts) and LoRA (attachLora, then
// loraParameters). Targets are PEFT's `target_modules`: a Linear is adapted when the module part of its name (the
// component before ".weight", e.g. "q_proj" in model.layers.3.self_attn.q_proj.weight) is listed, so GPT-2's
// "c_proj" adapts both attn.c_proj and mlp.c_proj, as in PEFT.
import type { LinearWeights } from "../nn/index.js";
import { createLoraAdapter, loraAdapterFrom, type LoraAdapter, type LoraDropout, type LoraInit } from "../nn/index.js";
import type { Graph, QuantWeight, Tensor } from "../tensor/index.js";
import { add, dequantizeWeight, isQuantWeight, matmul, scale } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { WeightNaming } from "./config.js";
import { namedWeights, type DecoderWeights, type LayerWeights } from "./weights.js";

export const LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "c_attn", "c_proj", "c_fc"] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  readonly rank: number; // r
  readonly alpha: number; // update scaled by alpha / r
  /** Dropout probability on the adapter's input (PEFT lora_dropout), in [0, 1). */
  readonly dropout: number;
  readonly targets: readonly LoraTarget[];
  /** A's initial distribution (B starts at zero either way); PEFT's default is kaiming-uniform. */
  readonly init: LoraInit;
}

/** PEFT's defaults (LoraConfig r=8, lora_alpha=8, lora_dropout=0; target modules from its
 *  TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING: q_proj, v_proj for Llama-named models, c_attn for GPT-2). */
export function loraDefaults(naming: WeightNaming): LoraConfig {
  return { rank: 8, alpha: 8, dropout: 0, targets: naming === "gpt2" ? ["c_attn"] : ["q_proj", "v_proj"], init: "kaiming-uniform" };
}

const KEYS: readonly string[] = ["rank", "alpha", "dropout", "targets", "init"];
const TARGETS_OF: Readonly<Record<WeightNaming, readonly LoraTarget[]>> = {
  llama: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  gpt2: ["c_attn", "c_proj", "c_fc"],
};

/** A validated config: the defaults for `naming` overridden by `raw`; unknown keys, bad values and targets the
 *  family does not have are errors naming the key. */
export function resolveLoraConfig(raw: Readonly<Record<string, unknown>>, naming: WeightNaming): LoraConfig {
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw new KotodamaError(`LoRA: unknown option "${k}" (expected one of ${KEYS.join(", ")})`);
  const d = loraDefaults(naming);
  const num = (k: string, def: number): number => {
    const v = raw[k] ?? def;
    if (typeof v !== "number") throw new KotodamaError(`LoRA: ${k} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const rank = num("rank", d.rank);
  const alpha = num("alpha", d.alpha);
  const dropout = num("dropout", d.dropout);
  if (!Number.isInteger(rank) || rank <= 0) throw new KotodamaError(`LoRA: rank must be a positive integer, got ${rank}`);
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new KotodamaError(`LoRA: alpha must be > 0, got ${alpha}`);
  if (!(dropout >= 0 && dropout < 1)) throw new KotodamaError(`LoRA: dropout must be in [0, 1), got ${dropout}`);
  const init = raw.init ?? d.init;
  if (init !== "kaiming-uniform" && init !== "gaussian") throw new KotodamaError(`LoRA: init must be "kaiming-uniform" or "gaussian", got ${JSON.stringify(init)}`);
  const t = raw.targets ?? d.targets;
  if (!Array.isArray(t) || t.length === 0) throw new KotodamaError("LoRA: targets must be a non-empty list of module names");
  const allowed = TARGETS_OF[naming];
  const targets: LoraTarget[] = [];
  for (const x of t) {
    const hit = allowed.find((a) => a === x);
    if (hit === undefined) throw new KotodamaError(`LoRA: target ${JSON.stringify(x)} is not a module of ${naming}-named models (${allowed.join(", ")})`);
    if (!targets.includes(hit)) targets.push(hit);
  }
  return { rank, alpha, dropout, targets, init };
}

/** One adapter and the kotodama name of the base weight it updates. */
export interface NamedAdapter {
  readonly name: string; // e.g. model.layers.0.self_attn.q_proj.weight
  readonly module: LoraTarget;
  readonly adapter: LoraAdapter;
}

export interface LoraWeights {
  readonly config: LoraConfig;
  /** The decoder's weights with the adapters attached: decoderLogits/decoderLoss use them as they are. */
  readonly weights: DecoderWeights;
  /** In namedWeights order. */
  readonly adapters: readonly NamedAdapter[];
  /** Shared by every adapter: set rng for training (dropout on), null for evaluation (off). */
  readonly dropout: LoraDropout;
}

/** The module name of a weight name ("q_proj" of "model.layers.0.self_attn.q_proj.weight"). */
export const moduleOf = (name: string): string => name.split(".").at(-2) ?? "";

/** A copy of w's records with every Linear passed through fn (untouched tensors are the same objects). */
function mapLinears(w: DecoderWeights, fn: (l: LinearWeights) => LinearWeights): DecoderWeights {
  const layers = w.layers.map((l): LayerWeights => {
    const q = l.attn.qkv;
    const qkv = q.kind === "fused" ? { kind: q.kind, qkv: fn(q.qkv) } : { kind: q.kind, q: fn(q.q), k: fn(q.k), v: fn(q.v) };
    const o = fn(l.attn.o); // before the MLP: fn sees the Linears in namedWeights order
    const m = l.mlp;
    const mlp = m.kind === "gelu" ? { kind: m.kind, up: fn(m.up), down: fn(m.down) } : { kind: m.kind, act: m.act, gate: fn(m.gate), up: fn(m.up), down: fn(m.down) };
    return { ...l, attn: { ...l.attn, qkv, o }, mlp };
  });
  return { ...w, layers };
}

/** Marks every base weight frozen (requiresGrad false), so that no op records a gradient for it and backward never
 *  allocates a gradient buffer for it. In place: the base tensors are shared with w. */
export function freezeWeights(w: DecoderWeights): void {
  for (const n of namedWeights(w)) n.tensor.requiresGrad = false;
}

export interface AttachOptions {
  /** Draws the initial A of every adapter (in namedWeights order). */
  readonly rng?: Rng;
  /** Loaded values by base weight name (a PEFT or checkpoint adapter) instead of fresh ones: A (r·in), B (out·r). */
  readonly values?: ReadonlyMap<string, { readonly a: Float32Array; readonly b: Float32Array }>;
  /** The dropout stream; absent = evaluation (no dropout) until `dropout.rng` is set. */
  readonly dropoutRng?: Rng;
}

/** Attaches an adapter to every Linear whose module is a target and freezes the base (in place: see
 *  freezeWeights). Returns new records; w itself keeps no adapters and stays usable as the frozen base. */
export function attachLora(g: Graph, w: DecoderWeights, config: LoraConfig, opts: AttachOptions): LoraWeights {
  if (opts.rng === undefined && opts.values === undefined) throw new KotodamaError("attachLora: pass rng (fresh adapters) or values (loaded ones)");
  freezeWeights(w);
  const dropout: LoraDropout = { p: config.dropout, rng: opts.dropoutRng ?? null };
  const adapters: NamedAdapter[] = [];
  const used = new Set<string>();
  const weights = mapLinears(w, (l) => {
    const name = l.weight.name ?? "";
    const module = config.targets.find((t) => t === moduleOf(name));
    if (module === undefined) return l;
    const [outF, inF] = l.weight.shape;
    const init = { name, rank: config.rank, alpha: config.alpha, dropout };
    const v = opts.values?.get(name);
    let adapter: LoraAdapter;
    if (v !== undefined) {
      adapter = loraAdapterFrom(g, v.a, v.b, inF, outF, init);
      used.add(name);
    } else if (opts.rng !== undefined) adapter = createLoraAdapter(g, opts.rng, inF, outF, { ...init, init: config.init });
    else throw new KotodamaError(`attachLora: no values for target '${name}'`);
    adapters.push({ name, module, adapter });
    return { ...l, lora: adapter };
  });
  if (adapters.length === 0) throw new KotodamaError(`attachLora: no Linear matches the targets ${config.targets.join(", ")}`);
  for (const k of opts.values?.keys() ?? []) if (!used.has(k)) throw new KotodamaError(`attachLora: adapter for '${k}' matches no targeted Linear of this model`);
  return { config, weights, adapters, dropout };
}

/** The trainable tensors of LoRA training: A and B of every adapter, nothing of the base. */
export const loraParameters = (lw: LoraWeights): Tensor[] => lw.adapters.flatMap((n) => [n.adapter.a, n.adapter.b]);

/** Number of trainable scalars of the adapters. */
export const loraParameterCount = (lw: LoraWeights): number => loraParameters(lw).reduce((s, t) => s + t.size, 0);

/** W + (α/r)·B·A as new values (out·in), computed in f32 with the backend's gemm; a quantized W enters with its
 *  exact dequantized values. */
export function mergedWeight(w: Tensor | QuantWeight, ad: LoraAdapter): Float32Array {
  const g = ad.a.graph;
  const base = isQuantWeight(w) ? g.tensor(dequantizeWeight(w), w.shape) : w;
  return g.noGrad(() => add(base, scale(matmul(ad.b, ad.a), ad.scale)).data.slice()); // (out, r)·(r, in) → (out, in)
}

/** The merged model: a new DecoderWeights without adapters whose targeted weights are new tensors
 *  W' = W + (α/r)·B·A (trainable like any weight); every other tensor is shared with lw.weights, not copied.
 *  Nothing of lw changes, so training may continue on the adapters afterwards. On a quantized base the merged model
 *  is all f32: targeted weights dequantized plus ΔW, the others dequantized (not requantized: requantizing W + ΔW
 *  would round away most of a small update; the f32 model converts to any quantization afterwards). */
export function mergeLora(lw: LoraWeights): DecoderWeights {
  const g = lw.adapters[0]!.adapter.a.graph;
  return mapLinears(lw.weights, (l) => {
    let values: Float32Array;
    if (l.lora !== undefined) values = mergedWeight(l.weight, l.lora);
    else if (isQuantWeight(l.weight)) values = dequantizeWeight(l.weight);
    else return l;
    const weight = g.parameter(values, l.weight.shape, l.weight.name);
    return { weight, bias: l.bias };
  });
}

