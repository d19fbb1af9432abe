// GGUF v2/v3 reader: header, metadata (all value types, nested arrays), tensor infos, alignment and data
// offset, every declared size checked against the bytes that remain BEFORE anything is allocated.
// Not here: dequantization (formats/quant/), model mapping (models/), writing (write.ts).
//
// Usage:
//   import { readGguf, tensorBytes, metaString, metaStringArray } from "../formats/gguf/index.js";
//   const f = readGguf("model.gguf");              // or readGguf(bytes) / readGguf(byteSource); reads the header only
//   metaString(f.metadata, "general.architecture");  // "llama"
//   metaStringArray(f.metadata, "tokenizer.ggml.tokens"); // string[]
//   f.metadata.get("tokenizer.ggml.scores");        // { type: "array", itemType: "float32", value: Float32Array }
//   const t = f.tensors[0];                          // { name, dims (ne0 first), type, typeName, offset, nBytes, ... }
//   tensorBytes(f, t);                               // the raw bytes of t as stored (read lazily from disk)
// Errors: FormatError(file, message) for anything malformed, with the byte offset and field.
import { FormatError } from "../../util/errors.js";
import { type ByteSource, toSource } from "../source.js";
import { type GgmlTypeInfo, ggmlTypeInfo } from "./ggml-types.js";
import { type GgufArray, type GgufMetadata, type GgufScalarType, type GgufValue, GgufWireType } from "./value.js";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;
/** Deepest array-of-array nesting accepted (llama.cpp accepts none; gguf-py any). */
export const GGUF_MAX_NESTING = 8;

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml ne: dims[0] is the row length (fastest-varying); numpy shape is dims reversed. */
  readonly dims: readonly number[];
  /** ggml type id (see ggml-types.ts). */
  readonly type: number;
  readonly typeName: string;
  /** Byte offset relative to the data section (a multiple of the alignment). */
  readonly offset: number;
  readonly nElements: number;
  readonly nBytes: number;
}

export interface GgufFile {
  readonly source: ByteSource;
  readonly version: 2 | 3;
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute file offset of the data section (header end rounded up to the alignment). */
  readonly dataOffset: number;
  /** Bytes taken by the header (metadata + tensor infos) before the alignment padding. */
  readonly headerSize: number;
}

const WINDOW = 1 << 20;
// ignoreBOM: a token may be exactly "\uFEFF" (llama-spm has one); the default decoder would drop it.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const wireName = new Map<number, string>(Object.entries(GgufWireType).map(([k, v]) => [v, k]));

/** Element byte sizes of the fixed-size wire types; strings/arrays are variable. */
const fixedSize: Record<string, number> = {
  uint8: 1, int8: 1, bool: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, uint64: 8, int64: 8, float64: 8,
};
/** Smallest encoding of one item: string = 8-byte length; array = 4-byte type + 8-byte count. */
const minSize = (t: string): number => fixedSize[t] ?? (t === "string" ? 8 : 12);

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("kotodama formats need a little-endian host");

/** A bounds-checked little-endian cursor over a ByteSource, buffering a window of it. */
export class Cursor {
  pos: number;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  private dv = new DataView(this.win.buffer);

  constructor(
    readonly src: ByteSource,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  fail(message: string, at = this.pos): FormatError {
    return new FormatError(this.src.name, `${message} (at byte ${at})`);
  }

  /** Makes [pos, pos+n) readable from the window and returns its index there; throws if the file is too short. */
  private need(n: number, what: string): number {
    if (n > this.remaining) throw this.fail(`truncated: ${what} needs ${n} bytes, ${this.remaining} left`);
    const rel = this.pos - this.winStart;
    if (rel >= 0 && rel + n <= this.win.length) return rel;
    const len = Math.min(Math.max(n, WINDOW), this.remaining);
    this.win = this.src.read(this.pos, len);
    this.winStart = this.pos;
    this.dv = new DataView(this.win.buffer, this.win.byteOffset, this.win.byteLength);
    return 0;
  }

  u8(what: string): number {
    const i = this.need(1, what);
    this.pos += 1;
    return this.dv.getUint8(i);
  }
  u32(what: string): number {
    const i = this.need(4, what);
    this.pos += 4;
    return this.dv.getUint32(i, true);
  }
  u64(what: string): bigint {
    const i = this.need(8, what);
    this.pos += 8;
    return this.dv.getBigUint64(i, true);
  }
  /** A u64 that must be ≤ limit (so it is a safe JS number); `limit` comes from the bytes left. */
  count(what: string, limit: number): number {
    const at = this.pos;
    const v = this.u64(what);
    if (v > BigInt(limit)) throw this.fail(`${what} is ${v}, more than the file can hold (≤ ${limit})`, at);
    return Number(v);
  }
  /** Copies n bytes out (aligned, owned by the caller). */
  bytes(n: number, what: string): Uint8Array {
    const i = this.need(n, what);
    this.pos += n;
    return this.win.slice(i, i + n);
  }
  scalar(type: GgufScalarType, what: string): GgufValue {
    const sz = fixedSize[type];
    if (type === "string") return { type, value: this.string(what) };
    const i = this.need(sz ?? 0, what);
    this.pos += sz ?? 0;
    const dv = this.dv;
    switch (type) {
      case "uint8": return { type, value: dv.getUint8(i) };
      case "int8": return { type, value: dv.getInt8(i) };
      case "uint16": return { type, value: dv.getUint16(i, true) };
      case "int16": return { type, value: dv.getInt16(i, true) };
      case "uint32": return { type, value: dv.getUint32(i, true) };
      case "int32": return { type, value: dv.getInt32(i, true) };
      case "float32": return { type, value: dv.getFloat32(i, true) };
      case "float64": return { type, value: dv.getFloat64(i, true) };
      case "uint64": return { type, value: dv.getBigUint64(i, true) };
      case "int64": return { type, value: dv.getBigInt64(i, true) };
      case "bool": {
        const b = dv.getUint8(i);
        if (b > 1) throw this.fail(`${what}: bool must be 0 or 1, found ${b}`, this.pos - 1);
        return { type, value: b === 1 };
      }
    }
  }
  string(what: string): string {
    const n = this.count(`${what} length`, this.remaining - 8);
    const i = this.need(n, what);
    this.pos += n;
    return utf8.decode(this.win.subarray(i, i + n));
  }
}

function readWireType(c: Cursor, what: string): string {
  const at = c.pos;
  const id = c.u32(`${what} type`);
  const name = wireName.get(id);
  if (name === undefined) throw c.fail(`${what}: unknown metadata value type ${id} (expected 0..12)`, at);
  return name;
}

function readArray(c: Cursor, what: string, depth: number): GgufArray {
  if (depth > GGUF_MAX_NESTING) throw c.fail(`${what}: arrays nested deeper than ${GGUF_MAX_NESTING}`);
  const itemType = readWireType(c, `${what} item`);
  const itemMin = minSize(itemType);
  const n = c.count(`${what} item count`, Math.floor(Math.max(0, c.remaining - 8) / itemMin));
  const fixed = fixedSize[itemType];
  if (itemType === "string") {
    const out: string[] = new Array<string>(n);
    for (let k = 0; k < n; k++) out[k] = c.string(`${what}[${k}]`);
    return { type: "array", itemType, value: out };
  }
  if (itemType === "array") {
    const out: GgufArray[] = [];
    for (let k = 0; k < n; k++) out.push(readArray(c, `${what}[${k}]`, depth + 1));
    return { type: "array", itemType, value: out };
  }
  if (itemType === "bool") {
    const raw = c.bytes(n, what);
    const out: boolean[] = new Array<boolean>(n);
    for (let k = 0; k < n; k++) {
      if (raw[k]! > 1) throw c.fail(`${what}[${k}]: bool must be 0 or 1, found ${raw[k]}`, c.pos - n + k);
      out[k] = raw[k] === 1;
    }
    return { type: "array", itemType, value: out };
  }
  const b = c.bytes(n * fixed!, what).buffer;
  switch (itemType) {
    case "uint8": return { type: "array", itemType, value: new Uint8Array(b) };
    case "int8": return { type: "array", itemType, value: new Int8Array(b) };
    case "uint16": return { type: "array", itemType, value: new Uint16Array(b) };
    case "int16": return { type: "array", itemType, value: new Int16Array(b) };
    case "uint32": return { type: "array", itemType, value: new Uint32Array(b) };
    case "int32": return { type: "array", itemType, value: new Int32Array(b) };
    case "float32": return { type: "array", itemType, value: new Float32Array(b) };
    case "float64": return { type: "array", itemType, value: new Float64Array(b) };
    case "uint64": return { type: "array", itemType, value: new BigUint64Array(b) };
    case "int64": return { type: "array", itemType, value: new BigInt64Array(b) };
  }
  throw c.fail(`${what}: unexpected item type ${itemType}`);
}

function readValue(c: Cursor, key: string): GgufValue {
  const type = readWireType(c, `metadata ${key}`);
  if (type === "array") return readArray(c, `metadata ${key}`, 1);
  return c.scalar(type as GgufScalarType, `metadata ${key}`);
}

export interface ReadGgufOptions {
  /** Label for errors when input is bytes. */
  readonly name?: string;
}

/** Parses a GGUF file's header (metadata + tensor infos) and validates every tensor's extent. Tensor data is
 *  not read: use tensorBytes. Accepts a path, bytes or a ByteSource. */
export function readGguf(input: string | Uint8Array | ByteSource, opts: ReadGgufOptions = {}): GgufFile {
  const src = toSource(input, opts.name);
  const c = new Cursor(src);
  const magic = c.u32("magic");
  if (magic !== GGUF_MAGIC) throw c.fail(`not a GGUF file: magic is 0x${magic.toString(16).padStart(8, "0")}, expected "GGUF"`, 0);
  const version = c.u32("version");
  if (version === 1) throw c.fail("GGUF version 1 is not supported (expected 2 or 3)", 4);
  if (version !== 2 && version !== 3) {
    const swapped = version > 0xffff && (version & 0xffff) === 0;
    throw c.fail(`unsupported GGUF version ${version}${swapped ? " (a big-endian GGUF file?)" : ""}; expected 2 or 3`, 4);
  }
  // Smallest tensor info: 8 (name len) + 4 (n_dims) + 8 (one dim) + 4 (type) + 8 (offset) = 32 bytes;
  // smallest key/value: 8 (key len) + 4 (type) + 1 (u8 value) = 13 bytes.
  const nTensors = c.count("tensor count", Math.floor((c.remaining - 8) / 32));
  const nKv = c.count("metadata key/value count", Math.floor(c.remaining / 13));

  const metadata = new Map<string, GgufValue>();
  for (let k = 0; k < nKv; k++) {
    const at = c.pos;
    const key = c.string(`metadata key #${k}`);
    if (metadata.has(key)) throw c.fail(`duplicate metadata key "${key}"`, at);
    metadata.set(key, readValue(c, key));
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get("general.alignment");
  if (al !== undefined) {
    if (al.type !== "uint32") throw new FormatError(src.name, `general.alignment must be uint32, found ${al.type}`);
    if (al.value === 0 || (al.value & (al.value - 1)) !== 0) {
      throw new FormatError(src.name, `general.alignment must be a power of two, found ${al.value}`);
    }
    alignment = al.value;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let k = 0; k < nTensors; k++) {
    const at = c.pos;
    const name = c.string(`tensor #${k} name`);
    if (names.has(name)) throw c.fail(`duplicate tensor name "${name}"`, at);
    names.add(name);
    const what = `tensor "${name}"`;
    const nDimsAt = c.pos;
    const nDims = c.u32(`${what} n_dims`);
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) throw c.fail(`${what}: n_dims is ${nDims}, expected 1..${GGUF_MAX_DIMS}`, nDimsAt);
    const dims: number[] = [];
    let nElements = 1;
    for (let d = 0; d < nDims; d++) {
      const dimAt = c.pos;
      const v = c.u64(`${what} dim ${d}`);
      // Any real tensor's element count is bounded by the file size (≥ 1/8 byte per element for any type).
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw c.fail(`${what}: dim ${d} = ${v} is absurd`, dimAt);
      const n = Number(v);
      nElements *= n;
      if (nElements > src.size * 8) throw c.fail(`${what}: ${dims.concat(n).join("×")} elements cannot fit in the file`, dimAt);
      dims.push(n);
    }
    const typeAt = c.pos;
    const type = c.u32(`${what} type`);
    const info: GgmlTypeInfo | undefined = ggmlTypeInfo(type);
    if (info === undefined) throw c.fail(`${what}: unknown ggml type ${type}`, typeAt);
    if (dims[0]! % info.blockSize !== 0) {
      throw c.fail(`${what}: row length ${dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`, typeAt);
    }
    const offAt = c.pos;
    const off = c.u64(`${what} offset`);
    if (off > BigInt(src.size)) throw c.fail(`${what}: data offset ${off} is beyond the end of the file`, offAt);
    const offset = Number(off);
    if (offset % alignment !== 0) throw c.fail(`${what}: data offset ${offset} is not a multiple of the alignment ${alignment}`, offAt);
    const nBytes = (nElements / info.blockSize) * info.typeSize;
    tensors.push({ name, dims, type, typeName: info.name, offset, nElements, nBytes });
  }

  const headerSize = c.pos;
  const dataOffset = Math.ceil(headerSize / alignment) * alignment;
  // Extents: inside the file, and not overlapping one another (the spec lays tensors out without overlap).
  const dataSize = src.size - dataOffset;
  for (const t of tensors) {
    if (t.offset + t.nBytes > dataSize) {
      throw new FormatError(src.name, `tensor "${t.name}": ${t.nBytes} bytes at data offset ${t.offset} run past the end of the file (data section is ${Math.max(0, dataSize)} bytes from byte ${dataOffset})`);
    }
  }
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let k = 1; k < sorted.length; k++) {
    const p = sorted[k - 1]!, t = sorted[k]!;
    if (p.offset + p.nBytes > t.offset && t.nBytes > 0) {
      throw new FormatError(src.name, `tensors "${p.name}" and "${t.name}" overlap in the data section`);
    }
  }
  return { source: src, version, metadata, tensors, alignment, dataOffset, headerSize };
}

/** The raw stored bytes of one tensor (a view for in-memory sources, a fresh read for files). */
export function tensorBytes(file: GgufFile, t: GgufTensorInfo): Uint8Array {
  return file.source.read(file.dataOffset + t.offset, t.nBytes);
}

/** The tensor with this name, or a FormatError naming the file. */
export function findTensor(file: GgufFile, name: string): GgufTensorInfo {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) throw new FormatError(file.source.name, `no tensor named "${name}"`);
  return t;
}
