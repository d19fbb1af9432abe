// The common in-memory view of any model file: named tensors {name, shape, dtype, bytes on demand} plus
// metadata, opened from GGUF, safetensors, a Hugging Face folder or a llama2.c checkpoint; and NamedTensor,
// a tensor with its data in memory (typed array or quantized block bytes). Not here: the formats' parsing
// (their folders) or any model-specific renaming (models/).
import { statSync } from "node:fs";
import { FormatError, KotodamaError } from "../util/errors.js";
import { ggmlTypeByName } from "./gguf/ggml-types.js";
import type { GgufTensorToWrite } from "./gguf/write.js";
import type { SafetensorsTensorToWrite } from "./safetensors/write.js";
import { GGUF_MAGIC, readGguf, tensorBytes } from "./gguf/read.js";
import type { GgufMetadata, GgufValue } from "./gguf/value.js";
import { readHfFolder } from "./hf/folder.js";
import { llama2cTensorData, readLlama2c } from "./llama2c/read.js";
import { dequantize, quantize } from "./quant/index.js";
import { readSafetensors, safetensorsEntries } from "./safetensors/read.js";
import { fileSource } from "./source.js";
import { type NamedTensor, shapeSize, type TensorEntry } from "./tensor.js";

export type { NamedTensor, TensorEntry } from "./tensor.js";

export type FileFormat = "gguf" | "safetensors" | "hf-folder" | "llama2c";

export interface TensorFile {
  readonly format: FileFormat;
  readonly path: string;
  /** Bytes on disk (all shards for a folder). */
  readonly fileSize: number;
  /** GGUF metadata as is; safetensors __metadata__ as strings; llama2.c's config as int32s. */
  readonly metadata: GgufMetadata;
  /** config.json of a Hugging Face folder. */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly tensors: readonly TensorEntry[];
  /** Format-specific facts for display (GGUF version, alignment, data offset; shard names; ...). */
  readonly details: Readonly<Record<string, string | number>>;
}

const count = shapeSize;

function ggufTensorFile(path: string): TensorFile {
  const f = readGguf(path);
  return {
    format: "gguf",
    path,
    fileSize: f.source.size,
    metadata: f.metadata,
    details: { version: f.version, alignment: f.alignment, dataOffset: f.dataOffset },
    tensors: f.tensors.map((t) => ({
      name: t.name, shape: [...t.dims].reverse(), dtype: t.typeName, nElements: t.nElements, nBytes: t.nBytes, file: path,
      bytes: () => tensorBytes(f, t),
    })),
  };
}

function safetensorsTensorFile(path: string): TensorFile {
  const f = readSafetensors(path);
  const metadata = new Map<string, GgufValue>([...f.metadata].map(([k, v]) => [k, { type: "string", value: v }]));
  return { format: "safetensors", path, fileSize: f.source.size, metadata, tensors: safetensorsEntries(f), details: { headerBytes: f.dataOffset - 8 } };
}

function llama2cTensorFile(path: string): TensorFile {
  const f = readLlama2c(path);
  const c = f.config;
  const i32 = (value: number): GgufValue => ({ type: "int32", value });
  const metadata = new Map<string, GgufValue>([
    ["dim", i32(c.dim)], ["hidden_dim", i32(c.hiddenDim)], ["n_layers", i32(c.nLayers)], ["n_heads", i32(c.nHeads)],
    ["n_kv_heads", i32(c.nKvHeads)], ["vocab_size", i32(c.vocabSize)], ["seq_len", i32(c.seqLen)],
    ["shared_classifier", { type: "bool", value: c.sharedClassifier }], ["version", i32(c.version)],
  ]);
  return {
    format: "llama2c", path, fileSize: f.source.size, metadata, details: { version: c.version },
    tensors: f.tensors.map((t) => ({
      name: t.name, shape: t.shape, dtype: "F32", nElements: count(t.shape), nBytes: count(t.shape) * 4, file: path,
      bytes: () => new Uint8Array(llama2cTensorData(f, t).buffer),
    })),
  };
}

/** Opens a model by content: a directory is a Hugging Face folder; a file starting "GGUF" is GGUF; a file
 *  whose first 8 bytes are a plausible header length followed by "{" is safetensors; a ".bin" file is read
 *  as a llama2.c checkpoint. Only headers are read; tensor bytes come on demand. */
export function openTensorFile(path: string): TensorFile {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot open: ${(e as Error).message}`);
  }
  if (st.isDirectory()) {
    const h = readHfFolder(path);
    const metadata = new Map<string, GgufValue>([...h.metadata].map(([k, v]) => [k, { type: "string", value: v }]));
    const details = { shards: h.shards.join(", "), tokenizerJson: h.hasTokenizerJson ? "present" : "absent" };
    return { format: "hf-folder", path, fileSize: h.fileSize, metadata, config: h.config, tensors: h.tensors, details };
  }
  const src = fileSource(path);
  const head = src.read(0, Math.min(16, src.size));
  const dv = new DataView(head.slice().buffer);
  if (head.length >= 4 && dv.getUint32(0, true) === GGUF_MAGIC) return ggufTensorFile(path);
  if (head.length >= 9 && head[8] === 0x7b && dv.getBigUint64(0, true) < BigInt(src.size)) return safetensorsTensorFile(path);
  if (path.endsWith(".bin")) return llama2cTensorFile(path);
  throw new FormatError(path, "unknown model format (expected GGUF, safetensors, a Hugging Face folder or a llama2.c .bin)");
}

/** The ggml type id for a dtype name, or an error naming the tensor. */
function typeId(name: string, dtype: string): number {
  const t = ggmlTypeByName(dtype);
  if (t === undefined) throw new KotodamaError(`tensor "${name}": dtype ${dtype} has no f32 conversion`);
  return t.id;
}

/** A tensor's values as a fresh Float32Array (exact widening for F16/BF16, ggml's dequantizers for blocks). */
export function tensorF32(t: TensorEntry | NamedTensor): Float32Array {
  const raw = "bytes" in t ? t.bytes() : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return dequantize(typeId(t.name, t.dtype), raw, count(t.shape));
}

/** Reads an entry into memory with its stored dtype. */
export function loadTensor(t: TensorEntry): NamedTensor {
  const raw = t.bytes().slice();
  const data = t.dtype === "F32" ? new Float32Array(raw.buffer) : t.dtype === "F16" || t.dtype === "BF16" ? new Uint16Array(raw.buffer) : raw;
  return { name: t.name, shape: t.shape, dtype: t.dtype, data };
}

/** An f32 tensor converted to `dtype` (F32, F16, BF16, Q8_0, Q4_0; rows must be whole blocks). */
export function fromF32(name: string, shape: readonly number[], x: Float32Array, dtype = "F32"): NamedTensor {
  if (x.length !== count(shape)) throw new KotodamaError(`tensor "${name}": ${x.length} values for shape [${shape.join(", ")}]`);
  const b = quantize(typeId(name, dtype), x);
  const data = dtype === "F32" ? new Float32Array(b.buffer) : dtype === "F16" || dtype === "BF16" ? new Uint16Array(b.buffer) : b;
  return { name, shape, dtype, data };
}

/** The raw little-endian bytes of an in-memory tensor. */
export function namedTensorBytes(t: NamedTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Total elements over all tensors (a tied embedding stored twice counts twice). */
export function parameterCount(f: TensorFile): number {
  return f.tensors.reduce((a, t) => a + t.nElements, 0);
}

/** In-memory tensors as GGUF tensors (shape reversed into ne order; dtype names are ggml type names). */
export function toGgufTensors(tensors: readonly NamedTensor[]): GgufTensorToWrite[] {
  return tensors.map((t) => ({ name: t.name, dims: t.shape.length === 0 ? [1] : [...t.shape].reverse(), type: typeId(t.name, t.dtype), data: namedTensorBytes(t) }));
}

/** In-memory tensors as safetensors tensors (F32/F16/BF16 and the integer dtypes; not quantized blocks). */
export function toSafetensorsTensors(tensors: readonly NamedTensor[]): SafetensorsTensorToWrite[] {
  return tensors.map((t) => {
    if (ggmlTypeByName(t.dtype) !== undefined && ggmlTypeByName(t.dtype)!.blockSize > 1) {
      throw new KotodamaError(`tensor "${t.name}": ${t.dtype} blocks cannot be stored in safetensors (dequantize first)`);
    }
    return { name: t.name, dtype: t.dtype, shape: t.shape, data: namedTensorBytes(t) };
  });
}
