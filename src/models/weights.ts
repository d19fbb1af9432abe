// The decoder's weight set: one typed record (token/position tables, per-layer norms, attention and MLP
// weights, final norm, LM head) for every family's flags, its standard initialisation, and kotodama's names
// (Hugging Face Llama / GPT-2 names; roles Llama lacks named as in models/families/).
// Not here: the forward pass (decoder.ts) or files (io.ts). Weights are immutable after init/load except
// through the optimizer (STYLE.md principle 3).
//
// Layout. Every matrix is held as (out, in), the layout linear() and nn.Linear use, so a fast decode path can
// treat every projection alike. Names are the Hugging Face names of the family (weightNaming(config)):
//   gpt2  (GPT2LMHeadModel) transformer.wte / wpe / h.{i}.ln_1 / attn.c_attn / attn.c_proj / ln_2 / mlp.c_fc /
//         mlp.c_proj / ln_f, lm_head (only when untied). HF's GPT-2 uses Conv1D, which stores (in, out): the
//         four Conv1D weights are transposed on export/import (NamedWeight.hfTransposed), nothing is renamed.
//   llama (LlamaForCausalLM) model.embed_tokens / layers.{i}.input_layernorm / self_attn.{q,k,v,o}_proj /
//         post_attention_layernorm / mlp.{gate,up,down}_proj / model.norm, lm_head (only when untied). Flags
//         GPT-2 lacks map onto the same scheme: learned positions → model.embed_positions, LayerNorm → .bias,
//         bias → *_proj.bias, GELU MLP → mlp.up_proj / mlp.down_proj.
// c_attn packs rows [q (H·D); k (Hkv·D); v (Hkv·D)] of the (out, in) matrix (HF splits its columns the same).
import type { AttentionWeights, LinearWeights, MlpWeights, NormWeights } from "../nn/index.js";
import { createEmbedding, createLinear, createNorm } from "../nn/index.js";
import type { Graph, QuantWeight, Tensor } from "../tensor/index.js";
import { isQuantWeight } from "../tensor/index.js";
import type { Rng } from "../util/rng.js";
import { headDim, kvDim, qDim, ropeDims, weightNaming, type ModelConfig, type WeightNaming } from "./config.js";

export interface LayerWeights {
  readonly attnNorm: NormWeights;
  readonly attn: AttentionWeights;
  /** Norms of the attention and MLP outputs before the residual adds (postNorms: Gemma 2/3), or null. */
  readonly postAttnNorm: NormWeights | null;
  readonly mlpNorm: NormWeights;
  readonly mlp: MlpWeights;
  readonly postFfnNorm: NormWeights | null;
}

export interface DecoderWeights {
  readonly naming: WeightNaming;
  readonly tokEmb: Tensor; // (V, C)
  /** Learned positions (context, C), or null with RoPE. */
  readonly posEmb: Tensor | null;
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: NormWeights;
  /** (V, C); the same Tensor object as tokEmb when the embeddings are tied. */
  readonly lmHead: Tensor;
  /** Per-pair RoPE frequency divisors of the global layers (Llama 3.1's rope_freqs; linear scaling), or null.
   *  A constant of the model, not trained. */
  readonly ropeFreqs: Float32Array | null;
}

/** One stored weight: its HF name, the tensor (our (out, in) layout), and how it is stored and trained. */
export interface NamedWeight {
  readonly name: string;
  readonly tensor: Tensor;
  /** Stored transposed in the HF file (GPT-2 Conv1D): HF shape = our shape reversed. */
  readonly hfTransposed: boolean;
  /** Gets AdamW weight decay: matrices and embeddings yes; norms and biases no. */
  readonly decay: boolean;
}

/** The HF names of one layer's weights, by family. */
function layerNames(n: WeightNaming, i: number): { attnNorm: string; q: string; k: string; v: string; qkv: string; o: string; mlpNorm: string; gate: string; up: string; down: string } {
  if (n === "gpt2") {
    const p = `transformer.h.${i}`;
    return {
      attnNorm: `${p}.ln_1`, qkv: `${p}.attn.c_attn.weight`, q: "", k: "", v: "", o: `${p}.attn.c_proj.weight`,
      mlpNorm: `${p}.ln_2`, gate: "", up: `${p}.mlp.c_fc.weight`, down: `${p}.mlp.c_proj.weight`,
    };
  }
  const p = `model.layers.${i}`;
  return {
    attnNorm: `${p}.input_layernorm`, qkv: "", q: `${p}.self_attn.q_proj.weight`, k: `${p}.self_attn.k_proj.weight`,
    v: `${p}.self_attn.v_proj.weight`, o: `${p}.self_attn.o_proj.weight`, mlpNorm: `${p}.post_attention_layernorm`,
    gate: `${p}.mlp.gate_proj.weight`, up: `${p}.mlp.up_proj.weight`, down: `${p}.mlp.down_proj.weight`,
  };
}

/** Top-level HF names by family. */
export function topNames(n: WeightNaming): { tokEmb: string; posEmb: string; finalNorm: string; lmHead: string } {
  return n === "gpt2"
    ? { tokEmb: "transformer.wte.weight", posEmb: "transformer.wpe.weight", finalNorm: "transformer.ln_f", lmHead: "lm_head.weight" }
    : { tokEmb: "model.embed_tokens.weight", posEmb: "model.embed_positions.weight", finalNorm: "model.norm", lmHead: "lm_head.weight" };
}

/** How the matrices of a new weight set are made: drawn at random (the default), or e.g. taken from a file with
 *  frozen quantized Linears (models/quant-base.ts). Called in name order. */
export interface WeightMakers {
  linear(name: string, inFeatures: number, outFeatures: number, std: number, bias: boolean): LinearWeights;
  embedding(name: string, rows: number, cols: number, std: number): Tensor;
}

const randomMakers = (g: Graph, rng: Rng): WeightMakers => ({
  linear: (name, inF, outF, std, bias) => createLinear(g, rng, inF, outF, { name, bias, std }),
  embedding: (name, rows, cols, std) => createEmbedding(g, rng, rows, cols, name, std),
});

/** Standard init (GPT-2; nanoGPT): every matrix and table ~ N(0, 0.02²), the residual projections (attention
 *  output, MLP down) ~ N(0, (0.02/√(2L))²), norms ones, biases zeros. Draws from rng in name order (through
 *  `make`, when given, instead). */
export function initDecoderWeights(g: Graph, c: ModelConfig, rng: Rng, make: WeightMakers = randomMakers(g, rng)): DecoderWeights {
  const naming = weightNaming(c);
  const top = topNames(naming);
  const std = 0.02;
  const resid = 0.02 / Math.sqrt(2 * c.nLayers);
  const C = c.dim;
  const qd = qDim(c);
  const D = headDim(c);
  const kd = kvDim(c);
  const tokEmb = make.embedding(top.tokEmb, c.vocabSize, C, std);
  const posEmb = c.pos === "learned" ? make.embedding(top.posEmb, c.context, C, std) : null;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.nLayers; i++) {
    const n = layerNames(naming, i);
    const lin = (name: string, inF: number, outF: number, s: number, bias = c.bias): LinearWeights => make.linear(name, inF, outF, s, bias);
    const attnNorm = createNorm(g, c.norm, C, c.normEps, n.attnNorm);
    const qb = c.bias || c.qkvBias;
    const qkv: AttentionWeights["qkv"] =
      naming === "gpt2"
        ? { kind: "fused", qkv: lin(n.qkv, C, qd + 2 * kd, std) }
        : { kind: "split", q: lin(n.q, C, qd, std, qb), k: lin(n.k, C, kd, std, qb), v: lin(n.v, C, kd, std, qb) };
    const a = `model.layers.${i}`;
    // q/k norms, post-norms: kotodama's names for the roles (models/families/), weights ones like every norm.
    const qNorm = c.qkNorm ? createNorm(g, "rms", D, c.normEps, `${a}.self_attn.q_norm`) : null;
    const kNorm = c.qkNorm ? createNorm(g, "rms", D, c.normEps, `${a}.self_attn.k_norm`) : null;
    const o = lin(n.o, qd, C, resid);
    const postAttnNorm = c.postNorms ? createNorm(g, c.norm, C, c.normEps, `${a}.post_attn_norm`) : null;
    const mlpNorm = createNorm(g, c.norm, C, c.normEps, n.mlpNorm);
    const mlp: MlpWeights =
      c.mlp === "gelu"
        ? { kind: "gelu", up: lin(n.up, C, c.hiddenDim, std), down: lin(n.down, c.hiddenDim, C, resid) }
        : { kind: "swiglu", act: c.mlp === "geglu" ? "gelu" : "silu", gate: lin(n.gate, C, c.hiddenDim, std), up: lin(n.up, C, c.hiddenDim, std), down: lin(n.down, c.hiddenDim, C, resid) };
    const postFfnNorm = c.postNorms ? createNorm(g, c.norm, C, c.normEps, `${a}.post_ffn_norm`) : null;
    layers.push({ attnNorm, attn: { qkv, o, qNorm, kNorm }, postAttnNorm, mlpNorm, mlp, postFfnNorm });
  }
  const finalNorm = createNorm(g, c.norm, C, c.normEps, top.finalNorm);
  const lmHead = c.tieEmbeddings ? tokEmb : make.embedding(top.lmHead, c.vocabSize, C, std);
  const ropeFreqs = c.ropeScale !== 1 ? new Float32Array(ropeDims(c) / 2).fill(c.ropeScale) : null;
  return { naming, tokEmb, posEmb, layers, finalNorm, lmHead, ropeFreqs };
}

/** Every distinct f32 weight in a fixed order (the order of the optimizer state and of the files). Frozen quantized
 *  Linear weights (a quantized base under LoRA) are not f32 tensors and are left out: see quantizedWeights. */
export function namedWeights(w: DecoderWeights): NamedWeight[] {
  const out: NamedWeight[] = [];
  const conv1d = w.naming === "gpt2";
  const mat = (t: Tensor, transposed = false): void => {
    out.push({ name: t.name ?? "?", tensor: t, hfTransposed: transposed, decay: true });
  };
  const vec = (t: Tensor | null): void => {
    if (t !== null) out.push({ name: t.name ?? "?", tensor: t, hfTransposed: false, decay: false });
  };
  const linear = (l: LinearWeights): void => {
    if (!isQuantWeight(l.weight)) mat(l.weight, conv1d);
    vec(l.bias);
  };
  const norm = (n: NormWeights): void => {
    vec(n.weight);
    vec(n.bias);
  };
  mat(w.tokEmb);
  if (w.posEmb !== null) mat(w.posEmb);
  for (const l of w.layers) {
    norm(l.attnNorm);
    if (l.attn.qkv.kind === "fused") linear(l.attn.qkv.qkv);
    else [l.attn.qkv.q, l.attn.qkv.k, l.attn.qkv.v].forEach(linear);
    if (l.attn.qNorm !== null) norm(l.attn.qNorm);
    if (l.attn.kNorm !== null) norm(l.attn.kNorm);
    linear(l.attn.o);
    if (l.postAttnNorm !== null) norm(l.postAttnNorm);
    norm(l.mlpNorm);
    if (l.mlp.kind === "swiglu") linear(l.mlp.gate);
    linear(l.mlp.up);
    linear(l.mlp.down);
    if (l.postFfnNorm !== null) norm(l.postFfnNorm);
  }
  norm(w.finalNorm);
  if (w.lmHead !== w.tokEmb) mat(w.lmHead);
  return out;
}

/** The trainable tensors in namedWeights order. */
export const parameters = (w: DecoderWeights): Tensor[] => namedWeights(w).map((n) => n.tensor);

/** Number of the model's weights (tied embeddings counted once; frozen quantized ones included). */
export const parameterCount = (w: DecoderWeights): number =>
  namedWeights(w).reduce((s, n) => s + n.tensor.size, 0) + quantizedWeights(w).reduce((s, q) => s + q.shape[0] * q.shape[1], 0);

/** The frozen quantized Linear weights of w (a quantized base), in namedWeights order. */
export function quantizedWeights(w: DecoderWeights): QuantWeight[] {
  const out: QuantWeight[] = [];
  for (const l of w.layers) {
    const q = l.attn.qkv;
    const lins = [...(q.kind === "fused" ? [q.qkv] : [q.q, q.k, q.v]), l.attn.o, ...(l.mlp.kind === "swiglu" ? [l.mlp.gate] : []), l.mlp.up, l.mlp.down];
    for (const x of lins) if (isQuantWeight(x.weight)) out.push(x.weight);
  }
  return out;
}
