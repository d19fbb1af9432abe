// LoRA adapters as llama.cpp's LoRA GGUF (what convert_lora_to_gguf.py writes and llama-adapter.cpp loads): the
// base's general.architecture, general.type "adapter", adapter.type "lora", adapter.lora.alpha, and per adapted
// matrix `<gguf name>.lora_a` (r, in) and `.lora_b` (out, r) in F32 (a fused matrix's adapters as one: lora-fuse.ts). Not here: PEFT folders (lora-peft.ts), the base
// model's GGUF (save-family.ts), aLoRA invocation tokens, adapters on the token embedding.
//
// llama.cpp applies an adapter in build_lora_mm as W·x + s·B·(A·x) with s = user_scale·alpha/r, r read from
// lora_b's ne[0] (llama_adapter_lora_weight::get_scale), and checks that lora_a's ne[0] equals the base tensor's
// ne[0] (in) and lora_b's ne[1] its ne[1] (out): in ggml's ne order lora_a is [in, r], lora_b [r, out], i.e. PEFT's
// row-major (r, in) and (out, r) unchanged. q/k rows of a `llama` base are in adjacent-pair RoPE order in GGUF; an
// adapter trained on a base held in HF's rotate-half order has its lora_b rows permuted like the base's q/k rows
// (convert_hf_to_gguf.py LlamaModel.permute applied to LoraTorchTensor, which permutes B only).
import { GgmlType, writeGgufFile, type GgufTensorToWrite, type GgufValue } from "../formats/index.js";
import { KotodamaError } from "../util/errors.js";
import type { ModelConfig } from "./config.js";
import { expandTensors, type Family } from "./families/index.js";
import type { LoraWeights } from "./lora.js";
import { storedAdapters } from "./lora-fuse.js";
import { loraBRows } from "./lora-peft.js";

const str = (value: string): GgufValue => ({ type: "string", value });

/** The adapter's metadata (llama-arch.cpp LLM_KV_GENERAL_TYPE, LLM_KV_ADAPTER_TYPE, LLM_KV_ADAPTER_LORA_ALPHA). */
export function loraGgufMetadata(f: Family, lw: LoraWeights, name: string): Map<string, GgufValue> {
  return new Map<string, GgufValue>([
    ["general.architecture", str(f.gguf)], ["general.type", str("adapter")], ["general.name", str(name)],
    ["adapter.type", str("lora")], ["adapter.lora.alpha", { type: "float32", value: lw.config.alpha }],
  ]);
}

/** The lora_a / lora_b tensors under GGUF names. c: the base model's config (its RoPE row order). */
export function loraGgufTensors(f: Family, c: ModelConfig, lw: LoraWeights): GgufTensorToWrite[] {
  if (c.pos === "rope" && c.ropePairing !== f.ggufRope && f.ggufRope === "half") {
    throw new KotodamaError(`${f.name}: q/k rows are in "${c.ropePairing}" RoPE order; GGUF ${f.gguf} files hold "half"`);
  }
  const gguf = new Map(expandTensors(f, c).map((e) => [e.name, e.gguf]));
  const bytes = (x: Float32Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const permute = c.pos === "rope" && c.ropePairing !== f.ggufRope; // HF-order base, `llama` GGUF: adjacent pairs
  const out: GgufTensorToWrite[] = [];
  for (const s of storedAdapters(f, c, lw, (name, b, rank) => (permute ? loraBRows(c, name, b, rank, "hf-to-gguf") : b))) {
    const g = gguf.get(s.name);
    if (g === undefined) throw new KotodamaError(`${f.name}: '${s.name}' has no GGUF tensor of its own; GGUF LoRA export of this target is not supported`);
    // llama.cpp scales by α/rank with the rank read from lora_b: a fused adapter of P stacked ranks gets B·P.
    const b = s.stacked === 1 ? s.b.slice() : s.b.map((x) => x * s.stacked);
    out.push({ name: `${g}.lora_a`, dims: [s.inF, s.rank], type: GgmlType.F32, data: bytes(s.a.slice()) });
    out.push({ name: `${g}.lora_b`, dims: [s.rank, s.outF], type: GgmlType.F32, data: bytes(b) });
  }
  return out;
}

/** Writes lw's adapters as a llama.cpp LoRA GGUF for a base of family f and config c (load it with llama.cpp's
 *  --lora FILE, or node-llama-cpp's createContext({ lora })). */
export function writeLoraGguf(path: string, f: Family, c: ModelConfig, lw: LoraWeights, name = "kotodama LoRA"): void {
  writeGgufFile(path, { metadata: loraGgufMetadata(f, lw, name), tensors: loraGgufTensors(f, c, lw) });
}
