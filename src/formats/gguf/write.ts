// GGUF v3 writer: metadata (all value types, nested arrays) and tensors laid out as the spec and llama.cpp's
// gguf_write do it (tensor i at the aligned end of tensor i−1, zero padding after every tensor, data section
// at the aligned end of the header). Not here: which keys a model needs (conventions.ts) or quantizing.
//
// Usage:
//   const bytes = encodeGguf({ metadata, tensors: [{ name, dims /* ne0 first */, type: GgmlType.F32, data }] });
//   writeGgufFile("out.gguf", { metadata, tensors });   // streamed: one tensor in memory at a time if `data` is a function
import { closeSync, openSync, writeSync } from "node:fs";
import { KotodamaError } from "../../util/errors.js";
import { ggmlTypeInfo } from "./ggml-types.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_DIMS, GGUF_MAX_NESTING } from "./read.js";
import { type GgufArray, type GgufMetadata, type GgufValue, GgufWireType } from "./value.js";

export interface GgufTensorToWrite {
  readonly name: string;
  /** ggml ne order: dims[0] is the row length. */
  readonly dims: readonly number[];
  readonly type: number;
  /** The stored bytes, or a function producing them (called once, when the tensor is written). */
  readonly data: Uint8Array | (() => Uint8Array);
}

export interface GgufToWrite {
  /** Written in Map order. general.alignment (uint32, a power of two), if present, sets the alignment. */
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorToWrite[];
}

const enc = new TextEncoder();
const pad = (n: number, a: number): number => Math.ceil(n / a) * a;

const intRange: Record<string, [number, number]> = {
  uint8: [0, 0xff], int8: [-0x80, 0x7f], uint16: [0, 0xffff], int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff], int32: [-0x80000000, 0x7fffffff],
};
const fixedSize: Record<string, number> = {
  uint8: 1, int8: 1, bool: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, uint64: 8, int64: 8, float64: 8,
};

const typedCtor: Record<string, abstract new (...args: never[]) => ArrayBufferView> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array, uint64: BigUint64Array, int64: BigInt64Array,
};

/** Growable little-endian byte sink. */
class Sink {
  buf = new Uint8Array(1 << 16);
  dv = new DataView(this.buf.buffer);
  len = 0;
  private room(n: number): number {
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  // room() may reallocate buf/dv: always call it before touching them.
  u32(v: number): void {
    const at = this.room(4);
    this.dv.setUint32(at, v, true);
  }
  u64(v: number | bigint): void {
    const at = this.room(8);
    this.dv.setBigUint64(at, BigInt(v), true);
  }
  raw(b: Uint8Array): void {
    const at = this.room(b.length);
    this.buf.set(b, at);
  }
  str(s: string): void {
    const b = enc.encode(s);
    this.u64(b.length);
    this.raw(b);
  }
  /** One fixed-size item of a numeric/bool type, range-checked. */
  item(type: string, v: number | bigint | boolean, what: string): void {
    const at = this.room(fixedSize[type]!);
    const dv = this.dv;
    if (type === "bool") {
      if (typeof v !== "boolean") throw new KotodamaError(`${what}: bool value expected, got ${typeof v}`);
      dv.setUint8(at, v ? 1 : 0);
      return;
    }
    if (type === "uint64" || type === "int64") {
      if (typeof v !== "bigint") throw new KotodamaError(`${what}: ${type} needs a bigint, got ${typeof v}`);
      const ok = type === "uint64" ? v >= 0n && v < 1n << 64n : v >= -(1n << 63n) && v < 1n << 63n;
      if (!ok) throw new KotodamaError(`${what}: ${v} is out of range for ${type}`);
      if (type === "uint64") dv.setBigUint64(at, v, true);
      else dv.setBigInt64(at, v, true);
      return;
    }
    if (typeof v !== "number") throw new KotodamaError(`${what}: ${type} needs a number, got ${typeof v}`);
    if (type === "float32") return dv.setFloat32(at, v, true);
    if (type === "float64") return dv.setFloat64(at, v, true);
    const [lo, hi] = intRange[type]!;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new KotodamaError(`${what}: ${v} is not a ${type}`);
    switch (type) {
      case "uint8": return dv.setUint8(at, v);
      case "int8": return dv.setInt8(at, v);
      case "uint16": return dv.setUint16(at, v, true);
      case "int16": return dv.setInt16(at, v, true);
      case "uint32": return dv.setUint32(at, v, true);
      case "int32": return dv.setInt32(at, v, true);
    }
  }
}

function wireId(type: string, what: string): number {
  const id = (GgufWireType as Record<string, number>)[type];
  if (id === undefined) throw new KotodamaError(`${what}: unknown GGUF value type "${type}"`);
  return id;
}

function writeArray(s: Sink, a: GgufArray, what: string, depth: number): void {
  if (depth > GGUF_MAX_NESTING) throw new KotodamaError(`${what}: arrays nested deeper than ${GGUF_MAX_NESTING}`);
  s.u32(wireId(a.itemType, what));
  s.u64(a.value.length);
  if (a.itemType === "string") {
    for (const x of a.value) s.str(x);
  } else if (a.itemType === "array") {
    a.value.forEach((x, k) => {
      if (x.type !== "array") throw new KotodamaError(`${what}[${k}]: array item expected`);
      writeArray(s, x, `${what}[${k}]`, depth + 1);
    });
  } else if (ArrayBuffer.isView(a.value) && a.value instanceof typedCtor[a.itemType]) {
    // Numeric arrays go out as their bytes (little-endian host): fast, and NaN payloads survive.
    s.raw(new Uint8Array(a.value.buffer, a.value.byteOffset, a.value.byteLength));
  } else {
    const v = a.value;
    for (let k = 0; k < v.length; k++) s.item(a.itemType, v[k]!, `${what}[${k}]`);
  }
}

function writeValue(s: Sink, v: GgufValue, what: string): void {
  s.u32(wireId(v.type, what));
  if (v.type === "array") writeArray(s, v, what, 1);
  else if (v.type === "string") s.str(v.value);
  else s.item(v.type, v.value, what);
}

interface Layout {
  readonly header: Uint8Array;
  readonly alignment: number;
  readonly offsets: number[];
  readonly sizes: number[];
}

function layout(g: GgufToWrite): Layout {
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = g.metadata.get("general.alignment");
  if (al !== undefined) {
    if (al.type !== "uint32" || al.value === 0 || (al.value & (al.value - 1)) !== 0) {
      throw new KotodamaError("general.alignment must be a uint32 power of two");
    }
    alignment = al.value;
  }
  const s = new Sink();
  s.u32(GGUF_MAGIC);
  s.u32(3);
  s.u64(g.tensors.length);
  s.u64(g.metadata.size);
  for (const [key, v] of g.metadata) {
    s.str(key);
    writeValue(s, v, `metadata ${key}`);
  }
  const names = new Set<string>();
  const offsets: number[] = [];
  const sizes: number[] = [];
  let off = 0;
  for (const t of g.tensors) {
    const what = `tensor "${t.name}"`;
    if (names.has(t.name)) throw new KotodamaError(`${what}: duplicate tensor name`);
    names.add(t.name);
    const info = ggmlTypeInfo(t.type);
    if (info === undefined) throw new KotodamaError(`${what}: unknown ggml type ${t.type}`);
    if (t.dims.length < 1 || t.dims.length > GGUF_MAX_DIMS) throw new KotodamaError(`${what}: ${t.dims.length} dims, expected 1..${GGUF_MAX_DIMS}`);
    if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new KotodamaError(`${what}: bad dims [${t.dims.join(", ")}]`);
    if (t.dims[0]! % info.blockSize !== 0) throw new KotodamaError(`${what}: row length ${t.dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    const n = t.dims.reduce((a, b) => a * b, 1);
    const size = (n / info.blockSize) * info.typeSize;
    s.str(t.name);
    s.u32(t.dims.length);
    for (const d of t.dims) s.u64(d);
    s.u32(t.type);
    s.u64(off);
    offsets.push(off);
    sizes.push(size);
    off += pad(size, alignment);
  }
  return { header: s.buf.slice(0, s.len), alignment, offsets, sizes };
}

function tensorData(t: GgufTensorToWrite, size: number): Uint8Array {
  const d = typeof t.data === "function" ? t.data() : t.data;
  if (d.byteLength !== size) throw new KotodamaError(`tensor "${t.name}": ${size} bytes expected for its dims and type, got ${d.byteLength}`);
  return d;
}

/** The whole file in memory. */
export function encodeGguf(g: GgufToWrite): Uint8Array {
  const { header, alignment, offsets, sizes } = layout(g);
  const dataOffset = pad(header.length, alignment);
  const last = offsets.length > 0 ? offsets[offsets.length - 1]! + pad(sizes[sizes.length - 1]!, alignment) : 0;
  const out = new Uint8Array(dataOffset + last);
  out.set(header, 0);
  g.tensors.forEach((t, i) => out.set(tensorData(t, sizes[i]!), dataOffset + offsets[i]!));
  return out;
}

/** Streams the file to disk: the header, then each tensor (produced on demand if `data` is a function). */
export function writeGgufFile(path: string, g: GgufToWrite): void {
  const { header, alignment, sizes } = layout(g);
  const fd = openSync(path, "w");
  try {
    const zeros = new Uint8Array(alignment);
    writeAll(fd, header);
    writeAll(fd, zeros.subarray(0, pad(header.length, alignment) - header.length));
    g.tensors.forEach((t, i) => {
      const size = sizes[i]!;
      writeAll(fd, tensorData(t, size));
      writeAll(fd, zeros.subarray(0, pad(size, alignment) - size));
    });
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
}
