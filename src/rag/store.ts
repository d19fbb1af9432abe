// The chunk store of an index: chunks.bin (per chunk: document, offsets, where its text is) and texts.bin (the
// chunk texts, UTF-8, back to back), written as chunks arrive and read with a pread per chunk asked for.
// Not here: postings (postings.ts), the manifest (indexer.ts). chunks.bin sections (binfile.ts), in order:
//   0 u32[N] document number   1 u32[N] start   2 u32[N] end (code points into the document's text)
//   3 f64[N] byte offset of the text in texts.bin   4 u32[N] its byte length
//   5 u32[D + 1], 6 u8[…]  document ids (string list)   7 u32[D] each document's source number
//   8 u32[S + 1], 9 u8[…]  source file paths (string list)
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { FormatError } from "../util/errors.js";
import { encodeStrings, SectionFile, stringAt, writeSections } from "./binfile.js";
import type { Chunk, ChunkStore } from "./types.js";

const MAGIC = "KTDMCHNK";
const VERSION = 1;

/** Appends chunks: texts stream to texts.bin (1 MiB buffer), the rest is kept as typed arrays until close. */
export class ChunkStoreWriter {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private bufLen = 0;
  private bytes = 0;
  private readonly docIndex = new Map<string, number>();
  private readonly docIds: string[] = [];
  private readonly docSource: number[] = [];
  private readonly sourceIndex = new Map<string, number>();
  private readonly sources: string[] = [];
  private cols = { doc: [] as number[], start: [] as number[], end: [] as number[], off: [] as number[], len: [] as number[] };

  constructor(
    private readonly chunksPath: string,
    textsPath: string,
  ) {
    this.fd = openSync(textsPath, "w");
  }

  get size(): number {
    return this.cols.doc.length;
  }

  add(c: Chunk): void {
    let src = this.sourceIndex.get(c.source);
    if (src === undefined) {
      src = this.sources.length;
      this.sourceIndex.set(c.source, src);
      this.sources.push(c.source);
    }
    const key = `${src}\u0000${c.docId}`;
    let doc = this.docIndex.get(key);
    if (doc === undefined) {
      doc = this.docIds.length;
      this.docIndex.set(key, doc);
      this.docIds.push(c.docId);
      this.docSource.push(src);
    }
    const n = Buffer.byteLength(c.text, "utf8");
    if (this.bufLen + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    this.buf.write(c.text, this.bufLen, "utf8");
    this.bufLen += n;
    const { cols } = this;
    cols.doc.push(doc);
    cols.start.push(c.start);
    cols.end.push(c.end);
    cols.off.push(this.bytes);
    cols.len.push(n);
    this.bytes += n;
  }

  private flush(): void {
    for (let done = 0; done < this.bufLen; ) done += writeSync(this.fd, this.buf, done, this.bufLen - done);
    this.bufLen = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    const { cols } = this;
    const [idOff, idBytes] = encodeStrings(this.docIds);
    const [srcOff, srcBytes] = encodeStrings(this.sources);
    writeSections(this.chunksPath, MAGIC, VERSION, [
      Uint32Array.from(cols.doc),
      Uint32Array.from(cols.start),
      Uint32Array.from(cols.end),
      Float64Array.from(cols.off),
      Uint32Array.from(cols.len),
      idOff,
      idBytes,
      Uint32Array.from(this.docSource),
      srcOff,
      srcBytes,
    ]);
    this.cols = { doc: [], start: [], end: [], off: [], len: [] };
  }
}

/** An open chunk store: metadata in memory (~24 bytes a chunk), texts read on demand. */
export class ChunkStoreFile implements ChunkStore {
  private readonly file: SectionFile;
  private readonly texts: number;
  private readonly doc: Uint32Array;
  private readonly start: Uint32Array;
  private readonly end: Uint32Array;
  private readonly off: Float64Array;
  private readonly len: Uint32Array;
  private readonly ids: [Uint32Array, Uint8Array];
  private readonly docSource: Uint32Array;
  private readonly srcs: [Uint32Array, Uint8Array];

  constructor(
    chunksPath: string,
    private readonly textsPath: string,
  ) {
    const f = new SectionFile(chunksPath, MAGIC, VERSION);
    this.file = f;
    [this.doc, this.start, this.end, this.off, this.len] = [f.u32(0), f.u32(1), f.u32(2), f.f64(3), f.u32(4)];
    this.ids = [f.u32(5), f.u8(6)];
    this.docSource = f.u32(7);
    this.srcs = [f.u32(8), f.u8(9)];
    this.texts = openSync(textsPath, "r");
  }

  get size(): number {
    return this.doc.length;
  }

  chunk(n: number): Chunk {
    if (!(n >= 0 && n < this.size)) throw new RangeError(`chunk ${n} outside 0..${this.size - 1}`);
    const len = this.len[n] as number;
    const buf = Buffer.allocUnsafe(len);
    const got = len === 0 ? 0 : readSync(this.texts, buf, 0, len, this.off[n] as number);
    if (got !== len) throw new FormatError(this.textsPath, `chunk ${n}: text truncated`);
    const d = this.doc[n] as number;
    return {
      docId: stringAt(this.ids[0], this.ids[1], d),
      source: stringAt(this.srcs[0], this.srcs[1], this.docSource[d] as number),
      start: this.start[n] as number,
      end: this.end[n] as number,
      text: buf.toString("utf8"),
    };
  }

  close(): void {
    this.file.close();
    closeSync(this.texts);
  }
}
