// The GPT-2 family (llama.cpp `gpt2`, HF GPT2LMHeadModel; nanoGPT and kotodama's tiny/small presets): LayerNorm
// with biases, learned positions, a GELU MLP, full multi-head attention with q|k|v fused (c_attn rows [q; k; v]).
// Not here: GPT-2's HF Conv1D layout beyond the hfTransposed flag (the loader transposes).
import { NEUTRAL_FLAGS } from "../config.js";
import type { Family, FamilyTensor } from "./family.js";

const H = "transformer.h.{l}";
const pair = (hf: string, gguf: string, shape: FamilyTensor["shape"], matrix = false): FamilyTensor[] => [
  { name: `${hf}.weight`, gguf: `${gguf}.weight`, hf: `${hf}.weight`, shape, ...(matrix ? { matrix: true, hfTransposed: true } : {}) },
  { name: `${hf}.bias`, gguf: `${gguf}.bias`, hf: `${hf}.bias`, shape: (c) => [shape(c)[0]!] },
];

export const gpt2: Family = {
  name: "gpt2",
  gguf: "gpt2",
  hf: ["GPT2LMHeadModel", "gpt2"],
  ggufRope: "adjacent",
  config: (h) => ({
    vocabSize: h.vocabSize, dim: h.dim, nLayers: h.nLayers, nHeads: h.nHeads, nKvHeads: h.nHeads,
    hiddenDim: h.hiddenDim > 0 ? h.hiddenDim : 4 * h.dim, context: h.context, norm: "layer", normEps: h.normEps ?? 1e-5,
    pos: "learned", ropeTheta: 10000, ropePairing: "adjacent", mlp: "gelu", bias: true, tieEmbeddings: h.tied, ...NEUTRAL_FLAGS,
  }),
  tensors: [
    { name: "transformer.wte.weight", gguf: "token_embd.weight", hf: "transformer.wte.weight", shape: (c) => [c.vocabSize, c.dim], table: true },
    { name: "transformer.wpe.weight", gguf: "position_embd.weight", hf: "transformer.wpe.weight", shape: (c) => [c.context, c.dim] },
    ...pair("transformer.ln_f", "output_norm", (c) => [c.dim]),
    { name: "lm_head.weight", gguf: "output.weight", hf: "lm_head.weight", shape: (c) => [c.vocabSize, c.dim], when: (c) => !c.tieEmbeddings, matrix: true },
    ...pair(`${H}.ln_1`, "blk.{l}.attn_norm", (c) => [c.dim]),
    ...pair(`${H}.attn.c_attn`, "blk.{l}.attn_qkv", (c) => [3 * c.dim, c.dim], true),
    ...pair(`${H}.attn.c_proj`, "blk.{l}.attn_output", (c) => [c.dim, c.dim], true),
    ...pair(`${H}.ln_2`, "blk.{l}.ffn_norm", (c) => [c.dim]),
    ...pair(`${H}.mlp.c_fc`, "blk.{l}.ffn_up", (c) => [c.hiddenDim, c.dim], true),
    ...pair(`${H}.mlp.c_proj`, "blk.{l}.ffn_down", (c) => [c.dim, c.hiddenDim], true),
  ],
};
