// Vectors of an index and exact search over them: the VectorIndex interface (k nearest unit vectors by cosine),
// a flat in-memory implementation scored by brute force (the reference every approximate index is measured
// against), and its file, vectors.bin (binfile.ts container, magic KTDMVECS): 0 u32[2] N and C, 1 f32[N·C] the
// unit vectors row by row (stored as bytes: binfile has no f32 type).
// Not here: embedding (embedder.ts), the index folder (dense-index.ts), approximate search (lance-store.ts).
import { FormatError, KotodamaError } from "../util/errors.js";
import { SectionFile, writeSections } from "./binfile.js";
import type { Hit } from "./types.js";

/** k nearest neighbours of a unit query among unit vectors, by cosine (= dot product), best first. */
export interface VectorIndex {
  readonly size: number;
  readonly dim: number;
  search(query: Float32Array, k: number): Hit[];
}

const MAGIC = "KTDMVECS";
const VERSION = 1;

/** The k best (score, index) of scores, best first; ties keep the lower index first. A bounded min-heap: O(N log k). */
export function topKScores(scores: Float32Array | Float64Array, k: number): Hit[] {
  const n = Math.min(k, scores.length);
  if (n <= 0) return [];
  const hs = new Float64Array(n);
  const hi = new Int32Array(n);
  let size = 0;
  // worse(a, b): a ranks below b (lower score, or equal score and higher index).
  const worse = (sa: number, ia: number, sb: number, ib: number): boolean => sa < sb || (sa === sb && ia > ib);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < size && worse(hs[l]!, hi[l]!, hs[m]!, hi[m]!)) m = l;
      if (r < size && worse(hs[r]!, hi[r]!, hs[m]!, hi[m]!)) m = r;
      if (m === i) return;
      [hs[i], hs[m]] = [hs[m]!, hs[i]!];
      [hi[i], hi[m]] = [hi[m]!, hi[i]!];
      i = m;
    }
  };
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j]!;
    if (size < n) {
      let i = size++;
      hs[i] = s;
      hi[i] = j;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(hs[i]!, hi[i]!, hs[p]!, hi[p]!)) break;
        [hs[i], hs[p]] = [hs[p]!, hs[i]!];
        [hi[i], hi[p]] = [hi[p]!, hi[i]!];
        i = p;
      }
    } else if (worse(hs[0]!, hi[0]!, s, j)) {
      hs[0] = s;
      hi[0] = j;
      down(0);
    }
  }
  const out: Hit[] = [];
  for (let i = 0; i < size; i++) out.push({ chunk: hi[i]!, score: hs[i]! });
  return out.sort((a, b) => b.score - a.score || a.chunk - b.chunk);
}

/** Exact search: every vector scored (N·C multiply-adds a query). */
export class FlatVectorIndex implements VectorIndex {
  readonly size: number;
  private readonly scores: Float32Array;
  constructor(
    /** (N·C) unit vectors, row by row. */
    readonly vectors: Float32Array,
    readonly dim: number,
  ) {
    if (!Number.isInteger(dim) || dim < 1 || vectors.length % dim !== 0) throw new KotodamaError(`vector index: ${vectors.length} numbers are not rows of ${dim}`);
    this.size = vectors.length / dim;
    this.scores = new Float32Array(this.size);
  }

  search(query: Float32Array, k: number): Hit[] {
    const C = this.dim;
    if (query.length !== C) throw new KotodamaError(`vector index: query has ${query.length} dimensions, the index ${C}`);
    const v = this.vectors;
    const s = this.scores;
    for (let n = 0, o = 0; n < this.size; n++, o += C) {
      let d = 0;
      for (let i = 0; i < C; i++) d += v[o + i]! * query[i]!;
      s[n] = d;
    }
    return topKScores(s, k);
  }
}

/** Writes vectors.bin (callers write into a temporary path and rename). */
export function writeVectors(path: string, vectors: Float32Array, dim: number): void {
  if (vectors.length % dim !== 0) throw new KotodamaError(`writeVectors: ${vectors.length} numbers are not rows of ${dim}`);
  writeSections(path, MAGIC, VERSION, [Uint32Array.of(vectors.length / dim, dim), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)]);
}

/** Reads vectors.bin whole. */
export function readVectors(path: string): { vectors: Float32Array; dim: number } {
  const f = new SectionFile(path, MAGIC, VERSION);
  try {
    const head = f.u32(0);
    const n = head[0] ?? 0, dim = head[1] ?? 0;
    const bytes = f.u8(1);
    if (dim < 1 || bytes.byteLength !== n * dim * 4 || bytes.byteOffset % 4 !== 0) throw new FormatError(path, `${bytes.byteLength} bytes of vectors for ${n} × ${dim} f32`);
    return { vectors: new Float32Array(bytes.buffer, bytes.byteOffset, n * dim), dim };
  } finally {
    f.close();
  }
}

/** x scaled to unit length in place (a zero vector stays zero). */
export function normalize(x: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < x.length; i++) x[i]! /= n;
  return x;
}
