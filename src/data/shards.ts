// Token shards: the binary files the training loop reads. A writer that appends documents' token ids (each
// followed by the end-of-text id) and a memory-bounded reader with random-access windows and batches.
// Not here: tokenization itself (the Tokenizer interface) or the manifest (pipeline.ts writes it).
//
// File layout (little endian), "KTDS" version 1:
//   bytes 0-3   magic "KTDS"
//   4-7   u32   version (1)
//   8-11  u32   bytes per token: 2 (uint16, vocab <= 65536) or 4 (uint32)
//   12-15 u32   vocabulary size
//   16-19 u32   end-of-text id (0xFFFFFFFF: none)
//   20-23 u32   documents in the shard
//   24-31 f64   tokens in the shard (an integer; f64 holds up to 2^53 exactly)
//   32-   tokens
// A shard is written to "NAME.tmp" and renamed when complete, so a reader never sees a partial shard.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { FormatError, KotodamaError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";

export const SHARD_MAGIC = "KTDS";
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 32;
export const NO_EOS = 0xffffffff;

export interface ShardHeader {
  readonly bytesPerToken: 2 | 4;
  readonly vocabSize: number;
  /** End-of-text id, or null. */
  readonly eos: number | null;
  readonly docs: number;
  readonly tokens: number;
}

export const bytesPerTokenFor = (vocabSize: number): 2 | 4 => (vocabSize <= 65536 ? 2 : 4);

function encodeHeader(h: ShardHeader): Buffer {
  const b = Buffer.alloc(SHARD_HEADER_BYTES);
  b.write(SHARD_MAGIC, 0, "latin1");
  b.writeUInt32LE(SHARD_VERSION, 4);
  b.writeUInt32LE(h.bytesPerToken, 8);
  b.writeUInt32LE(h.vocabSize, 12);
  b.writeUInt32LE(h.eos ?? NO_EOS, 16);
  b.writeUInt32LE(h.docs, 20);
  b.writeDoubleLE(h.tokens, 24);
  return b;
}

export function decodeHeader(b: Buffer, file: string): ShardHeader {
  if (b.length < SHARD_HEADER_BYTES || b.toString("latin1", 0, 4) !== SHARD_MAGIC) {
    throw new FormatError(file, `not a kotodama token shard (expected magic "${SHARD_MAGIC}")`);
  }
  const version = b.readUInt32LE(4);
  if (version !== SHARD_VERSION) throw new FormatError(file, `shard version ${version}, expected ${SHARD_VERSION}`);
  const bpt = b.readUInt32LE(8);
  if (bpt !== 2 && bpt !== 4) throw new FormatError(file, `bytes per token ${bpt}, expected 2 or 4`);
  const eos = b.readUInt32LE(16);
  return { bytesPerToken: bpt, vocabSize: b.readUInt32LE(12), eos: eos === NO_EOS ? null : eos, docs: b.readUInt32LE(20), tokens: b.readDoubleLE(24) };
}

/** Writes one shard file: append documents, then close() (which patches the header and renames into place). */
export class ShardWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly buf: Uint16Array | Uint32Array;
  private fill = 0;
  private docs = 0;
  private tokens = 0;
  readonly bytesPerToken: 2 | 4;

  constructor(
    readonly path: string,
    readonly vocabSize: number,
    readonly eos: number | null,
    bufferTokens = 1 << 20,
  ) {
    this.bytesPerToken = bytesPerTokenFor(vocabSize);
    this.buf = this.bytesPerToken === 2 ? new Uint16Array(bufferTokens) : new Uint32Array(bufferTokens);
    this.tmp = `${path}.tmp`;
    this.fd = openSync(this.tmp, "w");
    writeSync(this.fd, encodeHeader(this.header()));
  }

  get tokenCount(): number {
    return this.tokens;
  }

  get docCount(): number {
    return this.docs;
  }

  private header(): ShardHeader {
    return { bytesPerToken: this.bytesPerToken, vocabSize: this.vocabSize, eos: this.eos, docs: this.docs, tokens: this.tokens };
  }

  /** Appends one document's ids, then the end-of-text id when the shard has one. */
  append(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.vocabSize)) throw new KotodamaError(`shards: token id ${id} outside the vocabulary [0, ${this.vocabSize})`);
      this.push(id);
    }
    if (this.eos !== null) this.push(this.eos);
    this.docs++;
  }

  private push(id: number): void {
    if (this.fill === this.buf.length) this.flush();
    this.buf[this.fill++] = id;
    this.tokens++;
  }

  private flush(): void {
    if (this.fill === 0) return;
    writeSync(this.fd, new Uint8Array(this.buf.buffer, 0, this.fill * this.bytesPerToken));
    this.fill = 0;
  }

  /** Flushes, writes the final header and renames NAME.tmp → NAME. */
  close(): ShardHeader {
    this.flush();
    const h = this.header();
    writeSync(this.fd, encodeHeader(h), 0, SHARD_HEADER_BYTES, 0);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    return h;
  }
}

interface OpenShard {
  readonly file: string;
  readonly fd: number;
  readonly header: ShardHeader;
  /** Fully loaded tokens when the set fits the in-memory budget, else null (read on demand). */
  readonly data: Uint16Array | Uint32Array | null;
}

/** One batch: B rows of T input ids and the T next ids. */
export interface TokenBatch {
  readonly inputs: Int32Array; // (B, T)
  readonly targets: Int32Array; // (B, T)
  readonly B: number;
  readonly T: number;
}

/** Reads token windows from a list of shard files. Memory: at most maxResidentBytes of shard data is loaded
 *  (a small data set is read once into memory); otherwise each window is read from disk on demand, so memory does
 *  not grow with the data set. Windows never cross a shard boundary. */
export class ShardReader {
  private readonly shards: OpenShard[] = [];
  readonly vocabSize: number;
  readonly eos: number | null;
  readonly tokenCount: number;
  readonly docCount: number;

  constructor(files: readonly string[], maxResidentBytes = 256 * 1024 * 1024) {
    if (files.length === 0) throw new KotodamaError("shards: no shard files given");
    let total = 0;
    let docs = 0;
    const headers: ShardHeader[] = [];
    const fds: number[] = [];
    let bytes = 0;
    for (const f of files) {
      const fd = openSync(f, "r");
      const hb = Buffer.alloc(SHARD_HEADER_BYTES);
      readSync(fd, hb, 0, SHARD_HEADER_BYTES, 0);
      const h = decodeHeader(hb, f);
      const expected = SHARD_HEADER_BYTES + h.tokens * h.bytesPerToken;
      if (fstatSync(fd).size !== expected) throw new FormatError(f, `size ${fstatSync(fd).size} bytes, header says ${expected}`);
      if (headers.length > 0 && (h.vocabSize !== headers[0]!.vocabSize || h.eos !== headers[0]!.eos)) {
        throw new FormatError(f, "vocabulary size or end-of-text id differs from the first shard");
      }
      headers.push(h);
      fds.push(fd);
      total += h.tokens;
      docs += h.docs;
      bytes += h.tokens * h.bytesPerToken;
    }
    const resident = bytes <= maxResidentBytes;
    files.forEach((file, i) => {
      const h = headers[i]!;
      let data: Uint16Array | Uint32Array | null = null;
      if (resident) {
        const raw = Buffer.alloc(h.tokens * h.bytesPerToken);
        readSync(fds[i]!, raw, 0, raw.length, SHARD_HEADER_BYTES);
        const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
        data = h.bytesPerToken === 2 ? new Uint16Array(ab) : new Uint32Array(ab);
      }
      this.shards.push({ file, fd: fds[i]!, header: h, data });
    });
    this.vocabSize = headers[0]!.vocabSize;
    this.eos = headers[0]!.eos;
    this.tokenCount = total;
    this.docCount = docs;
  }

  /** Copies count tokens of shard s starting at token start into out[outOffset..]. */
  private copy(s: number, start: number, count: number, out: Int32Array, outOffset: number): void {
    const sh = this.shards[s]!;
    if (sh.data !== null) {
      for (let i = 0; i < count; i++) out[outOffset + i] = sh.data[start + i]!;
      return;
    }
    const bpt = sh.header.bytesPerToken;
    const buf = Buffer.alloc(count * bpt);
    readSync(sh.fd, buf, 0, buf.length, SHARD_HEADER_BYTES + start * bpt);
    for (let i = 0; i < count; i++) out[outOffset + i] = bpt === 2 ? buf.readUInt16LE(i * 2) : buf.readUInt32LE(i * 4);
  }

  /** Tokens [start, start+count) of the concatenation of all shards (may cross shard boundaries). */
  read(start: number, count: number, out = new Int32Array(count)): Int32Array {
    if (start < 0 || count < 0 || start + count > this.tokenCount) {
      throw new KotodamaError(`shards: read(${start}, ${count}) outside [0, ${this.tokenCount})`);
    }
    let s = 0;
    let base = 0;
    while (base + this.shards[s]!.header.tokens <= start) base += this.shards[s++]!.header.tokens;
    let done = 0;
    while (done < count) {
      const local = start + done - base;
      const n = Math.min(count - done, this.shards[s]!.header.tokens - local);
      this.copy(s, local, n, out, done);
      done += n;
      base += this.shards[s++]!.header.tokens;
    }
    return out;
  }

  /** A batch of B random windows of T+1 tokens (inputs = first T, targets = last T), each inside one shard,
   *  shards chosen in proportion to their windows. The rng is the caller's (its state is the data order). */
  sampleBatch(rng: Rng, B: number, T: number): TokenBatch {
    const counts = this.shards.map((s) => Math.max(0, s.header.tokens - T));
    const total = counts.reduce((a, b) => a + b, 0);
    if (total === 0) throw new KotodamaError(`shards: no shard holds a window of T+1 = ${T + 1} tokens (largest: ${Math.max(...this.shards.map((s) => s.header.tokens))})`);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const row = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      let r = rng.int(total);
      let s = 0;
      while (r >= counts[s]!) r -= counts[s++]!;
      this.copy(s, r, T + 1, row, 0);
      inputs.set(row.subarray(0, T), b * T);
      targets.set(row.subarray(1), b * T);
    }
    return { inputs, targets, B, T };
  }

  /** Consecutive, non-overlapping batches over all tokens in order (for validation loss); the last partial
   *  batch is dropped. */
  *sequentialBatches(B: number, T: number): Generator<TokenBatch> {
    const per = B * T;
    for (let start = 0; start + per + 1 <= this.tokenCount; start += per) {
      const flat = this.read(start, per + 1);
      yield { inputs: flat.slice(0, per), targets: flat.slice(1, per + 1), B, T };
    }
  }

  close(): void {
    for (const s of this.shards) closeSync(s.fd);
    this.shards.length = 0;
  }
}
