// The byte-level BPE encoder's cache: pre-token (a span of the text being encoded) → its ids, in typed arrays,
// looked up by the span's UTF-16 units without making a string of it. Not here: what is cached or when
// (bpe.ts), merging (merge.ts).
//
// Why not a Map<string, number>: every lookup needed text.slice(s, e) first (a new string, hashed, then garbage),
// and each insert grew V8's ordered hash map. On Aozora 789_ruby_5639 under GPT-2 that was a quarter of a cold
// encode (Map lookups, stores and the scavenges of the key strings).

/** Open addressing over slots of (hash, key offset, key length, ids offset · 128 + count); a slot is live when
 *  its epoch is the cache's (clear() is one increment). Keys ≤ 127 units and ≤ 127 ids per entry. */
export class PieceCache {
  private slots = new Int32Array(1024 * 4);
  private epochs = new Int32Array(1024);
  private mask = 1023;
  private epoch = 1;
  /** Entries live; clear() when it reaches maxEntries. */
  size = 0;
  private keys = new Uint16Array(4096);
  private keysLen = 0;
  /** The cached ids; get() returns an offset · 128 + count into it. */
  ids = new Int32Array(4096);
  private idsLen = 0;

  constructor(readonly maxEntries: number) {}

  /** The entry of text[s, e) as (offset in ids) · 128 + count, or -1. */
  get(text: string, s: number, e: number): number {
    const h = hashSpan(text, s, e);
    const slots = this.slots;
    const epochs = this.epochs;
    const keys = this.keys;
    const len = e - s;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      if (epochs[i] !== this.epoch) return -1;
      const o = i * 4;
      if (slots[o] === h && slots[o + 2] === len) {
        const at = slots[o + 1]!;
        let k = 0;
        while (k < len && keys[at + k] === text.charCodeAt(s + k)) k++;
        if (k === len) return slots[o + 3]!;
      }
    }
  }

  /** Caches text[s, e) → from[at, at + m) (the span not yet cached; e − s and m below 128). Clears the cache
   *  first when it holds maxEntries. */
  set(text: string, s: number, e: number, from: Int32Array, at: number, m: number): void {
    if (this.size >= this.maxEntries) this.clear();
    if ((this.size + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const len = e - s;
    if (this.keysLen + len > this.keys.length) {
      const bigger = new Uint16Array(Math.max(this.keys.length * 2, this.keysLen + len));
      bigger.set(this.keys);
      this.keys = bigger;
    }
    if (this.idsLen + m > this.ids.length) {
      const bigger = new Int32Array(Math.max(this.ids.length * 2, this.idsLen + m));
      bigger.set(this.ids);
      this.ids = bigger;
    }
    const keys = this.keys;
    for (let k = 0; k < len; k++) keys[this.keysLen + k] = text.charCodeAt(s + k);
    const ids = this.ids;
    for (let k = 0; k < m; k++) ids[this.idsLen + k] = from[at + k]!;
    this.place(hashSpan(text, s, e), this.keysLen, len, this.idsLen * 128 + m);
    this.keysLen += len;
    this.idsLen += m;
    this.size++;
  }

  clear(): void {
    this.epoch++;
    this.size = 0;
    this.keysLen = 0;
    this.idsLen = 0;
  }

  private place(h: number, keyAt: number, len: number, packed: number): void {
    let i = h & this.mask;
    while (this.epochs[i] === this.epoch) i = (i + 1) & this.mask;
    this.epochs[i] = this.epoch;
    const o = i * 4;
    this.slots[o] = h;
    this.slots[o + 1] = keyAt;
    this.slots[o + 2] = len;
    this.slots[o + 3] = packed;
  }

  private rehash(cap: number): void {
    const { slots, epochs, epoch } = this;
    this.slots = new Int32Array(cap * 4);
    this.epochs = new Int32Array(cap);
    this.mask = cap - 1;
    this.epoch = 1;
    for (let i = 0; i < epochs.length; i++) {
      if (epochs[i] === epoch) this.place(slots[i * 4]!, slots[i * 4 + 1]!, slots[i * 4 + 2]!, slots[i * 4 + 3]!);
    }
  }
}

/** FNV-1a over UTF-16 units, as a signed int32. */
function hashSpan(text: string, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
