// The Qwen2 family (llama.cpp `qwen2`, HF Qwen2ForCausalLM; Qwen2.5 and its Coder/Math models): Llama with
// biases on the q, k and v projections and rotate-half RoPE in GGUF. Not here: Qwen2's optional sliding window
// (use_sliding_window is false in every released config).
import { LLAMA_ATTENTION, LLAMA_MLP, LLAMA_TOP, llamaBase, withHf, type Family } from "./family.js";

export const qwen2: Family = {
  name: "qwen2",
  gguf: "qwen2",
  hf: ["Qwen2ForCausalLM", "qwen2"],
  ggufRope: "half",
  config: (h, pairing) => ({ ...llamaBase(h, pairing), qkvBias: true, normEps: h.normEps ?? 1e-6, ropeTheta: h.ropeTheta ?? 1e6 }),
  tensors: withHf([...LLAMA_TOP, ...LLAMA_ATTENTION, ...LLAMA_MLP], {}),
};
