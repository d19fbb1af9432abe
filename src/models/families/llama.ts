// The Llama family (llama.cpp `llama`, HF LlamaForCausalLM; also SmolLM/SmolLM2, TinyLlama, Llama 3.x, llama2.c
// checkpoints): RMSNorm, RoPE, SwiGLU, grouped-query attention, and Llama 3.1's per-pair RoPE frequency factors.
// Not here: Mistral's sliding window as a GGUF key (llama.cpp runs Mistral 7B v0.1 GGUFs without one, so do we).
import { ropeDims, type ModelConfig } from "../config.js";
import { LLAMA_ATTENTION, LLAMA_MLP, LLAMA_TOP, llamaBase, type Family } from "./family.js";

/** Llama 3.1's RoPE frequency factors from config.json rope_scaling {rope_type "llama3", factor, low_freq_factor,
 *  high_freq_factor, original_max_position_embeddings}: the values llama.cpp's converter stores as rope_freqs
 *  (convert_hf_to_gguf.py LlamaModel.generate_extra_tensors; Meta's reference apply_scaling). */
export function llama3RopeFactors(c: ModelConfig, s: Readonly<Record<string, unknown>>): Float32Array {
  const num = (k: string, d: number): number => (typeof s[k] === "number" ? (s[k] as number) : d);
  const factor = num("factor", 8), low = num("low_freq_factor", 1), high = num("high_freq_factor", 4);
  const old = num("original_max_position_embeddings", 8192);
  const lowWavelen = old / low, highWavelen = old / high;
  const R = ropeDims(c);
  const out = new Float32Array(R / 2);
  for (let i = 0; i < R / 2; i++) {
    const freq = 1 / Math.pow(c.ropeTheta, (2 * i) / R);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = (old / wavelen - low) / (high - low);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}

export const llama: Family = {
  name: "llama",
  gguf: "llama",
  hf: ["LlamaForCausalLM", "llama"],
  ggufRope: "adjacent",
  config: (h, pairing) => llamaBase(h, pairing),
  tensors: [
    ...LLAMA_TOP,
    // Llama 3.1+: per-pair RoPE frequency divisors (absent in older files: plain RoPE).
    { name: "model.rope_freqs", gguf: "rope_freqs.weight", hf: null, shape: (c) => [ropeDims(c) / 2], optional: true },
    ...LLAMA_ATTENTION,
    ...LLAMA_MLP,
  ],
};
