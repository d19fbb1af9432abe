// What a model family is, as data (llama.cpp's llama-arch.cpp table, one file per family beside this one): its
// GGUF architecture and Hugging Face class names, every tensor under kotodama's, GGUF's and HF's names, the
// hyperparameter keys both formats use, and the flags of its math. Not here: reading files (models/load-family.ts)
// or any forward pass (infer/forward.ts, models/decoder.ts).
//
// kotodama's own tensor names are Llama's Hugging Face names (LlamaForCausalLM) for every role Llama has, and
// GPT2LMHeadModel's for GPT-2; roles Llama lacks are named like them (q_norm, post_attn_norm, qkv_proj, ...).
// GGUF names are llama.cpp's (LLM_TENSOR_*), which mean the same role in every architecture; HF names differ per
// family (Gemma 2's `post_attention_layernorm` is a post-norm, Llama's is the pre-MLP norm), hence the table.
import type { RopePairing } from "../../engine/ops.js";
import { headDim, kvDim, NEUTRAL_FLAGS, qDim, type ModelConfig } from "../config.js";

export type FamilyName = "llama" | "qwen2" | "qwen3" | "gemma2" | "gemma3" | "phi3" | "gpt2";

/** One stored tensor; `{l}` in a name stands for the layer index. */
export interface FamilyTensor {
  readonly name: string;
  readonly gguf: string;
  /** Name in this family's HF folders; null when HF has no such tensor (it is computed from config.json). */
  readonly hf: string | null;
  /** llama2.c's name (Llama only). */
  readonly l2c?: string;
  /** Row-major shape, Linear weights (out, in). */
  readonly shape: (c: ModelConfig) => readonly number[];
  /** Present only under these flags (biases, q/k norms, post-norms, an untied head). Absent = always. */
  readonly when?: (c: ModelConfig) => boolean;
  /** Present in some files of the family and not others (Llama 3's rope_freqs): read when there. */
  readonly optional?: boolean;
  /** A file holding this tensor needs math kotodama does not run yet: loading it is refused with this reason. */
  readonly unsupported?: string;
  /** A weight matrix that inference may keep quantized (not norms or biases). */
  readonly matrix?: boolean;
  /** The token embedding: looked up by row (one row dequantized per token) and, when tied, the output head. */
  readonly table?: boolean;
  /** HF stores w where GGUF and kotodama store 1 + w (Gemma's RMSNorm, `x * (1 + w)`; llama.cpp's converter adds 1). */
  readonly hfPlusOne?: boolean;
  /** HF stores (in, out) (GPT-2's Conv1D). */
  readonly hfTransposed?: boolean;
  /** A fused matrix (Phi-3's qkv_proj, gate_up_proj): the separate matrices the training decoder holds instead,
   *  stacked in this one's rows in this order (`{l}` as in name), each with its row count. */
  readonly parts?: readonly FusedPart[];
}

/** One matrix of a fused one: its kotodama name and number of rows (out features). */
export interface FusedPart {
  readonly name: string;
  readonly rows: (c: ModelConfig) => number;
}

/** The hyperparameters every family states, read from GGUF `{arch}.*` keys or config.json. */
export interface CommonHparams {
  readonly vocabSize: number;
  readonly dim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly hiddenDim: number;
  readonly context: number;
  readonly normEps: number | undefined;
  readonly ropeTheta: number | undefined;
  readonly headSize: number; // 0 = dim / nHeads
  readonly rotaryDim: number; // 0 = whole head
  readonly slidingWindow: number;
  readonly attnSoftcap: number;
  readonly finalSoftcap: number;
  readonly ropeScale: number; // linear
  /** HF query_pre_attn_scalar (Gemma); 0 = absent. */
  readonly queryPreAttnScalar: number;
  readonly tied: boolean;
}

export interface Family {
  readonly name: FamilyName;
  /** general.architecture, and the prefix of its hyperparameter keys. */
  readonly gguf: string;
  /** config.json `architectures[0]` values (and model_type) this family reads. */
  readonly hf: readonly string[];
  /** RoPE pair order of q/k rows in GGUF files of this architecture (llama.cpp's rope type: NORM = adjacent
   *  for `llama`, whose converter permutes; NEOX = half for the rest) and in HF folders (always half). */
  readonly ggufRope: RopePairing;
  /** The family's ModelConfig from the common hyperparameters: the flags are the family's math. */
  readonly config: (h: CommonHparams, pairing: RopePairing) => ModelConfig;
  /** Extra GGUF metadata the family writes for its flags (beyond the common keys). */
  readonly ggufExtra?: (c: ModelConfig) => Readonly<Record<string, number>>;
  readonly tensors: readonly FamilyTensor[];
}

// ---- building blocks shared by the family files ----------------------------------------------------------------

const untied = (c: ModelConfig): boolean => !c.tieEmbeddings;
const C = (c: ModelConfig): number => c.dim;

/** The config every RMSNorm/RoPE family starts from. */
export function llamaBase(h: CommonHparams, ropePairing: RopePairing): ModelConfig {
  return {
    vocabSize: h.vocabSize, dim: h.dim, nLayers: h.nLayers, nHeads: h.nHeads, nKvHeads: h.nKvHeads, hiddenDim: h.hiddenDim,
    context: h.context, norm: "rms", normEps: h.normEps ?? 1e-5, pos: "rope", ropeTheta: h.ropeTheta ?? 10000, ropePairing,
    mlp: "swiglu", bias: false, tieEmbeddings: h.tied, ...NEUTRAL_FLAGS,
    headSize: h.headSize > 0 && h.headSize !== h.dim / h.nHeads ? h.headSize : 0,
    rotaryDim: h.rotaryDim > 0 && h.rotaryDim !== (h.headSize > 0 ? h.headSize : h.dim / h.nHeads) ? h.rotaryDim : 0,
    ropeScale: h.ropeScale,
  };
}

/** Embedding, final norm and (when untied) output head, Llama-named. */
export const LLAMA_TOP: readonly FamilyTensor[] = [
  { name: "model.embed_tokens.weight", gguf: "token_embd.weight", hf: "model.embed_tokens.weight", l2c: "token_embedding_table", shape: (c) => [c.vocabSize, c.dim], table: true },
  { name: "model.norm.weight", gguf: "output_norm.weight", hf: "model.norm.weight", l2c: "rms_final_weight", shape: (c) => [C(c)] },
  { name: "lm_head.weight", gguf: "output.weight", hf: "lm_head.weight", l2c: "wcls", shape: (c) => [c.vocabSize, c.dim], when: untied, matrix: true },
];

const L = "model.layers.{l}";

/** Pre-attention norm, separate q/k/v/o projections, (optional) q/k/v biases. */
export const LLAMA_ATTENTION: readonly FamilyTensor[] = [
  { name: `${L}.input_layernorm.weight`, gguf: "blk.{l}.attn_norm.weight", hf: `${L}.input_layernorm.weight`, l2c: "layers.{l}.rms_att_weight", shape: (c) => [C(c)] },
  { name: `${L}.self_attn.q_proj.weight`, gguf: "blk.{l}.attn_q.weight", hf: `${L}.self_attn.q_proj.weight`, l2c: "layers.{l}.wq", shape: (c) => [qDim(c), c.dim], matrix: true },
  { name: `${L}.self_attn.k_proj.weight`, gguf: "blk.{l}.attn_k.weight", hf: `${L}.self_attn.k_proj.weight`, l2c: "layers.{l}.wk", shape: (c) => [kvDim(c), c.dim], matrix: true },
  { name: `${L}.self_attn.v_proj.weight`, gguf: "blk.{l}.attn_v.weight", hf: `${L}.self_attn.v_proj.weight`, l2c: "layers.{l}.wv", shape: (c) => [kvDim(c), c.dim], matrix: true },
  { name: `${L}.self_attn.q_proj.bias`, gguf: "blk.{l}.attn_q.bias", hf: `${L}.self_attn.q_proj.bias`, shape: (c) => [qDim(c)], when: (c) => c.qkvBias },
  { name: `${L}.self_attn.k_proj.bias`, gguf: "blk.{l}.attn_k.bias", hf: `${L}.self_attn.k_proj.bias`, shape: (c) => [kvDim(c)], when: (c) => c.qkvBias },
  { name: `${L}.self_attn.v_proj.bias`, gguf: "blk.{l}.attn_v.bias", hf: `${L}.self_attn.v_proj.bias`, shape: (c) => [kvDim(c)], when: (c) => c.qkvBias },
  { name: `${L}.self_attn.o_proj.weight`, gguf: "blk.{l}.attn_output.weight", hf: `${L}.self_attn.o_proj.weight`, l2c: "layers.{l}.wo", shape: (c) => [c.dim, qDim(c)], matrix: true },
];

/** RMSNorm of each q and k head (Qwen3, Gemma 3). */
export const QK_NORM = (hfPlusOne: boolean): readonly FamilyTensor[] => [
  { name: `${L}.self_attn.q_norm.weight`, gguf: "blk.{l}.attn_q_norm.weight", hf: `${L}.self_attn.q_norm.weight`, shape: (c) => [headDim(c)], hfPlusOne },
  { name: `${L}.self_attn.k_norm.weight`, gguf: "blk.{l}.attn_k_norm.weight", hf: `${L}.self_attn.k_norm.weight`, shape: (c) => [headDim(c)], hfPlusOne },
];

/** Pre-MLP norm and a gated MLP with separate gate/up matrices. */
export const LLAMA_MLP: readonly FamilyTensor[] = [
  { name: `${L}.post_attention_layernorm.weight`, gguf: "blk.{l}.ffn_norm.weight", hf: `${L}.post_attention_layernorm.weight`, l2c: "layers.{l}.rms_ffn_weight", shape: (c) => [C(c)] },
  { name: `${L}.mlp.gate_proj.weight`, gguf: "blk.{l}.ffn_gate.weight", hf: `${L}.mlp.gate_proj.weight`, l2c: "layers.{l}.w1", shape: (c) => [c.hiddenDim, c.dim], matrix: true },
  { name: `${L}.mlp.up_proj.weight`, gguf: "blk.{l}.ffn_up.weight", hf: `${L}.mlp.up_proj.weight`, l2c: "layers.{l}.w3", shape: (c) => [c.hiddenDim, c.dim], matrix: true },
  { name: `${L}.mlp.down_proj.weight`, gguf: "blk.{l}.ffn_down.weight", hf: `${L}.mlp.down_proj.weight`, l2c: "layers.{l}.w2", shape: (c) => [c.dim, c.hiddenDim], matrix: true },
];

/** Replaces `hf` names (and marks Gemma's 1 + w norms) of some tensors, keyed by kotodama name. */
export function withHf(ts: readonly FamilyTensor[], hf: Readonly<Record<string, string>>, plusOne = false): FamilyTensor[] {
  return ts.map((t) => {
    const renamed = hf[t.name];
    const isNorm = t.name.endsWith("norm.weight") || t.name.endsWith("layernorm.weight");
    const { l2c: _dropped, ...rest } = t;
    return { ...rest, hf: renamed ?? t.hf, ...(plusOne && isNorm ? { hfPlusOne: true } : {}) };
  });
}

/** Substitutes the layer index into a name. */
export const atLayer = (name: string, l: number): string => name.replace("{l}", String(l));

/** Every tensor of a config in table order (layers expanded), with flags applied; optional ones included. */
/** The parts of a fused matrix with their first row, names at layer `layer`. */
export function fusedParts(t: FamilyTensor, c: ModelConfig, layer: number): { name: string; row: number; rows: number }[] {
  let row = 0;
  return (t.parts ?? []).map((p) => {
    const rows = p.rows(c);
    const r = { name: atLayer(p.name, layer), row, rows };
    row += rows;
    return r;
  });
}

export function expandTensors(f: Family, c: ModelConfig): { t: FamilyTensor; name: string; gguf: string; hf: string | null; l2c: string | undefined; layer: number }[] {
  const out: { t: FamilyTensor; name: string; gguf: string; hf: string | null; l2c: string | undefined; layer: number }[] = [];
  const one = (t: FamilyTensor, l: number): void => {
    if (t.when !== undefined && !t.when(c)) return;
    const at = (s: string): string => atLayer(s, l);
    out.push({ t, name: at(t.name), gguf: at(t.gguf), hf: t.hf === null ? null : at(t.hf), l2c: t.l2c === undefined ? undefined : at(t.l2c), layer: l });
  };
  for (const t of f.tensors) if (!t.name.includes("{l}")) one(t, -1);
  for (let l = 0; l < c.nLayers; l++) for (const t of f.tensors) if (t.name.includes("{l}")) one(t, l);
  return out;
}
