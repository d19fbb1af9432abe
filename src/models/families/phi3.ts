// The Phi-3 family (llama.cpp `phi3`, HF Phi3ForCausalLM; Phi-3/3.5-mini, Phi-4-mini): Llama's math with q|k|v
// fused in one matrix and gate|up in another (rows [gate; up]), rotate-half RoPE. Not here: LongRoPE
// (rope_factors_long/short with an attention factor, Phi-3.5 and Phi-4-mini): refused with a message.
import { kvDim, qDim } from "../config.js";
import { LLAMA_TOP, llamaBase, type Family } from "./family.js";

const L = "model.layers.{l}";

export const phi3: Family = {
  name: "phi3",
  gguf: "phi3",
  hf: ["Phi3ForCausalLM", "phi3"],
  ggufRope: "half",
  config: (h, pairing) => llamaBase(h, pairing),
  tensors: [
    ...LLAMA_TOP.map(({ l2c: _unused, ...t }) => t),
    {
      name: "model.rope_factors_long", gguf: "rope_factors_long.weight", hf: null, shape: (c) => [c.dim / c.nHeads / 2], optional: true,
      unsupported: "LongRoPE (rope_factors_long/short with an attention factor: Phi-3.5, Phi-4-mini) is not supported yet",
    },
    { name: `${L}.input_layernorm.weight`, gguf: "blk.{l}.attn_norm.weight", hf: `${L}.input_layernorm.weight`, shape: (c) => [c.dim] },
    { name: `${L}.self_attn.qkv_proj.weight`, gguf: "blk.{l}.attn_qkv.weight", hf: `${L}.self_attn.qkv_proj.weight`, shape: (c) => [qDim(c) + 2 * kvDim(c), c.dim], matrix: true,
      parts: [{ name: `${L}.self_attn.q_proj.weight`, rows: qDim }, { name: `${L}.self_attn.k_proj.weight`, rows: kvDim }, { name: `${L}.self_attn.v_proj.weight`, rows: kvDim }],
    },
    { name: `${L}.self_attn.o_proj.weight`, gguf: "blk.{l}.attn_output.weight", hf: `${L}.self_attn.o_proj.weight`, shape: (c) => [c.dim, qDim(c)], matrix: true },
    { name: `${L}.post_attention_layernorm.weight`, gguf: "blk.{l}.ffn_norm.weight", hf: `${L}.post_attention_layernorm.weight`, shape: (c) => [c.dim] },
    { name: `${L}.mlp.gate_up_proj.weight`, gguf: "blk.{l}.ffn_up.weight", hf: `${L}.mlp.gate_up_proj.weight`, shape: (c) => [2 * c.hiddenDim, c.dim], matrix: true,
      parts: [{ name: `${L}.mlp.gate_proj.weight`, rows: (c) => c.hiddenDim }, { name: `${L}.mlp.up_proj.weight`, rows: (c) => c.hiddenDim }],
    },
    { name: `${L}.mlp.down_proj.weight`, gguf: "blk.{l}.ffn_down.weight", hf: `${L}.mlp.down_proj.weight`, shape: (c) => [c.dim, c.hiddenDim], matrix: true },
  ],
};
