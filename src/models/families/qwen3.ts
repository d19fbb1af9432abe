// The Qwen3 family (llama.cpp `qwen3`, HF Qwen3ForCausalLM): Llama with an RMSNorm over each q and k head
// before RoPE, an explicit head size (head_dim 128 with hidden 1024 in Qwen3-0.6B), no biases.
// Not here: Qwen3-MoE (`qwen3moe`), a different FFN.
import { LLAMA_ATTENTION, LLAMA_MLP, LLAMA_TOP, llamaBase, QK_NORM, withHf, type Family } from "./family.js";

export const qwen3: Family = {
  name: "qwen3",
  gguf: "qwen3",
  hf: ["Qwen3ForCausalLM", "qwen3"],
  ggufRope: "half",
  config: (h, pairing) => ({ ...llamaBase(h, pairing), qkNorm: true, normEps: h.normEps ?? 1e-6, ropeTheta: h.ropeTheta ?? 1e6 }),
  tensors: withHf([...LLAMA_TOP, ...LLAMA_ATTENTION, ...QK_NORM(false), ...LLAMA_MLP], {}),
};
