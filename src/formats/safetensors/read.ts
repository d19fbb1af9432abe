// safetensors reader: the 8-byte header length, the JSON header validated as the reference implementation
// (huggingface/safetensors, Rust) does, and lazy per-tensor byte ranges. Not here: writing (write.ts),
// folders of shards (hf/folder.ts), dtype conversion to f32 (tensor-file.ts).
//
// Usage:
//   const st = readSafetensors("model.safetensors");   // reads 8 + header bytes only
//   st.tensors[0];                                     // { name, dtype: "BF16", shape: [V, C], begin, end }
//   st.metadata;                                       // __metadata__ (string → string)
//   safetensorsBytes(st, st.tensors[0]);               // raw little-endian bytes of that tensor
import { FormatError } from "../../util/errors.js";
import { type ByteSource, toSource } from "../source.js";
import { shapeSize, type TensorEntry } from "../tensor.js";

/** Element sizes of every dtype the format defines (safetensors/src/tensor.rs Dtype). */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8,
  I64: 8, U64: 8,
};
/** The reference implementation refuses headers larger than this (MAX_HEADER_SIZE). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: string;
  /** Row-major shape, outermost first (PyTorch order). [] is a scalar. */
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsFile {
  readonly source: ByteSource;
  /** 8 + header length: where the data section starts. */
  readonly dataOffset: number;
  /** In header order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  /** The __metadata__ object (string → string), empty if absent. */
  readonly metadata: ReadonlyMap<string, string>;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Parses and validates the header of a safetensors file given by path, bytes or a ByteSource. */
export function readSafetensors(input: string | Uint8Array | ByteSource, opts: { name?: string } = {}): SafetensorsFile {
  const src = toSource(input, opts.name);
  const fail = (msg: string): FormatError => new FormatError(src.name, msg);
  if (src.size < 8) throw fail(`truncated: ${src.size} bytes, a safetensors file starts with an 8-byte header length`);
  const n64 = new DataView(src.read(0, 8).slice().buffer).getBigUint64(0, true);
  if (n64 > BigInt(src.size - 8)) throw fail(`header length ${n64} exceeds the ${src.size - 8} bytes after it`);
  const n = Number(n64);
  if (n > SAFETENSORS_MAX_HEADER) throw fail(`header length ${n} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`);
  if (n < 2) throw fail(`header length ${n} is too small for a JSON object`);
  const raw = src.read(8, n);
  if (raw[0] !== 0x7b) throw fail(`header must start with "{", found byte 0x${raw[0]!.toString(16)}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw fail("header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw fail("header must be a JSON object");

  const metadata = new Map<string, string>();
  const tensors: SafetensorsTensorInfo[] = [];
  const dataSize = src.size - 8 - n;
  for (const [name, v] of Object.entries(json)) {
    if (name === "__metadata__") {
      if (!isObject(v)) throw fail("__metadata__ must be an object of strings");
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== "string") throw fail(`__metadata__.${k} must be a string, found ${typeof s}`);
        metadata.set(k, s);
      }
      continue;
    }
    const what = `tensor "${name}"`;
    if (!isObject(v)) throw fail(`${what}: expected an object {dtype, shape, data_offsets}`);
    for (const k of Object.keys(v)) {
      if (k !== "dtype" && k !== "shape" && k !== "data_offsets") throw fail(`${what}: unknown field "${k}"`);
    }
    const { dtype, shape, data_offsets: offs } = v;
    if (typeof dtype !== "string" || !(dtype in SAFETENSORS_DTYPE_BYTES)) throw fail(`${what}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw fail(`${what}: shape must be an array of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw fail(`${what}: data_offsets must be [begin, end] non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) throw fail(`${what}: data_offsets [${begin}, ${end}] are reversed`);
    if (end > dataSize) throw fail(`${what}: data_offsets end ${end} is beyond the ${dataSize}-byte data section`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count * SAFETENSORS_DTYPE_BYTES[dtype]! > dataSize) throw fail(`${what}: shape [${shape.join(", ")}] cannot fit in the file`);
    }
    const want = count * SAFETENSORS_DTYPE_BYTES[dtype]!;
    if (end - begin !== want) throw fail(`${what}: ${dtype}[${shape.join(", ")}] needs ${want} bytes, data_offsets span ${end - begin}`);
    tensors.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The data section is exactly covered, without holes or overlap (the format's rule against polyglot files).
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of sorted) {
    if (t.begin < at) throw fail(`tensor "${t.name}" overlaps the tensor before it (begins at ${t.begin}, previous ends at ${at})`);
    if (t.begin > at) throw fail(`hole in the data section: bytes ${at}..${t.begin} belong to no tensor`);
    at = t.end;
  }
  if (at !== dataSize) throw fail(`data section is ${dataSize} bytes but the tensors cover ${at}`);
  return { source: src, dataOffset: 8 + n, tensors, metadata };
}

/** The raw bytes of one tensor (read from disk on demand for file sources). */
export function safetensorsBytes(f: SafetensorsFile, t: SafetensorsTensorInfo): Uint8Array {
  return f.source.read(f.dataOffset + t.begin, t.end - t.begin);
}

/** The file's tensors as common TensorEntry records (bytes read on demand). */
export function safetensorsEntries(f: SafetensorsFile): TensorEntry[] {
  return f.tensors.map((t) => ({
    name: t.name, shape: t.shape, dtype: t.dtype, nElements: shapeSize(t.shape), nBytes: t.end - t.begin, file: f.source.name,
    bytes: () => safetensorsBytes(f, t),
  }));
}
