// Exact and near dedup under a memory cap: the same keep/drop decisions as dedup.ts's in-memory Deduplicator
// (first occurrence wins), with the key set and the LSH state on disk. Not here: the stages' bookkeeping and the
// split (pipeline.ts), MinHash itself (minhash.ts).
//
// The design follows external hash aggregation (as datatrove's and dolma's dedup steps partition their
// signatures by hash and process one partition at a time):
//   pass 1  stream the documents in order; append (exact key, doc) and (band, band key, doc) records to
//           partition files chosen by hash; write each document's 8-bit MinHash signature and id to flat files.
//   exact   per partition, in document order, a Key52Set finds repeats: the later ones are dropped (a bitset).
//   bands   per partition, a map from (band, key) to the earlier documents that share it gives candidate pairs
//           (later, earlier), exact-dropped documents left out, appended to pair files by the later document, one
//           set of pair files per partition (bandPairs: partitions are independent, so with workers they run on
//           the dedup workers, prepareParallel; pass 2 sorts what it reads, so the order they finish never shows).
//   pass 2  the caller walks the documents in order; for each one the pairs are read back (one pair file at a
//           time, sorted), and the document is a near duplicate when an earlier *kept* candidate's 8-bit
//           signature agrees on >= threshold of the entries, exactly the in-memory rule. Ties between equally
//           similar candidates go to the earliest (the in-memory index may name another one in the report).
// A partition larger than its budget is split again (16 ways, another hash) before it is loaded. What still
// grows with the input: two bitsets (2 bits a document) and the files on disk. A (band, key) shared by k
// documents yields k(k-1)/2 pairs; exact duplicates, removed first, are the usual cause of large k.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { exactKey, Key52Set } from "./dedup.js";
import type { DedupConfig } from "./dedup.js";
import { MinHasher } from "./minhash.js";
import { unitHashes } from "./units.js";
import { readJsonl } from "./files.js";

const FANOUT = 16;
const REC = 12; // bytes per partition record: key (float64) + document (uint32)
const PAIR_DOCS = 1 << 16; // documents per pair file

/** Append-only binary file with a write buffer. */
class Appender {
  private buf: Buffer;
  private view: DataView;
  private used = 0;
  private fd: number | null = null;
  constructor(readonly path: string, size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  record(key: number, doc: number): void {
    if (this.used + REC > this.buf.length) this.flush();
    // DataView rather than Buffer.writeDoubleLE/writeUInt32LE: the same bytes, without their argument checks.
    this.view.setFloat64(this.used, key, true);
    this.view.setUint32(this.used + 8, doc, true);
    this.used += REC;
  }
  /** A float64 (little-endian), as Buffer.writeDoubleLE would write it. */
  float64(x: number): void {
    if (this.used + 8 > this.buf.length) this.flush();
    this.view.setFloat64(this.used, x, true);
    this.used += 8;
  }
  bytes(b: Uint8Array): void {
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.used);
    this.used += b.length;
  }
  /** A string's UTF-8 bytes; returns their number. */
  utf8(s: string): number {
    const n = Buffer.byteLength(s, "utf8");
    if (this.used + n > this.buf.length) this.flush();
    if (n > this.buf.length) this.grow(n);
    this.buf.write(s, this.used, n, "utf8");
    this.used += n;
    return n;
  }
  private grow(n: number): void {
    this.buf = Buffer.allocUnsafe(n);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  flush(): void {
    this.fd ??= openSync(this.path, "a");
    if (this.used > 0) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

class Bitset {
  constructor(readonly words: Uint32Array[] = []) {}
  set(i: number): void {
    const c = i >>> 20;
    while (this.words.length <= c) this.words.push(new Uint32Array(1 << 15));
    this.words[c]![(i >>> 5) & 0x7fff]! |= 1 << (i & 31);
  }
  has(i: number): boolean {
    const w = this.words[i >>> 20];
    return w !== undefined && (w[(i >>> 5) & 0x7fff]! & (1 << (i & 31))) !== 0;
  }
}

/** A second, independent hash of a partition key for re-partitioning at depth d. */
function subHash(key: number, d: number): number {
  let h = Math.imul((key % 4294967296) ^ Math.imul(d + 1, 0x9e3779b1), 0x85ebca6b) ^ Math.floor(key / 4294967296);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % FANOUT;
}

/** Calls fn with each partition's records (in file order) once they fit in maxRecords, splitting if not. */
function forEachPartition(path: string, maxRecords: number, depth: number, fn: (keys: Float64Array, docs: Uint32Array) => void): void {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return; // an empty partition was never written
  }
  const n = size / REC;
  if (n > maxRecords && depth < 6) {
    const subs = Array.from({ length: FANOUT }, (_, i) => new Appender(`${path}.${i}`, 1 << 16));
    readRecords(path, (k, d) => subs[subHash(k, depth)]!.record(k, d));
    subs.forEach((s) => s.close());
    rmSync(path);
    for (const s of subs) forEachPartition(s.path, maxRecords, depth + 1, fn);
    return;
  }
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const keys = new Float64Array(n);
  const docs = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = view.getFloat64(i * REC, true);
    docs[i] = view.getUint32(i * REC + 8, true);
  }
  rmSync(path);
  fn(keys, docs);
}

function readRecords(path: string, fn: (key: number, doc: number) => void): void {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(REC * 8192);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    for (let pos = 0; ; ) {
      const got = readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      for (let o = 0; o + REC <= got; o += REC) fn(view.getFloat64(o, true), view.getUint32(o + 8, true));
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
}

/** For each record, in order, calls pair(its document, earlier document) for every earlier record with the same
 *  key; records whose document skip() names are left out. The groups live in typed arrays (an open-addressing
 *  table of keys, each slot the head of a linked list of its records), not a Map of arrays: band keys are not
 *  small integers, and a Map of them was the largest cost of prepare(). Within a group the pairs come latest
 *  earlier document first; their readers sort them (loadPairs). */
export function sharedKeyPairs(keys: Float64Array, docs: Uint32Array, skip: (doc: number) => boolean, pair: (later: number, earlier: number) => void): void {
  const n = keys.length;
  let size = 16;
  while (size < 2 * n) size *= 2; // load at most 1/2
  const mask = size - 1;
  const slotKey = new Float64Array(size); // key + 1; 0: empty
  const head = new Int32Array(size); // the latest record with the slot's key
  const prev = new Int32Array(n); // the record before it with the same key; -1: none
  for (let i = 0; i < n; i++) {
    const d = docs[i]!;
    if (skip(d)) continue;
    const k = keys[i]! + 1;
    let h = (k % 4294967296) & mask;
    while (slotKey[h] !== 0 && slotKey[h] !== k) h = (h + 1) & mask;
    if (slotKey[h] === 0) {
      slotKey[h] = k;
      prev[i] = -1;
    } else {
      for (let j = head[h]!; j >= 0; j = prev[j]!) pair(d, docs[j]!);
      prev[i] = head[h]!;
    }
    head[h] = i;
  }
}

/** Bytes of one docKeys record: exact key, has-signature flag, band keys, 8-bit signature. */
export const docKeysBytes = (cfg: DedupConfig): number => 9 + 4 * cfg.minhash.bands + cfg.minhash.permutations;

/** What pass 1 needs of one document, as a fixed-size record (docKeysBytes): its exact key (float64), 1 when it
 *  has a MinHash signature, the LSH band keys (uint32 each) and the signature's low 8 bits. Independent per
 *  document, so clean workers compute it in parallel (pipeline.ts). */
export function docKeys(units: Uint32Array, hasher: MinHasher, cfg: DedupConfig): Uint8Array {
  const rec = new Uint8Array(docKeysBytes(cfg));
  const v = new DataView(rec.buffer);
  v.setFloat64(0, exactKey(units), true);
  const sig = cfg.near ? hasher.signature(units) : null;
  if (sig !== null) {
    rec[8] = 1;
    for (let b = 0; b < cfg.minhash.bands; b++) v.setUint32(9 + 4 * b, hasher.bandKey(sig, b), true);
    const base = 9 + 4 * cfg.minhash.bands;
    for (let i = 0; i < cfg.minhash.permutations; i++) rec[base + i] = sig[i]! & 0xff;
  }
  return rec;
}

/** docKeys of every document of a clean JSON Lines file, in order, written to out (temp file + rename). */
export async function writeDocKeys(cleanJsonl: string, out: string, cfg: DedupConfig): Promise<void> {
  const hasher = new MinHasher(cfg.minhash);
  const tmp = new Appender(`${out}.tmp`, 1 << 20);
  rmSync(tmp.path, { force: true });
  for await (const d of readJsonl<{ text: string }>(cleanJsonl)) tmp.bytes(docKeys(unitHashes(d.text), hasher, cfg));
  tmp.close();
  if (!existsSync(tmp.path)) writeFileSync(tmp.path, new Uint8Array(0));
  renameSync(tmp.path, out);
}

/** Reads a writeDocKeys file record by record. */
export function* readDocKeys(path: string, cfg: DedupConfig): Generator<Uint8Array> {
  const R = docKeysBytes(cfg);
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(R * 4096);
  try {
    for (let pos = 0; ; ) {
      const got = readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      for (let o = 0; o + R <= got; o += R) yield buf.subarray(o, o + R);
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
}

/** One band partition's pair finding: what bandPairs needs, structured-clonable (a dedup worker runs it). */
export interface BandTask {
  /** The partition's records file (removed once read). */
  readonly path: string;
  /** Records loaded at once; a larger partition is split again first. */
  readonly maxRecords: number;
  /** Where the pair files go: pairs-<block>.<tag>. */
  readonly dir: string;
  readonly tag: string;
  /** The exact repeats' bitset words (left out of every pair). */
  readonly exactDropped: readonly Uint32Array[];
}

/** Candidate pairs (later, earlier) of one band partition, exact repeats left out, appended to pair files by the
 *  later document's block. */
export function bandPairs(t: BandTask): void {
  const dropped = new Bitset(t.exactDropped.slice());
  const pairOut = new Map<number, Appender>();
  const pair = (later: number, earlier: number): void => {
    const f = Math.floor(later / PAIR_DOCS);
    let a = pairOut.get(f);
    if (a === undefined) pairOut.set(f, (a = new Appender(join(t.dir, `pairs-${f}.${t.tag}`), 1 << 16)));
    a.record((later - f * PAIR_DOCS) * 4294967296 + earlier, 0);
  };
  forEachPartition(t.path, t.maxRecords, 0, (keys, docs) => sharedKeyPairs(keys, docs, (d) => dropped.has(d), pair));
  for (const a of pairOut.values()) a.close();
}

export type SpillVerdict = { readonly keep: true } | { readonly keep: false; readonly kind: "exact" } | { readonly keep: false; readonly kind: "near"; readonly of: string; readonly similarity: number };

/** Bounded-memory dedup over one ordered stream of documents: add() every document (pass 1), then prepare(),
 *  then verdict() for every document in the same order (pass 2). */
export class SpillDeduplicator {
  private readonly hasher: MinHasher;
  private readonly exactParts: Appender[];
  private readonly bandParts: Appender[];
  private readonly sigs: Appender;
  private readonly ids: Appender;
  private readonly idOffsets: Appender;
  private idBytes = 0;
  private n = 0;
  private readonly hasSig = new Bitset();
  private readonly exactDropped = new Bitset();
  private readonly kept = new Bitset();
  private readonly maxRecords: number;
  private pairs: Float64Array = new Float64Array(0); // (later - base) * 2^32 + earlier, sorted
  private pairFile = -1;
  /** Pair files by block of PAIR_DOCS later documents (one per band partition that had pairs there). */
  private readonly pairFiles = new Map<number, string[]>();
  private pairPos = 0;
  private fds: { sig: number; id: number; off: number } | null = null;
  private readonly P: number;

  /** dir: a work folder, emptied first (what a killed run left there is stale) and removed by close();
   *  capBytes: memory for the dedup state. */
  constructor(private readonly cfg: DedupConfig, private readonly dir: string, capBytes: number) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.hasher = new MinHasher(cfg.minhash);
    this.P = cfg.minhash.permutations;
    // Write buffers take a quarter of the cap; a loaded partition (about 100 bytes a record in a Map, 24 in a
    // Key52Set with its arrays) the rest.
    const parts = 2 * FANOUT + 3;
    const bufSize = Math.max(1 << 12, Math.floor(capBytes / 4 / parts));
    this.exactParts = Array.from({ length: FANOUT }, (_, i) => new Appender(join(dir, `exact-${i}`), bufSize));
    this.bandParts = Array.from({ length: FANOUT }, (_, i) => new Appender(join(dir, `band-${i}`), bufSize));
    this.sigs = new Appender(join(dir, "sigs"), bufSize);
    this.ids = new Appender(join(dir, "ids"), bufSize);
    this.idOffsets = new Appender(join(dir, "idoff"), bufSize);
    this.maxRecords = Math.max(64, Math.floor((capBytes * 3) / 4 / 100));
  }

  /** Pass 1: one document's units (unitHashes), in stream order. */
  add(id: string, units: Uint32Array): void {
    this.addKeys(id, docKeys(units, this.hasher, this.cfg));
  }

  /** Pass 1 with the document's keys already computed by docKeys (in a clean worker, say). */
  addKeys(id: string, rec: Uint8Array): void {
    const doc = this.n++;
    this.idOffsets.float64(this.idBytes);
    this.idBytes += this.ids.utf8(id);
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (this.cfg.exact) {
      const k = v.getFloat64(0, true);
      this.exactParts[subHash(k, 99)]!.record(k, doc);
    }
    if (this.cfg.near && rec[8] === 1) {
      this.hasSig.set(doc);
      for (let b = 0; b < this.cfg.minhash.bands; b++) {
        const key = b * 4294967296 + v.getUint32(9 + 4 * b, true);
        this.bandParts[subHash(key, 98)]!.record(key, doc);
      }
    }
    this.sigs.bytes(rec.subarray(9 + 4 * this.cfg.minhash.bands));
  }

  /** Between the passes: exact repeats, then candidate pairs, one band partition after another. */
  prepare(): void {
    this.prepareExact();
    for (const t of this.bandTasks(1)) bandPairs(t);
    this.finishPrepare();
  }

  /** prepare() with the band partitions on `workers` threads (run: one partition's bandPairs on a worker, each
   *  given 1/workers of the state's budget). Each partition writes its own pair files and loadPairs sorts what
   *  it reads, so the verdicts do not depend on which partition finishes first. */
  async prepareParallel(run: (t: BandTask) => Promise<void>, workers: number): Promise<void> {
    this.prepareExact();
    await Promise.all(this.bandTasks(workers).map(run));
    this.finishPrepare();
  }

  private prepareExact(): void {
    for (const a of [...this.exactParts, ...this.bandParts, this.sigs, this.ids, this.idOffsets]) a.close();
    for (const a of this.exactParts) {
      forEachPartition(a.path, this.maxRecords, 0, (keys, docs) => {
        const seen = new Key52Set();
        for (let i = 0; i < keys.length; i++) if (!seen.add(keys[i]!)) this.exactDropped.set(docs[i]!);
      });
    }
  }

  private bandTasks(workers: number): BandTask[] {
    return this.bandParts.map((a, i) => ({ path: a.path, maxRecords: Math.max(64, Math.floor(this.maxRecords / workers)), dir: this.dir, tag: `b${i}`, exactDropped: this.exactDropped.words }));
  }

  private finishPrepare(): void {
    for (const f of readdirSync(this.dir)) {
      const m = /^pairs-(\d+)\./.exec(f);
      if (m === null) continue;
      const block = Number(m[1]);
      const list = this.pairFiles.get(block) ?? [];
      list.push(join(this.dir, f));
      this.pairFiles.set(block, list);
    }
    this.fds = { sig: openSync(join(this.dir, "sigs"), "r"), id: openSync(join(this.dir, "ids"), "r"), off: openSync(join(this.dir, "idoff"), "r") };
  }

  private sig8(doc: number, out: Uint8Array): void {
    readSync(this.fds!.sig, out, 0, this.P, doc * this.P);
  }

  private id(doc: number): string {
    const b = Buffer.allocUnsafe(16);
    const got = readSync(this.fds!.off, b, 0, 16, doc * 8);
    const start = b.readDoubleLE(0);
    const end = got === 16 ? b.readDoubleLE(8) : this.idBytes;
    const s = Buffer.allocUnsafe(end - start);
    readSync(this.fds!.id, s, 0, s.length, start);
    return s.toString("utf8");
  }

  /** Pass 2: the verdict of document `doc` (0, 1, 2, … in the order of add()). */
  verdict(doc: number): SpillVerdict {
    if (this.exactDropped.has(doc)) return { keep: false, kind: "exact" };
    if (!this.cfg.near || !this.hasSig.has(doc)) return { keep: true };
    const f = Math.floor(doc / PAIR_DOCS);
    if (f !== this.pairFile) this.loadPairs(f);
    const local = (doc - f * PAIR_DOCS) * 4294967296;
    while (this.pairPos < this.pairs.length && this.pairs[this.pairPos]! < local) this.pairPos++;
    let best = -1;
    let bestSim = 0;
    let mine: Uint8Array | null = null;
    const theirs = new Uint8Array(this.P);
    let prev = -1;
    for (; this.pairPos < this.pairs.length && this.pairs[this.pairPos]! < local + 4294967296; this.pairPos++) {
      const e = this.pairs[this.pairPos]! - local;
      if (e === prev) continue; // the same pair from another band
      prev = e;
      if (!this.kept.has(e)) continue;
      if (mine === null) this.sig8(doc, (mine = new Uint8Array(this.P)));
      this.sig8(e, theirs);
      let eq = 0;
      for (let i = 0; i < this.P; i++) if (mine[i] === theirs[i]) eq++;
      const sim = eq / this.P;
      if (sim > bestSim) [best, bestSim] = [e, sim];
    }
    if (best >= 0 && bestSim >= this.cfg.minhash.threshold) return { keep: false, kind: "near", of: this.id(best), similarity: bestSim };
    this.kept.set(doc);
    return { keep: true };
  }

  private loadPairs(f: number): void {
    const keys: number[] = [];
    for (const path of this.pairFiles.get(f) ?? []) readRecords(path, (k) => keys.push(k));
    this.pairs = Float64Array.from(keys).sort();
    this.pairFile = f;
    this.pairPos = 0;
  }

  /** Closes the files and removes the work folder. */
  close(): void {
    if (this.fds !== null) for (const fd of Object.values(this.fds)) closeSync(fd);
    this.fds = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
