// The on-disk inverted index (postings.bin): building it from each chunk's terms, and reading it lazily — the
// term dictionary and document lengths are loaded at open, a term's postings are pread when a query asks.
// Not here: BM25 math (bm25.ts), chunk texts (store.ts). Format in docs/rag.md; sections (binfile.ts), in order:
//   0 f64[2]         [number of chunks N, total length Σ|d| in terms]
//   1 u32[N]         chunk lengths |d| in terms
//   2 u32[T + 1]     term byte offsets into section 5; terms sorted in JS string order (UTF-16 code units)
//   3 u32[T + 1]     posting offsets: term t's postings are [off[t], off[t + 1]) of sections 4 and 6
//   4 u32[P]         chunk numbers, ascending within a term
//   5 u8[…]          UTF-8 bytes of the terms
//   6 u16[P]         term frequencies (capped at 65535)
import { KotodamaError } from "../util/errors.js";
import { encodeStrings, SectionFile, writeSections } from "./binfile.js";
import type { Postings } from "./bm25.js";

const MAGIC = "KTDMPOST";
const VERSION = 1;

/** A growable typed array (doubling), so that 10^8 postings do not become 10^8 JS numbers. */
class Grow<T extends Uint32Array | Uint16Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Collects each chunk's terms in chunk order, then writes postings.bin. Memory: ~6 bytes per (chunk, distinct
 *  term) pair while collecting, plus the same again while writing, plus the term dictionary. */
export class PostingsBuilder {
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly pairTerm = new Grow(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  private readonly pairTf = new Grow(new Uint16Array(1 << 16), (n) => new Uint16Array(n));
  private readonly pairsPerChunk = new Grow(new Uint32Array(1 << 12), (n) => new Uint32Array(n));
  private readonly lengths = new Grow(new Uint32Array(1 << 12), (n) => new Uint32Array(n));
  private readonly tf = new Map<number, number>();

  get chunks(): number {
    return this.lengths.length;
  }

  /** Adds the next chunk (number = chunks so far) with its terms, repeated as they occur. */
  add(terms: readonly string[]): void {
    const tf = this.tf;
    tf.clear();
    for (const t of terms) {
      let id = this.termIds.get(t);
      if (id === undefined) {
        id = this.terms.length;
        this.termIds.set(t, id);
        this.terms.push(t);
      }
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    for (const [id, f] of tf) {
      this.pairTerm.push(id);
      this.pairTf.push(Math.min(f, 65535));
    }
    this.pairsPerChunk.push(tf.size);
    this.lengths.push(terms.length);
  }

  write(path: string): void {
    const T = this.terms.length;
    const P = this.pairTerm.length;
    if (P > 0xffffffff) throw new KotodamaError(`rag index: ${P} postings exceed the format's 2^32 limit`);
    const order = Array.from({ length: T }, (_, i) => i).sort((a, b) => {
      const x = this.terms[a] as string;
      const y = this.terms[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const rank = new Uint32Array(T);
    order.forEach((old, r) => (rank[old] = r));
    const off = new Uint32Array(T + 1);
    const pairTerm = this.pairTerm.data;
    for (let j = 0; j < P; j++) {
      const r = rank[pairTerm[j] as number] as number;
      off[r + 1] = (off[r + 1] as number) + 1;
    }
    for (let t = 0; t < T; t++) off[t + 1] = (off[t + 1] as number) + (off[t] as number);
    const docs = new Uint32Array(P);
    const tfs = new Uint16Array(P);
    const fill = off.slice(0, T);
    let j = 0;
    const N = this.lengths.length;
    for (let d = 0; d < N; d++) {
      const n = this.pairsPerChunk.data[d] as number;
      for (let i = 0; i < n; i++, j++) {
        const r = rank[pairTerm[j] as number] as number;
        const at = fill[r] as number;
        docs[at] = d;
        tfs[at] = this.pairTf.data[j] as number;
        fill[r] = at + 1;
      }
    }
    const [termOff, termBytes] = encodeStrings(order.map((i) => this.terms[i] as string));
    const lengths = this.lengths.data.slice(0, N);
    let total = 0;
    for (let d = 0; d < N; d++) total += lengths[d] as number;
    writeSections(path, MAGIC, VERSION, [new Float64Array([N, total]), lengths, termOff, off, docs, termBytes, tfs]);
  }
}

/** postings.bin opened for search: O(T + N) memory for the dictionary and lengths; postings read per term. */
export class PostingsFile implements Postings {
  readonly nDocs: number;
  readonly avgLen: number;
  private readonly file: SectionFile;
  private readonly lengths: Uint32Array;
  private readonly termOff: Uint32Array;
  private readonly postOff: Uint32Array;
  private readonly termBytes: Buffer;

  constructor(path: string) {
    this.file = new SectionFile(path, MAGIC, VERSION);
    const head = this.file.f64(0);
    this.nDocs = head[0] as number;
    this.avgLen = this.nDocs === 0 ? 1 : Math.max((head[1] as number) / this.nDocs, 1e-9);
    this.lengths = this.file.u32(1);
    this.termOff = this.file.u32(2);
    this.postOff = this.file.u32(3);
    const tb = this.file.u8(5);
    this.termBytes = Buffer.from(tb.buffer, tb.byteOffset, tb.byteLength);
  }

  get terms(): number {
    return this.termOff.length - 1;
  }

  /** Number of (term, chunk) postings. */
  get size(): number {
    return this.file.count(4);
  }

  docLen(doc: number): number {
    return this.lengths[doc] as number;
  }

  termAt(t: number): string {
    return this.termBytes.toString("utf8", this.termOff[t] as number, this.termOff[t + 1] as number);
  }

  /** Binary search of the sorted dictionary; -1 when absent. */
  find(term: string): number {
    let lo = 0;
    let hi = this.terms - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.termAt(mid);
      if (m === term) return mid;
      if (m < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Document frequency: how many chunks hold the term (0 when absent), read from the dictionary alone. */
  df(term: string): number {
    const t = this.find(term);
    return t < 0 ? 0 : (this.postOff[t + 1] as number) - (this.postOff[t] as number);
  }

  postings(term: string): { docs: Uint32Array; tfs: Uint16Array } | null {
    const t = this.find(term);
    if (t < 0) return null;
    const from = this.postOff[t] as number;
    const n = (this.postOff[t + 1] as number) - from;
    return { docs: this.file.readRange(4, from, n) as Uint32Array, tfs: this.file.readRange(6, from, n) as Uint16Array };
  }

  close(): void {
    this.file.close();
  }
}
