// Deduplication: exact duplicates by a normalised hash, then near-duplicates by MinHash-LSH, keeping the first
// occurrence. Not here: the MinHash/LSH mechanics (minhash.ts) and cross-split contamination (decontaminate.ts).
//
// "Normalised" for the exact hash means the unit sequence of units.ts: case, punctuation and whitespace are
// ignored, so "Hello, World!" and "hello world" are the same document. The exact key is 52 bits (two
// independent 32-bit hashes of the unit sequence) kept in a typed open-addressing set (8-byte slots, load
// between 3/8 and 3/4): the chance of any false "duplicate" among n documents is about n^2 / 2^53 (0.3 % at n = 5 million).

/** A set of 52-bit integer keys (as doubles) with linear probing; 0 marks an empty slot (keys are shifted
 *  by 1). */
export class Key52Set {
  private table = new Float64Array(1 << 12);
  private used = 0;

  get size(): number {
    return this.used;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** Adds key; returns false when it was already present. */
  add(key: number): boolean {
    const k = key + 1;
    if ((this.used + 1) * 4 > this.table.length * 3) this.grow();
    const mask = this.table.length - 1;
    let h = (k % 4294967296) & mask;
    while (this.table[h] !== 0) {
      if (this.table[h] === k) return false;
      h = (h + 1) & mask;
    }
    this.table[h] = k;
    this.used++;
    return true;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.used = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.add(old[i]! - 1);
  }
}

/** The 52-bit exact-duplicate key of a unit sequence. */
export function exactKey(units: Uint32Array): number {
  let a = 0x811c9dc5;
  let b = 0x3c6ef372;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    a = Math.imul(a ^ u, 0x01000193);
    b = Math.imul(b ^ (u >>> 7) ^ (u << 11), 0x5bd1e995) + i;
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ units.length, 0x01000193);
  return (a >>> 0) * 1048576 + ((b >>> 0) & 0xfffff);
}
import { unitHashes } from "./units.js";
import { LshIndex, MinHasher, type MinHashConfig } from "./minhash.js";

export interface DedupConfig {
  readonly exact: boolean;
  readonly near: boolean;
  readonly minhash: MinHashConfig;
}

export type DedupVerdict =
  | { readonly keep: true }
  | { readonly keep: false; readonly kind: "exact" }
  | { readonly keep: false; readonly kind: "near"; readonly of: string; readonly similarity: number };

/** Ids of kept documents, compactly: "prefix:N" / "prefix#N" ids (what the readers make) take 8 bytes each
 *  (prefix number and N); other ids are kept as strings. */
class IdStore {
  private readonly prefixes: string[] = [];
  private readonly prefixIndex = new Map<string, number>();
  private packed = new Float64Array(1024);
  private readonly other = new Map<number, string>();
  private n = 0;

  get bytes(): number {
    return this.packed.byteLength;
  }

  push(id: string): void {
    if (this.n === this.packed.length) {
      const bigger = new Float64Array(this.packed.length * 2);
      bigger.set(this.packed);
      this.packed = bigger;
    }
    const m = /^(.*[:#])(\d{1,9})$/.exec(id);
    if (m === null) {
      this.other.set(this.n, id);
      this.packed[this.n++] = -1;
      return;
    }
    let p = this.prefixIndex.get(m[1]!);
    if (p === undefined) {
      p = this.prefixes.length;
      this.prefixes.push(m[1]!);
      this.prefixIndex.set(m[1]!, p);
    }
    this.packed[this.n++] = p * 1e9 + Number(m[2]);
  }

  get(i: number): string {
    const v = this.packed[i]!;
    if (v < 0) return this.other.get(i)!;
    return `${this.prefixes[Math.floor(v / 1e9)]}${v % 1e9}`;
  }
}

/** Stateful deduplicator over one stream of documents (first occurrence wins). */
export class Deduplicator {
  private readonly exactSeen = new Key52Set();
  private readonly hasher: MinHasher;
  private readonly index: LshIndex;
  private readonly keptIds = new IdStore();

  constructor(private readonly cfg: DedupConfig) {
    this.hasher = new MinHasher(cfg.minhash);
    this.index = new LshIndex(this.hasher);
  }

  /** Approximate bytes of state (exact-hash set and LSH index). */
  get bytes(): number {
    return this.exactSeen.bytes + this.index.bytes + this.keptIds.bytes;
  }

  /** Exact-duplicate check only (records the document when new). */
  checkExact(units: Uint32Array): boolean {
    return this.exactSeen.add(exactKey(units));
  }

  /** Near-duplicate check only (indexes the document when new). */
  checkNear(id: string, units: Uint32Array): DedupVerdict {
    const sig = this.hasher.signature(units);
    if (sig === null) return { keep: true };
    const hit = this.index.query(sig);
    if (hit !== null) return { keep: false, kind: "near", of: this.keptIds.get(hit.index), similarity: hit.similarity };
    this.index.insert(sig);
    this.keptIds.push(id);
    return { keep: true };
  }

  /** Both checks in order, as the pipeline runs them. */
  check(id: string, text: string): DedupVerdict {
    const units = unitHashes(text);
    if (this.cfg.exact && !this.checkExact(units)) return { keep: false, kind: "exact" };
    return this.cfg.near ? this.checkNear(id, units) : { keep: true };
  }
}
