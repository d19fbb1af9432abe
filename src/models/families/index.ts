// Every model family kotodama runs, as data (one file each beside this one), and lookup by GGUF architecture or
// Hugging Face class. Not here: the loaders that use them (models/load-family.ts).
import { weightNaming, type ModelConfig } from "../config.js";
import { atLayer, fusedParts, type Family, type FamilyName } from "./family.js";
import { gemma2 } from "./gemma2.js";
import { gemma3 } from "./gemma3.js";
import { gpt2 } from "./gpt2.js";
import { llama } from "./llama.js";
import { phi3 } from "./phi3.js";
import { qwen2 } from "./qwen2.js";
import { qwen3 } from "./qwen3.js";

export type { CommonHparams, Family, FamilyName, FamilyTensor, FusedPart } from "./family.js";
export { atLayer, expandTensors, fusedParts } from "./family.js";
export { llama3RopeFactors } from "./llama.js";

export const FAMILIES: readonly Family[] = [llama, qwen2, qwen3, gemma2, gemma3, phi3, gpt2];

/** The family of a GGUF general.architecture, or undefined. */
export const familyOfGguf = (arch: string): Family | undefined => FAMILIES.find((f) => f.gguf === arch);

/** The family of a config.json architectures[0] or model_type, or undefined. */
export const familyOfHf = (arch: string): Family | undefined => FAMILIES.find((f) => f.hf.includes(arch));

export const familyByName = (name: string): Family | undefined => FAMILIES.find((f) => f.name === name);

/** The family whose flags a config carries (a kotodama run directory stores flags, not a family name): GPT-2's
 *  naming → gpt2; post-norms → gemma3 with q/k norms, else gemma2; q/k norms → qwen3; q/k/v biases → qwen2; else
 *  llama. Phi-3 differs from llama only in fused storage, which a run directory does not keep. */
export function familyOfConfig(c: ModelConfig): Family {
  const name: FamilyName = weightNaming(c) === "gpt2" ? "gpt2" : c.postNorms ? (c.qkNorm ? "gemma3" : "gemma2") : c.qkNorm ? "qwen3" : c.qkvBias ? "qwen2" : "llama";
  return familyByName(name)!;
}

/** Every fused matrix family f stores (Phi-3's qkv_proj, gate_up_proj; all families' when absent), by kotodama
 *  name at each layer of c, with the separate matrices the training decoder holds instead (FamilyTensor.parts). */
export function fusedMatrices(c: ModelConfig, family?: Family): Map<string, { name: string; row: number; rows: number }[]> {
  const out = new Map<string, { name: string; row: number; rows: number }[]>();
  for (const f of family === undefined ? FAMILIES : [family]) {
    for (const t of f.tensors) {
      if (t.parts === undefined) continue;
      for (let l = 0; l < c.nLayers; l++) out.set(atLayer(t.name, l), fusedParts(t, c, l));
    }
  }
  return out;
}
