// Rank-ordered BPE merging of one pre-token (tiktoken / Hugging Face semantics: repeatedly merge the adjacent
// pair of lowest merge rank, leftmost first) over a fast open-addressing pair table. Not here: pre-tokenizing,
// caching, vocabularies, score-ordered SentencePiece merging (spm.ts).

/** (left id, right id) → (rank, merged id), open addressing in typed arrays (Map keyed by numbers above 2^30
 *  falls off V8's fast path). */
export class PairTable {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly rank: Int32Array;
  private readonly merged: Int32Array;
  private readonly mask: number;
  readonly size: number;

  constructor(pairs: readonly (readonly [number, number, number])[]) {
    let cap = 16;
    while (cap < pairs.length * 2) cap *= 2;
    this.mask = cap - 1;
    this.left = new Int32Array(cap).fill(-1);
    this.right = new Int32Array(cap);
    this.rank = new Int32Array(cap);
    this.merged = new Int32Array(cap);
    let n = 0;
    pairs.forEach(([a, b, m], r) => {
      let h = hash(a, b) & this.mask;
      while (this.left[h] !== -1) {
        if (this.left[h] === a && this.right[h] === b) return; // a duplicate merge keeps its first (best) rank
        h = (h + 1) & this.mask;
      }
      this.left[h] = a;
      this.right[h] = b;
      this.rank[h] = r;
      this.merged[h] = m;
      n++;
    });
    this.size = n;
  }

  /** Slot of the pair, or -1. */
  find(a: number, b: number): number {
    let h = hash(a, b) & this.mask;
    for (;;) {
      const l = this.left[h]!;
      if (l === -1) return -1;
      if (l === a && this.right[h] === b) return h;
      h = (h + 1) & this.mask;
    }
  }
  rankAt(slot: number): number {
    return this.rank[slot]!;
  }
  mergedAt(slot: number): number {
    return this.merged[slot]!;
  }
}

const hash = (a: number, b: number): number => (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;

const NONE = 0x7fffffff;
/** Pieces longer than this (in bytes) merge by heap; shorter ones by scan (measured crossover). */
const HEAP_ABOVE = 16;

/** Merges by rank. Holds scratch buffers, so one merger per tokenizer (not shared across threads). */
export class BpeMerger {
  private ranks = new Int32Array(64);
  private slots = new Int32Array(64);
  private readonly heap = new HeapScratch();
  constructor(readonly table: PairTable) {}

  /** Merges sym[0..n) in place; returns the new length. Linear scans for short pieces (the common case: a
   *  word is a few bytes), a binary heap over (rank, position) for long ones (whitespace or CJK runs). */
  merge(sym: Int32Array, n: number): number {
    if (n < 2) return n;
    if (n > HEAP_ABOVE) return mergeByHeap(this.table, sym, n, this.heap);
    if (this.ranks.length < n) {
      this.ranks = new Int32Array(n * 2);
      this.slots = new Int32Array(n * 2);
    }
    return mergeByScan(this.table, sym, n, this.ranks, this.slots);
  }
}

export function mergeByScan(table: PairTable, sym: Int32Array, n: number, ranks: Int32Array, slots: Int32Array): number {
  for (let i = 0; i + 1 < n; i++) {
    const s = table.find(sym[i]!, sym[i + 1]!);
    slots[i] = s;
    ranks[i] = s < 0 ? NONE : table.rankAt(s);
  }
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
    sym[at] = table.mergedAt(slots[at]!);
    if (at + 2 < n) {
      sym.copyWithin(at + 1, at + 2, n);
      ranks.copyWithin(at + 1, at + 2, n - 1);
      slots.copyWithin(at + 1, at + 2, n - 1);
    }
    n--;
    if (at > 0) {
      const s = table.find(sym[at - 1]!, sym[at]!);
      slots[at - 1] = s;
      ranks[at - 1] = s < 0 ? NONE : table.rankAt(s);
    }
    if (at + 1 < n) {
      const s = table.find(sym[at]!, sym[at + 1]!);
      slots[at] = s;
      ranks[at] = s < 0 ? NONE : table.rankAt(s);
    }
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
  for (let i = 0; i + 1 < n; i++) {
    const s = table.find(sym[i]!, sym[i + 1]!);
    if (s >= 0) {
      keys[size] = table.rankAt(s) * SHIFT + i;
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
    sym[i] = table.mergedAt(table.find(sym[i]!, sym[j]!));
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
      const s = table.find(sym[a]!, sym[b]!);
      if (s < 0) continue;
      if (size === keys.length) {
        const k2 = new Float64Array(keys.length * 2);
        k2.set(keys);
        keys = w.keys = k2;
        const v2 = new Int32Array(vers.length * 2);
        v2.set(vers);
        vers = w.vers = v2;
      }
      const nk = table.rankAt(s) * SHIFT + a;
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
