// A small container for the index files: a magic, a version and a list of typed-array sections, each 8-byte
// aligned, so a reader can read small sections whole and large ones piece by piece with pread.
// Not here: what the sections mean (postings.ts, store.ts).
//
// Layout (little-endian):
//   0   magic, 8 ASCII bytes
//   8   u32 version, u32 section count S
//   16  S × 24-byte entries: u32 element size (1 u8, 2 u16, 4 u32, 8 f64), u32 0, f64 byte offset, f64 element count
//   …   section data, each starting at a multiple of 8
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { FormatError } from "../util/errors.js";

export type Section = Uint8Array | Uint16Array | Uint32Array | Float64Array;

interface Entry {
  readonly size: 1 | 2 | 4 | 8;
  readonly offset: number;
  readonly count: number;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Writes sections (in order) to path. Callers write to a temporary folder and rename it (indexer.ts). */
export function writeSections(path: string, magic: string, version: number, sections: readonly Section[]): void {
  if (magic.length !== 8) throw new Error(`binfile: magic must be 8 bytes, got '${magic}'`);
  const head = Buffer.alloc(16 + 24 * sections.length);
  head.write(magic, 0, "latin1");
  head.writeUInt32LE(version, 8);
  head.writeUInt32LE(sections.length, 12);
  let off = pad8(head.length);
  sections.forEach((s, i) => {
    head.writeUInt32LE(s.BYTES_PER_ELEMENT, 16 + 24 * i);
    head.writeDoubleLE(off, 16 + 24 * i + 8);
    head.writeDoubleLE(s.length, 16 + 24 * i + 16);
    off = pad8(off + s.byteLength);
  });
  const fd = openSync(path, "w");
  try {
    let pos = 0;
    const put = (b: Uint8Array): void => {
      for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, Math.min(b.length - done, 1 << 26), pos + done);
      pos += b.length;
    };
    const zeros = Buffer.alloc(8);
    put(head);
    put(zeros.subarray(0, pad8(pos) - pos));
    for (const s of sections) {
      put(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
      put(zeros.subarray(0, pad8(pos) - pos));
    }
  } finally {
    closeSync(fd);
  }
}

/** An open section file: sections are read whole (read) or in element ranges (readRange), by index. */
export class SectionFile {
  private readonly entries: Entry[];
  private readonly fd: number;
  constructor(
    readonly path: string,
    magic: string,
    version: number,
  ) {
    this.fd = openSync(path, "r");
    const fixed = Buffer.alloc(16);
    readSync(this.fd, fixed, 0, 16, 0);
    if (fixed.toString("latin1", 0, 8) !== magic) throw new FormatError(path, `not a ${magic} file (bad magic)`);
    if (fixed.readUInt32LE(8) !== version) throw new FormatError(path, `version ${fixed.readUInt32LE(8)}, expected ${version} (rebuild the index)`);
    const n = fixed.readUInt32LE(12);
    const dir = Buffer.alloc(24 * n);
    readSync(this.fd, dir, 0, dir.length, 16);
    this.entries = [];
    for (let i = 0; i < n; i++) {
      const size = dir.readUInt32LE(24 * i);
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new FormatError(path, `section ${i}: element size ${size}`);
      this.entries.push({ size, offset: dir.readDoubleLE(24 * i + 8), count: dir.readDoubleLE(24 * i + 16) });
    }
  }

  get sections(): number {
    return this.entries.length;
  }

  count(i: number): number {
    return this.entry(i).count;
  }

  private entry(i: number): Entry {
    const e = this.entries[i];
    if (e === undefined) throw new FormatError(this.path, `has ${this.entries.length} sections, expected at least ${i + 1}`);
    return e;
  }

  /** Elements [from, from + n) of section i as raw bytes (8-aligned copy). */
  private bytes(i: number, from: number, n: number): { buf: ArrayBuffer; e: Entry } {
    const e = this.entry(i);
    if (from < 0 || from + n > e.count) throw new FormatError(this.path, `section ${i}: range ${from}+${n} outside ${e.count} elements`);
    const buf = new ArrayBuffer(pad8(n * e.size));
    const view = new Uint8Array(buf, 0, n * e.size);
    for (let done = 0; done < view.length; ) {
      const got = readSync(this.fd, view, done, Math.min(view.length - done, 1 << 30), e.offset + from * e.size + done);
      if (got === 0) throw new FormatError(this.path, `section ${i} is truncated`);
      done += got;
    }
    return { buf, e };
  }

  readRange(i: number, from: number, n: number): Section {
    const { buf, e } = this.bytes(i, from, n);
    switch (e.size) {
      case 1:
        return new Uint8Array(buf, 0, n);
      case 2:
        return new Uint16Array(buf, 0, n);
      case 4:
        return new Uint32Array(buf, 0, n);
      case 8:
        return new Float64Array(buf, 0, n);
    }
  }

  read(i: number): Section {
    return this.readRange(i, 0, this.entry(i).count);
  }

  u32(i: number): Uint32Array {
    return this.typed(i, Uint32Array);
  }
  f64(i: number): Float64Array {
    return this.typed(i, Float64Array);
  }
  u8(i: number): Uint8Array {
    return this.typed(i, Uint8Array);
  }

  private typed<T extends Section>(i: number, ctor: abstract new (...a: never[]) => T): T {
    const s = this.read(i);
    if (!(s instanceof ctor)) throw new FormatError(this.path, `section ${i} has ${s.BYTES_PER_ELEMENT}-byte elements, expected ${ctor.name}`);
    return s;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A list of strings as one section pair: u32 byte offsets (n + 1) and UTF-8 bytes. */
export function encodeStrings(strings: readonly string[]): [Uint32Array, Uint8Array] {
  const offsets = new Uint32Array(strings.length + 1);
  let total = 0;
  for (let i = 0; i < strings.length; i++) {
    total += Buffer.byteLength(strings[i] as string, "utf8");
    offsets[i + 1] = total;
  }
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < strings.length; i++) bytes.write(strings[i] as string, offsets[i] as number, "utf8");
  return [offsets, bytes];
}

/** Reads string i of an encoded list. */
export const stringAt = (offsets: Uint32Array, bytes: Uint8Array, i: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + (offsets[i] as number), (offsets[i + 1] as number) - (offsets[i] as number)).toString("utf8");
