// What Gemma 2 and Gemma 3 share (HF modeling_gemma2.py / modeling_gemma3.py; llama.cpp llm_build_gemma2/3):
// four norms per layer (pre and post around attention and around the MLP), a GELU-tanh gated MLP, the embedding
// scaled by √C, tied output head, RMSNorm weights stored as w in HF and as 1 + w in GGUF and here.
// Not here: what differs between the two (gemma2.ts, gemma3.ts).
import { NEUTRAL_FLAGS, type ModelConfig } from "../config.js";
import { LLAMA_ATTENTION, LLAMA_MLP, LLAMA_TOP, llamaBase, withHf, type CommonHparams, type FamilyTensor } from "./family.js";
import type { RopePairing } from "../../engine/ops.js";

const L = "model.layers.{l}";

/** Gemma's attention scale as llama.cpp sets it for GGUF (hparams.f_attention_scale): 1/√(C/H) for the 27B
 *  models (query_pre_attn_scalar 144 = 4608/32), 1/√D otherwise; from HF, query_pre_attn_scalar^−½. */
export function gemmaAttnScale(h: CommonHparams, is27b: boolean): number {
  if (h.queryPreAttnScalar > 0) return 1 / Math.sqrt(h.queryPreAttnScalar);
  return is27b ? 1 / Math.sqrt(h.dim / h.nHeads) : 0;
}

export function gemmaBase(h: CommonHparams, pairing: RopePairing): ModelConfig {
  return {
    ...llamaBase(h, pairing), normEps: h.normEps ?? 1e-6, mlp: "geglu", embedScale: true, postNorms: true,
    slidingWindow: h.slidingWindow, swaPeriod: NEUTRAL_FLAGS.swaPeriod,
  };
}

/** Llama's tensors with Gemma's HF names: HF `post_attention_layernorm` is the attention post-norm here, and
 *  `pre_feedforward_layernorm` the pre-MLP norm (Llama's `post_attention_layernorm`). */
export const GEMMA_LAYER = (qkNorm: readonly FamilyTensor[]): FamilyTensor[] => withHf([
  ...LLAMA_TOP,
  ...LLAMA_ATTENTION,
  ...qkNorm,
  { name: `${L}.post_attn_norm.weight`, gguf: "blk.{l}.post_attention_norm.weight", hf: `${L}.post_attention_layernorm.weight`, shape: (c) => [c.dim] },
  ...LLAMA_MLP,
  { name: `${L}.post_ffn_norm.weight`, gguf: "blk.{l}.post_ffw_norm.weight", hf: `${L}.post_feedforward_layernorm.weight`, shape: (c) => [c.dim] },
], { [`${L}.post_attention_layernorm.weight`]: `${L}.pre_feedforward_layernorm.weight` }, true);
