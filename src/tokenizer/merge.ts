// Rank-ordered BPE merging of one pre-token (tiktoken / Hugging Face semantics: repeatedly merge the adjacent
// pair of lowest merge rank, leftmost first) over a fast open-addressing pair table. Not here: pre-tokenizing,
// caching, vocabularies, score-ordered SentencePiece merging (spm.ts).

/** Rank of "no such merge": above every real rank, so that a min-scan never picks it. */
export const NO_MERGE = 0x7fffffff;
/** Pairs of ids both below this are looked up in a dense square table (byte-level vocabularies put the 256
 *  byte tokens first, and every piece starts as bytes: most lookups land here). */
const DENSE = 256;

/** (left id, right id) → rank, and rank → merged id. Pairs of small ids sit in a dense table; the rest in open
 *  addressing over interleaved (left, right, rank, unused) ints: one cache line per probe (a Map keyed by
 *  numbers above 2^30 falls off V8's fast path), behind a one-bit-per-hash filter that answers most misses
 *  without touching the slots (Japanese under GPT-2: 661k of 842k hashed lookups miss; the slots, 2 MB, live in
 *  L3, the filter, 128 KB, in L2; the native merge went from 30 to 20 ms CPU on Aozora 789_ruby_5639). All of
 *  it lives in one Int32Array, `packed`, laid out as native/include/kd_bpe.h says, so that the native merge
 *  reads the same table. */
export class PairTable {
  /** [mask, merges, filter bits log2, 0] · dense (256·256) · slots ((mask + 1)·4) · merged id by rank (merges)
   *  · filter (2^bits bits as 2^bits / 32 ints). */
  readonly packed: Int32Array;
  private readonly dense: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly filter: Int32Array;
  /** 32 − filter bits: a hash's top bits index the filter. */
  private readonly filterShift: number;
  /** Merged id by rank. */
  readonly mergedOf: Int32Array;
  readonly size: number;

  constructor(pairs: readonly (readonly [number, number, number])[]) {
    let cap = 16;
    while (cap < pairs.length * 2) cap *= 2;
    this.mask = cap - 1;
    // 16 filter bits per slot pair (a false-positive rate of ~1/16 at most), from 2^10 to 2^21 bits (256 KB).
    let bits = 10;
    while (bits < 21 && 1 << bits < cap * 8) bits++;
    const HEADER = 4;
    const filterAt = HEADER + DENSE * DENSE + cap * 4 + pairs.length;
    this.packed = new Int32Array(filterAt + (1 << bits) / 32);
    this.packed[0] = this.mask;
    this.packed[1] = pairs.length;
    this.packed[2] = bits;
    this.filterShift = 32 - bits;
    this.filter = this.packed.subarray(filterAt);
    this.dense = this.packed.subarray(HEADER, HEADER + DENSE * DENSE).fill(NO_MERGE);
    this.slots = this.packed.subarray(HEADER + DENSE * DENSE, HEADER + DENSE * DENSE + cap * 4).fill(-1);
    this.mergedOf = this.packed.subarray(HEADER + DENSE * DENSE + cap * 4, filterAt);
    let n = 0;
    pairs.forEach(([a, b, m], r) => {
      this.mergedOf[r] = m;
      if ((a | b) >>> 0 < DENSE) {
        if (this.dense[a * DENSE + b] !== NO_MERGE) return; // a duplicate merge keeps its first (best) rank
        this.dense[a * DENSE + b] = r;
        n++;
        return;
      }
      const x = hash(a, b);
      const f = filterBit(x) >>> this.filterShift;
      this.filter[f >>> 5] = this.filter[f >>> 5]! | (1 << (f & 31));
      let h = x & this.mask;
      while (this.slots[h * 4] !== -1) {
        if (this.slots[h * 4] === a && this.slots[h * 4 + 1] === b) return;
        h = (h + 1) & this.mask;
      }
      this.slots[h * 4] = a;
      this.slots[h * 4 + 1] = b;
      this.slots[h * 4 + 2] = r;
      n++;
    });
    this.size = n;
  }

  /** Rank of the merge of (a, b), or NO_MERGE. */
  rank(a: number, b: number): number {
    if ((a | b) >>> 0 < DENSE) return this.dense[a * DENSE + b]!;
    const x = hash(a, b);
    const f = filterBit(x) >>> this.filterShift;
    if (((this.filter[f >>> 5]! >>> (f & 31)) & 1) === 0) return NO_MERGE;
    const slots = this.slots;
    let h = (x & this.mask) << 2;
    const wrap = slots.length - 1;
    for (;;) {
      const l = slots[h]!;
      if (l === -1) return NO_MERGE;
      if (l === a && slots[h + 1] === b) return slots[h + 2]!;
      h = (h + 4) & wrap;
    }
  }
}

const hash = (a: number, b: number): number => (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
/** A second mix of the hash for the filter, so that its bits do not repeat the slot's. */
const filterBit = (x: number): number => Math.imul(x, 0x27d4eb2f) >>> 0;

const NONE = NO_MERGE;
/** Pieces longer than this (in bytes) merge by heap; shorter ones by scan (measured crossover). */
const HEAP_ABOVE = 16;

/** A merge of sym[0..n) in place over `packed` (PairTable.packed) returning the new length: the native addon's
 *  (engine nativeBpeMerge), equal to mergeByHeap. */
export type NativeMerge = (packed: Int32Array, sym: Int32Array, n: number) => number;

/** Merges by rank. Holds scratch buffers, so one merger per tokenizer (not shared across threads). */
export class BpeMerger {
  private ranks = new Int32Array(64);
  private readonly heap = new HeapScratch();
  /** `native`, when given, merges the pieces longer than HEAP_ABOVE (the TypeScript heap is the reference). */
  constructor(readonly table: PairTable, private readonly native: NativeMerge | null = null) {}

  /** Merges sym[0..n) in place; returns the new length. Linear scans for short pieces (the common case: a
   *  word is a few bytes), a binary heap over (rank, position) for long ones (whitespace or CJK runs). */
  merge(sym: Int32Array, n: number): number {
    if (n < 2) return n;
    if (n > HEAP_ABOVE) return this.native !== null ? this.native(this.table.packed, sym, n) : mergeByHeap(this.table, sym, n, this.heap);
    if (this.ranks.length < n) this.ranks = new Int32Array(n * 2);
    return mergeByScan(this.table, sym, n, this.ranks);
  }
}

export function mergeByScan(table: PairTable, sym: Int32Array, n: number, ranks: Int32Array): number {
  const mergedOf = table.mergedOf;
  for (let i = 0; i + 1 < n; i++) ranks[i] = table.rank(sym[i]!, sym[i + 1]!);
  for (;;) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i + 1 < n; i++) {
      if (ranks[i]! < best) {
        best = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) return n;
    sym[at] = mergedOf[best]!;
    for (let i = at + 1; i + 1 < n; i++) {
      sym[i] = sym[i + 1]!;
      ranks[i] = ranks[i + 1]!;
    }
    n--;
    if (at > 0) ranks[at - 1] = table.rank(sym[at - 1]!, sym[at]!);
    if (at + 1 < n) ranks[at] = table.rank(sym[at]!, sym[at + 1]!);
  }
}

/** Heap-ordered merging: O(n log n). Entries are (rank, position) packed in one float64 (rank · 2^32 +
 *  position) with the version of the left symbol when pushed; stale entries are skipped. Scratch buffers are
 *  passed in (grown here) so that a merger reuses them across pieces. */
export class HeapScratch {
  next = new Int32Array(256);
  prev = new Int32Array(256);
  ver = new Int32Array(256);
  keys = new Float64Array(512);
  vers = new Int32Array(512);
}

const SHIFT = 4294967296; // 2^32

export function mergeByHeap(table: PairTable, sym: Int32Array, n: number, w: HeapScratch = new HeapScratch()): number {
  if (w.next.length < n) {
    w.next = new Int32Array(n * 2);
    w.prev = new Int32Array(n * 2);
    w.ver = new Int32Array(n * 2);
  }
  if (w.keys.length < 2 * n) {
    w.keys = new Float64Array(4 * n);
    w.vers = new Int32Array(4 * n);
  }
  const { next, prev, ver } = w;
  let keys = w.keys;
  let vers = w.vers;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
    ver[i] = 0;
  }
  let size = 0;
  // Initial entries, then heapify bottom-up.
  const mergedOf = table.mergedOf;
  for (let i = 0; i + 1 < n; i++) {
    const r = table.rank(sym[i]!, sym[i + 1]!);
    if (r !== NONE) {
      keys[size] = r * SHIFT + i;
      vers[size++] = 0;
    }
  }
  for (let start = (size >> 1) - 1; start >= 0; start--) {
    const key = keys[start]!;
    const v = vers[start]!;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && keys[c + 1]! < keys[c]!) c++;
      if (keys[c]! >= key) break;
      keys[i] = keys[c]!;
      vers[i] = vers[c]!;
      i = c;
    }
    keys[i] = key;
    vers[i] = v;
  }
  while (size > 0) {
    const top = keys[0]!;
    const topVer = vers[0]!;
    // Pop: move the last entry down from the root.
    const key = keys[--size]!;
    const v = vers[size]!;
    let h = 0;
    for (;;) {
      let c = 2 * h + 1;
      if (c >= size) break;
      if (c + 1 < size && keys[c + 1]! < keys[c]!) c++;
      if (keys[c]! >= key) break;
      keys[h] = keys[c]!;
      vers[h] = vers[c]!;
      h = c;
    }
    keys[h] = key;
    vers[h] = v;

    const i = top % SHIFT;
    if (ver[i] !== topVer) continue;
    const j = next[i]!;
    sym[i] = mergedOf[(top - i) / SHIFT]!;
    next[i] = next[j]!;
    if (next[j]! >= 0) prev[next[j]!] = i;
    ver[j] = ver[j]! + 1;
    ver[i] = ver[i]! + 1;
    const p = prev[i]!;
    if (p >= 0) ver[p] = ver[p]! + 1;
    // Push the (at most two) new pairs.
    for (let e = 0; e < 2; e++) {
      const a = e === 0 ? p : i;
      if (a < 0) continue;
      const b = next[a]!;
      if (b < 0) continue;
      const r = table.rank(sym[a]!, sym[b]!);
      if (r === NONE) continue;
      if (size === keys.length) {
        const k2 = new Float64Array(keys.length * 2);
        k2.set(keys);
        keys = w.keys = k2;
        const v2 = new Int32Array(vers.length * 2);
        v2.set(vers);
        vers = w.vers = v2;
      }
      const nk = r * SHIFT + a;
      const nv = ver[a]!;
      let c = size++;
      while (c > 0) {
        const par = (c - 1) >> 1;
        if (keys[par]! <= nk) break;
        keys[c] = keys[par]!;
        vers[c] = vers[par]!;
        c = par;
      }
      keys[c] = nk;
      vers[c] = nv;
    }
  }
  let k = 0;
  for (let i = 0; i >= 0; i = next[i]!) sym[k++] = sym[i]!;
  return k;
}
