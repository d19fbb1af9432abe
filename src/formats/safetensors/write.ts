// safetensors writer: JSON header (with __metadata__ first), padded with spaces to a multiple of 8 bytes as
// the reference implementation does, then the tensors back to back in the order given.
// Not here: choosing tensor names or __metadata__ contents for transformers (hf/folder.ts).
import { closeSync, openSync, writeSync } from "node:fs";
import { KotodamaError } from "../../util/errors.js";
import { SAFETENSORS_DTYPE_BYTES } from "./read.js";

export interface SafetensorsTensorToWrite {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Little-endian bytes, or a function producing them when the tensor is written. */
  readonly data: Uint8Array | (() => Uint8Array);
}

function header(tensors: readonly SafetensorsTensorToWrite[], metadata: ReadonlyMap<string, string>): { head: Uint8Array; sizes: number[] } {
  const obj: Record<string, unknown> = {};
  if (metadata.size > 0) obj.__metadata__ = Object.fromEntries(metadata);
  const sizes: number[] = [];
  let at = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__" || t.name in obj) throw new KotodamaError(`safetensors: duplicate or reserved tensor name "${t.name}"`);
    const el = SAFETENSORS_DTYPE_BYTES[t.dtype];
    if (el === undefined) throw new KotodamaError(`safetensors: tensor "${t.name}" has unknown dtype "${t.dtype}"`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new KotodamaError(`safetensors: tensor "${t.name}" has a bad shape`);
    const size = t.shape.reduce((a, b) => a * b, 1) * el;
    obj[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [at, at + size] };
    sizes.push(size);
    at += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(obj));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, sizes };
}

function bytesOf(t: SafetensorsTensorToWrite, size: number): Uint8Array {
  const b = typeof t.data === "function" ? t.data() : t.data;
  if (b.byteLength !== size) throw new KotodamaError(`safetensors: tensor "${t.name}" needs ${size} bytes for ${t.dtype}[${t.shape.join(", ")}], got ${b.byteLength}`);
  return b;
}

/** The whole file in memory. */
export function encodeSafetensors(tensors: readonly SafetensorsTensorToWrite[], metadata: ReadonlyMap<string, string> = new Map()): Uint8Array {
  const { head, sizes } = header(tensors, metadata);
  const out = new Uint8Array(head.length + sizes.reduce((a, b) => a + b, 0));
  out.set(head, 0);
  let at = head.length;
  tensors.forEach((t, i) => {
    out.set(bytesOf(t, sizes[i]!), at);
    at += sizes[i]!;
  });
  return out;
}

/** Streams the file to disk, one tensor at a time. */
export function writeSafetensorsFile(path: string, tensors: readonly SafetensorsTensorToWrite[], metadata: ReadonlyMap<string, string> = new Map()): void {
  const { head, sizes } = header(tensors, metadata);
  const fd = openSync(path, "w");
  try {
    const all = (b: Uint8Array): void => {
      let done = 0;
      while (done < b.length) done += writeSync(fd, b, done, b.length - done);
    };
    all(head);
    tensors.forEach((t, i) => all(bytesOf(t, sizes[i]!)));
  } finally {
    closeSync(fd);
  }
}
