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

/** A 52-bit key of the n units at i (two independent 32-bit multiplicative hashes). */
function key(u: Uint32Array, i: number, n: number): number {
  let a = 0x2545f491;
  let b = 0x6c8e9cf5;
  for (let j = i; j < i + n; j++) {
    a = Math.imul(a ^ u[j]!, 0x01000193);
    b = Math.imul(b + u[j]!, 0x9e3779b1) ^ (b >>> 13);
  }
  return (a >>> 0) * 1048576 + ((b >>> 0) & 0xfffff);
}

/** A set of n-grams (of one or several lengths) to look for in documents; each n-gram carries the tag of the
 *  first text that added it (which evaluation set or file), so a match can say what it matched. */
export class NgramSet {
  private readonly keys = new Map<number, number>();
  /** A 2^25-bit filter over the keys' low bits: most lookups miss and stop here, before the Set. */
  private readonly bits = new Uint32Array(1 << 20);
  private readonly lengths = new Set<number>();

  get size(): number {
    return this.keys.size;
  }

  /** Adds every n-gram of text; a text shorter than n but with at least minUnits units is added whole. */
  add(text: string, n: number, minUnits = Infinity, tag = 0): void {
    const u = unitHashes(text);
    if (u.length < n) {
      if (u.length >= minUnits) {
        this.lengths.add(u.length);
        this.put(key(u, 0, u.length), tag);
      }
      return;
    }
    this.lengths.add(n);
    for (let i = 0; i + n <= u.length; i++) this.put(key(u, i, n), tag);
  }

  private put(k: number, tag: number): void {
    if (!this.keys.has(k)) this.keys.set(k, tag);
    const lo = k % 33554432;
    this.bits[lo >>> 5]! |= 1 << (lo & 31);
  }

  /** Number of positions of text where one of the set's n-grams starts, the number of positions checked for the
   *  longest length (the denominator of a match fraction), and the tag of the first hit (-1: none). One pass:
   *  from each position the key is extended unit by unit and looked up at every length the set holds. */
  matches(text: string, stopAt = Infinity): { readonly hits: number; readonly total: number; readonly tag: number } {
    const u = unitHashes(text);
    let maxLen = 0;
    let minLen = Infinity;
    for (const n of this.lengths) [maxLen, minLen] = [Math.max(maxLen, n), Math.min(minLen, n)];
    const want = new Uint8Array(maxLen + 1);
    for (const n of this.lengths) want[n] = 1;
    let hits = 0;
    let tag = -1;
    for (let i = 0; i + minLen <= u.length; i++) {
      let a = 0x2545f491;
      let b = 0x6c8e9cf5;
      const end = Math.min(u.length, i + maxLen);
      for (let j = i; j < end; j++) {
        a = Math.imul(a ^ u[j]!, 0x01000193);
        b = Math.imul(b + u[j]!, 0x9e3779b1) ^ (b >>> 13);
        if (want[j - i + 1] !== 1) continue;
        const k = (a >>> 0) * 1048576 + ((b >>> 0) & 0xfffff);
        const lo = k % 33554432;
        if ((this.bits[lo >>> 5]! & (1 << (lo & 31))) !== 0) {
          const t = this.keys.get(k);
          if (t === undefined) continue;
          hits++;
          if (tag < 0) tag = t;
          if (hits >= stopAt) return { hits, total: Math.max(0, u.length - maxLen + 1), tag };
          break;
        }
      }
    }
    return { hits, total: Math.max(0, u.length - maxLen + 1), tag };
  }
}
