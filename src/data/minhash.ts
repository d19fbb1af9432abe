// MinHash signatures (Broder 1997) and a banded LSH index (Indyk & Motwani 1998; the "b bands of r rows"
// scheme of Leskovec, Rajaraman & Ullman, Mining of Massive Datasets, ch. 3) for near-duplicate detection.
// Not here: text handling beyond the unit hashes of units.ts, and the keep/drop policy (dedup.ts).
//
// Shingles are n consecutive units (words, or characters in Japanese). Each of P hash functions is
// h_i(s) = fmix32(s xor a_i) (MurmurHash3's finaliser over a seeded key); the signature holds the minimum of each.
// P(two documents share a band) = 1 - (1 - J^r)^b for Jaccard similarity J; with the defaults (b = 24, r = 5)
// that is 0.05 at J = 0.3, 0.53 at J = 0.5, 0.988 at J = 0.7 and > 0.9999 at J = 0.8. Candidates are then verified: the fraction of
// equal signature entries estimates J, and a document is a duplicate when the estimate is >= threshold.
// Kept signatures are stored truncated to 8 bits (b-bit MinHash, Li & König 2010): two different minima agree in
// their low 8 bits with probability 1/256, which raises the estimate by (1 - J)/256 (0.001 at J = 0.7).
//
// The signature loop runs in native code when the addon is built (engine/hashing.ts; native/generic/minhash.c,
// vectorized over the P hash functions); the TypeScript loop below stays as its specification, and a test
// compares the two on random input.
import { Rng } from "../util/rng.js";
import { nativeMinHashKernel, type MinHashKernel } from "../engine/hashing.js";

export interface MinHashConfig {
  /** Units per shingle. */
  readonly shingle: number;
  /** Hash functions P = bands × rows. */
  readonly permutations: number;
  readonly bands: number;
  /** Estimated Jaccard similarity at or above which a document is a near-duplicate. */
  readonly threshold: number;
  readonly seed: number;
}

export const MINHASH_DEFAULTS: MinHashConfig = { shingle: 5, permutations: 120, bands: 24, threshold: 0.7, seed: 1234 };

/** Probability that two documents with Jaccard similarity j become LSH candidates. */
export const candidateProbability = (j: number, bands: number, rows: number): number => 1 - (1 - j ** rows) ** bands;

function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes of the shingles (n consecutive units) of a unit sequence. A sequence shorter than n is one shingle. */
export function shingleHashes(units: Uint32Array, n: number): Uint32Array {
  const count = units.length === 0 ? 0 : Math.max(1, units.length - n + 1);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 0x9747b28c;
    const end = Math.min(units.length, i + n);
    for (let j = i; j < end; j++) h = Math.imul(h ^ units[j]!, 0x5bd1e995) ^ (h >>> 13);
    out[i] = fmix32(h);
  }
  return out;
}

export class MinHasher {
  readonly rows: number;
  private readonly salts: Uint32Array;

  /** kernel: the signature loop (default: the native one when the addon is built); null runs the TypeScript
   *  reference loop. Both give identical signatures. */
  constructor(
    readonly cfg: MinHashConfig,
    private readonly kernel: MinHashKernel | null = nativeMinHashKernel(),
  ) {
    if (cfg.permutations % cfg.bands !== 0) {
      throw new RangeError(`minhash: permutations (${cfg.permutations}) must be a multiple of bands (${cfg.bands})`);
    }
    this.rows = cfg.permutations / cfg.bands;
    const rng = new Rng(cfg.seed);
    this.salts = new Uint32Array(cfg.permutations);
    for (let i = 0; i < cfg.permutations; i++) this.salts[i] = rng.nextU32();
  }

  /** MinHash signature (P values) of the document's units; null for a document with no units. */
  signature(units: Uint32Array): Uint32Array | null {
    const sh = shingleHashes(units, this.cfg.shingle);
    if (sh.length === 0) return null;
    const P = this.cfg.permutations;
    if (this.kernel !== null) {
      const out = new Uint32Array(P);
      this.kernel(sh, this.salts, out);
      return out;
    }
    const sig = new Uint32Array(P).fill(0xffffffff);
    const salts = this.salts;
    for (let s = 0; s < sh.length; s++) {
      const x = sh[s]!;
      for (let i = 0; i < P; i++) {
        let v = x ^ salts[i]!;
        v ^= v >>> 16;
        v = Math.imul(v, 0x85ebca6b);
        v ^= v >>> 13;
        v = Math.imul(v, 0xc2b2ae35);
        v = (v ^ (v >>> 16)) >>> 0;
        if (v < sig[i]!) sig[i] = v;
      }
    }
    return sig;
  }

  /** The LSH key of band b of a signature. */
  bandKey(sig: Uint32Array, b: number): number {
    let h = Math.imul(b + 1, 0x9e3779b1);
    for (let i = b * this.rows; i < (b + 1) * this.rows; i++) h = fmix32(h ^ sig[i]!);
    return h;
  }
}

/** Estimated Jaccard similarity from two signatures (fraction of equal entries). */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return eq / a.length;
}

/** The LSH index of kept documents: one open-addressing multimap per band (band key → kept index, 8 bytes a
 *  slot, load kept between 3/8 and 3/4, so growing one band's table never doubles the whole index at once) and
 *  the kept signatures truncated to 8 bits in fixed-size chunks (no copy when growing). Memory per kept
 *  document ≈ bands × 8 / load + permutations bytes (about 380 bytes with the defaults). */
export class LshIndex {
  private readonly keys: Uint32Array[];
  private readonly vals: Int32Array[]; // kept index + 1; 0 = empty
  private readonly used: number[];
  private readonly chunks: Uint8Array[] = [];
  private count = 0;
  private static readonly CHUNK_DOCS = 1 << 16;

  constructor(private readonly hasher: MinHasher) {
    const B = hasher.cfg.bands;
    this.keys = Array.from({ length: B }, () => new Uint32Array(1 << 10));
    this.vals = Array.from({ length: B }, () => new Int32Array(1 << 10));
    this.used = new Array<number>(B).fill(0);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the index's arrays. */
  get bytes(): number {
    let b = 0;
    for (let i = 0; i < this.keys.length; i++) b += this.keys[i]!.byteLength + this.vals[i]!.byteLength;
    return b + this.chunks.reduce((a, c) => a + c.byteLength, 0);
  }

  /** The best kept match with estimated J >= threshold, or null. */
  query(sig: Uint32Array): { readonly index: number; readonly similarity: number } | null {
    const P = this.hasher.cfg.permutations;
    let best = -1;
    let bestSim = 0;
    const seen = new Set<number>();
    for (let b = 0; b < this.hasher.cfg.bands; b++) {
      const key = this.hasher.bandKey(sig, b);
      const keys = this.keys[b]!;
      const vals = this.vals[b]!;
      const mask = keys.length - 1;
      for (let slot = key & mask; vals[slot] !== 0; slot = (slot + 1) & mask) {
        if (keys[slot] !== key) continue;
        const idx = vals[slot]! - 1;
        if (seen.has(idx)) continue;
        seen.add(idx);
        const chunk = this.chunks[Math.floor(idx / LshIndex.CHUNK_DOCS)]!;
        const off = (idx % LshIndex.CHUNK_DOCS) * P;
        let eq = 0;
        for (let i = 0; i < P; i++) if (chunk[off + i] === (sig[i]! & 0xff)) eq++;
        const sim = eq / P;
        if (sim > bestSim) [best, bestSim] = [idx, sim];
      }
    }
    return best >= 0 && bestSim >= this.hasher.cfg.threshold ? { index: best, similarity: bestSim } : null;
  }

  /** Adds a kept document's signature; returns its kept index. */
  insert(sig: Uint32Array): number {
    const P = this.hasher.cfg.permutations;
    const idx = this.count++;
    const c = Math.floor(idx / LshIndex.CHUNK_DOCS);
    if (c === this.chunks.length) this.chunks.push(new Uint8Array(LshIndex.CHUNK_DOCS * P));
    const chunk = this.chunks[c]!;
    const off = (idx % LshIndex.CHUNK_DOCS) * P;
    for (let i = 0; i < P; i++) chunk[off + i] = sig[i]! & 0xff;
    for (let b = 0; b < this.hasher.cfg.bands; b++) this.put(b, this.hasher.bandKey(sig, b), idx + 1);
    return idx;
  }

  private put(b: number, key: number, val: number): void {
    if ((this.used[b]! + 1) * 4 > this.keys[b]!.length * 3) this.grow(b);
    const keys = this.keys[b]!;
    const vals = this.vals[b]!;
    const mask = keys.length - 1;
    let slot = key & mask;
    while (vals[slot] !== 0) slot = (slot + 1) & mask;
    keys[slot] = key;
    vals[slot] = val;
    this.used[b]!++;
  }

  private grow(b: number): void {
    const oldK = this.keys[b]!;
    const oldV = this.vals[b]!;
    this.keys[b] = new Uint32Array(oldK.length * 2);
    this.vals[b] = new Int32Array(oldV.length * 2);
    this.used[b] = 0;
    for (let i = 0; i < oldK.length; i++) if (oldV[i] !== 0) this.put(b, oldK[i]!, oldV[i]!);
  }
}
