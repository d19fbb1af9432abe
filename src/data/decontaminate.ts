// Decontamination: drop training documents that share a long n-gram (13 units by default, as GPT-3, Brown et
// al. 2020 App. C) with an evaluation set, a user's evaluation file or the held-out validation split. Not here:
// reading the evaluation sets (evalsets.ts, userevals.ts) or choosing the split (split.ts).
//
// Evaluation texts shorter than n units but at least minEvalUnits long are matched whole (as GPT-3 did for
// short examples). For the held-out split a document is dropped only when at least heldOutMinFraction of its
// n-grams occur in validation documents: TinyStories shares stock 13-grams ("once upon a time there was a
// little girl named lily who loved to ...") across unrelated stories, so a single shared n-gram is not a leak.
import { unitHashes } from "./units.js";
import type { EvalSetName } from "./evalsets.js";

export interface DecontaminateConfig {
  readonly evalSets: readonly EvalSetName[];
  /** Folder holding the evaluation sets (null: ../shared/data; they are skipped with a note when absent). */
  readonly dataDir: string | null;
  /** The user's own evaluation files (relative to the config's folder): JSON Lines, JSON, CSV, TSV, or plain
   *  text with one item per line (userevals.ts). Applied whether or not the built-in sets are found. */
  readonly files: readonly string[];
  /** JSON/JSONL: dotted paths of the text fields of an item; CSV/TSV: column names. [] = every string value of
   *  an item (every column). */
  readonly fields: readonly string[];
  readonly ngram: number;
  readonly minEvalUnits: number;
  readonly heldOut: boolean;
  readonly heldOutMinFraction: number;
}

export const DECONTAMINATE_DEFAULTS: DecontaminateConfig = {
  evalSets: ["cefr-sp", "asset", "do-not-answer", "instruct-heldout"],
  dataDir: null,
  files: [],
  fields: [],
  ngram: 13,
  minEvalUnits: 8,
  heldOut: true,
  heldOutMinFraction: 0.1,
};

// An n-gram's key is a pair of polynomial hashes of its unit hashes, h = sum_k u[i+k] B^k (mod 2^32), with two odd
// bases. From the prefix sums P[t] = sum_{k<t} u[k] B^k, the key of any (i, n) is (P[i+n] - P[i]) B^-i: two
// multiplies per n-gram whatever n is (odd numbers are invertible mod 2^32), where rehashing the n units from each
// start cost n steps per length. 52 bits: all 32 of the first hash and the top 20 of the second.
const B1 = 0x01000193;
const B2 = 0x9e3779b1 | 0;

/** The inverse of an odd b modulo 2^32 (Newton's iteration; each step doubles the correct low bits). */
function inverse32(b: number): number {
  let x = b;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(b, x));
  return x;
}
const I1 = inverse32(B1);
const I2 = inverse32(B2);

/** Prefix sums and inverse powers of one unit sequence (scratch arrays, reused between calls). */
export class Prefixes {
  p1 = new Int32Array(1);
  p2 = new Int32Array(1);
  q1 = new Int32Array(1);
  q2 = new Int32Array(1);

  of(u: Uint32Array): this {
    if (this.p1.length < u.length + 1) {
      const n = 2 * u.length + 1;
      [this.p1, this.p2, this.q1, this.q2] = [new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)];
    }
    const { p1, p2, q1, q2 } = this;
    let w1 = 1;
    let w2 = 1;
    let v1 = 1;
    let v2 = 1;
    for (let t = 0; t < u.length; t++) {
      p1[t + 1] = (p1[t]! + Math.imul(u[t]!, w1)) | 0;
      p2[t + 1] = (p2[t]! + Math.imul(u[t]!, w2)) | 0;
      q1[t] = v1;
      q2[t] = v2;
      w1 = Math.imul(w1, B1);
      w2 = Math.imul(w2, B2);
      v1 = Math.imul(v1, I1);
      v2 = Math.imul(v2, I2);
    }
    return this;
  }

  /** The 52-bit key of the n units starting at i. */
  key(i: number, n: number): number {
    const a = Math.imul(this.p1[i + n]! - this.p1[i]!, this.q1[i]!) >>> 0;
    const b = Math.imul(this.p2[i + n]! - this.p2[i]!, this.q2[i]!) >>> 0;
    return a * 1048576 + (b >>> 12);
  }
}

/** A set of n-grams (of one or several lengths) to look for in documents; each n-gram carries the tag of the
 *  first text that added it (which evaluation set or file), so a match can say what it matched. */
export class NgramSet {
  private readonly keys = new Map<number, number>();
  /** A 2^25-bit filter over the keys' low bits: most lookups miss and stop here, before the Set. */
  private readonly bits = new Uint32Array(1 << 20);
  private readonly lengths = new Set<number>();
  /** The lengths, ascending (rebuilt when one is added). */
  private sorted = new Int32Array(0);
  private readonly pre = new Prefixes();

  get size(): number {
    return this.keys.size;
  }

  /** Adds every n-gram of text; a text shorter than n but with at least minUnits units is added whole. */
  add(text: string, n: number, minUnits = Infinity, tag = 0): void {
    const u = unitHashes(text);
    const pre = this.pre.of(u);
    if (u.length < n) {
      if (u.length >= minUnits) {
        this.addLength(u.length);
        this.put(pre.key(0, u.length), tag);
      }
      return;
    }
    this.addLength(n);
    for (let i = 0; i + n <= u.length; i++) this.put(pre.key(i, n), tag);
  }

  private addLength(n: number): void {
    if (this.lengths.has(n)) return;
    this.lengths.add(n);
    this.sorted = Int32Array.from(this.lengths).sort();
  }

  private put(k: number, tag: number): void {
    if (!this.keys.has(k)) this.keys.set(k, tag);
    const lo = k % 33554432;
    this.bits[lo >>> 5]! |= 1 << (lo & 31);
  }

  /** Number of positions of text where one of the set's n-grams starts, the number of positions checked for the
   *  longest length (the denominator of a match fraction), and the tag of the first hit (-1: none). From each
   *  position the set's lengths are tried shortest first, each key two multiplies off the prefix sums; a position
   *  counts once. */
  matches(text: string, stopAt = Infinity): { readonly hits: number; readonly total: number; readonly tag: number } {
    const u = unitHashes(text);
    const lens = this.sorted;
    const maxLen = lens.length === 0 ? 0 : lens[lens.length - 1]!;
    const total = Math.max(0, u.length - maxLen + 1);
    if (lens.length === 0 || u.length < lens[0]!) return { hits: 0, total, tag: -1 };
    const pre = this.pre.of(u);
    const { p1, p2, q1, q2 } = pre;
    const bits = this.bits;
    let hits = 0;
    let tag = -1;
    for (let i = 0; i + lens[0]! <= u.length; i++) {
      const a0 = p1[i]!;
      const b0 = p2[i]!;
      const ia = q1[i]!;
      const ib = q2[i]!;
      for (let l = 0; l < lens.length; l++) {
        const n = lens[l]!;
        if (i + n > u.length) break;
        const a = Math.imul(p1[i + n]! - a0, ia) >>> 0;
        const k = a * 1048576 + (Math.imul(p2[i + n]! - b0, ib) >>> 12);
        const lo = k % 33554432;
        if ((bits[lo >>> 5]! & (1 << (lo & 31))) === 0) continue;
        const t = this.keys.get(k);
        if (t === undefined) continue;
        hits++;
        if (tag < 0) tag = t;
        if (hits >= stopAt) return { hits, total, tag };
        break;
      }
    }
    return { hits, total, tag };
  }
}
