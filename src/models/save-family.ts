// Writing any family's model as GGUF from its table (models/families/): the general.* and `{arch}.*` keys for the
// config's flags with llama.cpp's wire types, and every tensor under its GGUF name in F32, F16, Q8_0 or Q4_0
// (matrices only; norms, biases and 1-D tensors stay F32 as llama-quantize keeps them). Not here: choosing a
// tokenizer's tokenizer.ggml.* keys (the caller passes them), HF folders, reading.
import { GgmlType, LlamaFileType, quantize, writeGgufFile, type GgufTensorToWrite, type GgufValue } from "../formats/index.js";
import { KotodamaError } from "../util/errors.js";
import { headDim, ropeDims, type ModelConfig } from "./config.js";
import { expandTensors, type Family } from "./families/index.js";

export type GgufWeightType = "f32" | "f16" | "q8_0" | "q4_0";

const TYPE: Readonly<Record<GgufWeightType, { ggml: number; file: number }>> = {
  f32: { ggml: GgmlType.F32, file: LlamaFileType.ALL_F32 },
  f16: { ggml: GgmlType.F16, file: LlamaFileType.MOSTLY_F16 },
  q8_0: { ggml: GgmlType.Q8_0, file: LlamaFileType.MOSTLY_Q8_0 },
  q4_0: { ggml: GgmlType.Q4_0, file: LlamaFileType.MOSTLY_Q4_0 },
};

const u32 = (value: number): GgufValue => ({ type: "uint32", value });
const f32 = (value: number): GgufValue => ({ type: "float32", value });
const str = (value: string): GgufValue => ({ type: "string", value });

/** general.* and `{arch}.*` keys for a config of family f (llama.cpp llama-arch.cpp LLM_KV names and types). */
export function familyGgufMetadata(f: Family, c: ModelConfig, name: string, type: GgufWeightType): [string, GgufValue][] {
  const a = f.gguf;
  const out: [string, GgufValue][] = [
    ["general.architecture", str(a)], ["general.name", str(name)], ["general.file_type", u32(TYPE[type].file)],
    [`${a}.context_length`, u32(c.context)], [`${a}.embedding_length`, u32(c.dim)], [`${a}.block_count`, u32(c.nLayers)],
    [`${a}.feed_forward_length`, u32(c.hiddenDim)], [`${a}.attention.head_count`, u32(c.nHeads)],
  ];
  if (c.norm === "layer") out.push([`${a}.attention.layer_norm_epsilon`, f32(c.normEps)]);
  else out.push([`${a}.attention.head_count_kv`, u32(c.nKvHeads)], [`${a}.attention.layer_norm_rms_epsilon`, f32(c.normEps)]);
  if (c.pos === "rope") out.push([`${a}.rope.freq_base`, f32(c.ropeTheta)], [`${a}.rope.dimension_count`, u32(ropeDims(c))]);
  if (c.headSize > 0) out.push([`${a}.attention.key_length`, u32(headDim(c))], [`${a}.attention.value_length`, u32(headDim(c))]);
  if (c.slidingWindow > 0) out.push([`${a}.attention.sliding_window`, u32(c.slidingWindow)]);
  if (c.attnSoftcap > 0) out.push([`${a}.attn_logit_softcapping`, f32(c.attnSoftcap)]);
  if (c.finalSoftcap > 0) out.push([`${a}.final_logit_softcapping`, f32(c.finalSoftcap)]);
  if (c.ropeScale !== 1) out.push([`${a}.rope.scaling.type`, str("linear")], [`${a}.rope.scaling.factor`, f32(c.ropeScale)]);
  if (type !== "f32" && type !== "f16") out.push(["general.quantization_version", u32(2)]);
  return out;
}

/** Every tensor of the config under its GGUF name, matrices stored as `type`. `tensors` holds kotodama names
 *  (f32, Linear weights (out, in)); q/k rows must already be in the family's GGUF RoPE order. */
export function familyGgufTensors(f: Family, c: ModelConfig, tensors: ReadonlyMap<string, Float32Array>, type: GgufWeightType): GgufTensorToWrite[] {
  if (c.pos === "rope" && c.ropePairing !== f.ggufRope) {
    throw new KotodamaError(`${f.name}: q/k rows are in "${c.ropePairing}" RoPE order; GGUF ${f.gguf} files hold "${f.ggufRope}" (convert permutes them)`);
  }
  const out: GgufTensorToWrite[] = [];
  for (const e of expandTensors(f, c)) {
    const x = tensors.get(e.name);
    if (x === undefined) {
      if (e.t.optional === true) continue;
      throw new KotodamaError(`${f.name}: missing tensor '${e.name}' (GGUF ${e.gguf})`);
    }
    const shape = e.t.shape(c);
    const n = shape.reduce((p, d) => p * d, 1);
    if (x.length !== n) throw new KotodamaError(`${f.name}: tensor '${e.name}' has ${x.length} values, expected [${shape.join(", ")}]`);
    const dims = [...shape].reverse(); // ggml ne order: row length first
    // llama-quantize keeps 1-D tensors in F32 and quantizes only rows of whole blocks; the token embedding is
    // quantized like any matrix.
    const quantizable = shape.length === 2 && (type === "f16" || shape[1]! % 32 === 0);
    const t = quantizable ? TYPE[type].ggml : GgmlType.F32;
    out.push({ name: e.gguf, dims, type: t, data: () => (t === GgmlType.F32 ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : quantize(t, x)) });
  }
  return out;
}

/** Writes a family model to `path` (temp file + rename inside writeGgufFile's caller is the caller's business). */
export function writeFamilyGguf(path: string, f: Family, c: ModelConfig, tensors: ReadonlyMap<string, Float32Array>, type: GgufWeightType, tokenizer: readonly [string, GgufValue][], name: string = f.name): void {
  const metadata = new Map<string, GgufValue>([...familyGgufMetadata(f, c, name, type), ...tokenizer]);
  writeGgufFile(path, { metadata, tensors: familyGgufTensors(f, c, tensors, type) });
}
