// The Gemma 3 family, text models (llama.cpp `gemma3`, HF Gemma3ForCausalLM / gemma3_text; Gemma 3 1B and the
// language part of the larger ones): Gemma's layer with q/k RMSNorm instead of soft-capping, five sliding layers
// (RoPE base 10000) to one global layer (RoPE base 1e6, linear scaling 8 on 4B+). Not here: the vision tower.
import { QK_NORM, type Family } from "./family.js";
import { GEMMA_LAYER, gemmaAttnScale, gemmaBase } from "./gemma.js";

export const gemma3: Family = {
  name: "gemma3",
  gguf: "gemma3",
  hf: ["Gemma3ForCausalLM", "gemma3_text"],
  ggufRope: "half",
  // llama.cpp hard-codes both the 5:1 pattern and the local base (llama-model.cpp, LLM_ARCH_GEMMA3); 62 layers =
  // Gemma 3 27B, whose query scale is 1/√(C/H).
  config: (h, pairing) => ({
    ...gemmaBase(h, pairing), qkNorm: true, swaPeriod: 6, ropeThetaLocal: 10000, ropeTheta: h.ropeTheta ?? 1e6,
    attnScale: gemmaAttnScale(h, h.nLayers === 62),
  }),
  tensors: GEMMA_LAYER(QK_NORM(true)),
};
