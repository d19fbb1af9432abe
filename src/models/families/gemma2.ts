// The Gemma 2 family (llama.cpp `gemma2`, HF Gemma2ForCausalLM): Gemma's layer (gemma.ts) with soft-capped
// attention scores (50) and output logits (30), and a 4096-token sliding window on every other layer (0, 2, …).
// Not here: what Gemma 3 changes (gemma3.ts).
import { GEMMA_LAYER, gemmaAttnScale, gemmaBase } from "./gemma.js";
import type { Family } from "./family.js";

export const gemma2: Family = {
  name: "gemma2",
  gguf: "gemma2",
  hf: ["Gemma2ForCausalLM", "gemma2"],
  ggufRope: "half",
  // 46 layers = Gemma 2 27B (llama.cpp's LLM_TYPE_27B), whose query scale is 1/√(C/H) rather than 1/√D.
  config: (h, pairing) => ({
    ...gemmaBase(h, pairing), swaPeriod: 2, attnSoftcap: h.attnSoftcap, finalSoftcap: h.finalSoftcap,
    attnScale: gemmaAttnScale(h, h.nLayers === 46),
  }),
  tensors: GEMMA_LAYER([]),
};
