// Okapi BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond"), with Lucene's
// non-negative idf, scored term-at-a-time over any postings source, and top-k selection.
// Not here: where postings live (postings.ts reads them from disk), analysis (analyzer.ts).
//
//   idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))
//   score(d, q) = Σ_{t ∈ unique terms of q} idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·|d| / avgdl))
import { KotodamaError } from "../util/errors.js";
import type { Hit } from "./types.js";

export interface Bm25Config {
  /** Term-frequency saturation; 1.2 is the common default (Lucene, Elasticsearch). */
  readonly k1: number;
  /** Length normalization, 0 (none) … 1 (full); 0.75 is the common default. */
  readonly b: number;
}

export const BM25_DEFAULTS: Bm25Config = { k1: 1.2, b: 0.75 };

export function checkBm25(cfg: Bm25Config, where: string): Bm25Config {
  if (!Number.isFinite(cfg.k1) || cfg.k1 < 0) throw new KotodamaError(`${where}: k1 must be a number ≥ 0, got ${cfg.k1}`);
  if (!Number.isFinite(cfg.b) || cfg.b < 0 || cfg.b > 1) throw new KotodamaError(`${where}: b must be in [0, 1], got ${cfg.b}`);
  return cfg;
}

export const bm25Idf = (nDocs: number, df: number): number => Math.log(1 + (nDocs - df + 0.5) / (df + 0.5));

export const bm25TermScore = (tf: number, docLen: number, avgLen: number, idf: number, cfg: Bm25Config): number =>
  (idf * tf * (cfg.k1 + 1)) / (tf + cfg.k1 * (1 - cfg.b + (cfg.b * docLen) / avgLen));

/** What BM25 needs from an inverted index. */
export interface Postings {
  readonly nDocs: number;
  readonly avgLen: number;
  docLen(doc: number): number;
  /** Documents (ascending) holding the term and the term's frequency in each; null when no document has it. */
  postings(term: string): { docs: Uint32Array; tfs: Uint16Array } | null;
}

/** The k best hits in scores among touched (score desc, then chunk asc for ties), with a size-k min-heap. */
export function topK(scores: Float64Array, touched: Uint32Array, nTouched: number, k: number): Hit[] {
  const heap: number[] = []; // chunk numbers; root = worst kept
  const worse = (a: number, b: number): boolean => (scores[a] as number) < (scores[b] as number) || ((scores[a] as number) === (scores[b] as number) && a > b);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && worse(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
  };
  for (let j = 0; j < nTouched; j++) {
    const d = touched[j] as number;
    if (heap.length < k) {
      heap.push(d);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i] as number, heap[p] as number)) break;
        [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
        i = p;
      }
    } else if (k > 0 && worse(heap[0] as number, d)) {
      heap[0] = d;
      down(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0)).map((chunk) => ({ chunk, score: scores[chunk] as number }));
}

/** Term-at-a-time BM25 over a postings source. Holds its score accumulator (one float per document), so one
 *  scorer serves many queries without allocating per query; not safe to share between concurrent callers. */
export class Bm25Scorer {
  private readonly scores: Float64Array;
  private readonly touched: Uint32Array;
  /** k1·(1 − b + b·|d|/avgdl) per document, computed once: the inner loop is then one multiply-add and a divide. */
  private readonly norm: Float64Array;
  constructor(
    private readonly index: Postings,
    private readonly cfg: Bm25Config = BM25_DEFAULTS,
  ) {
    this.scores = new Float64Array(index.nDocs);
    this.touched = new Uint32Array(index.nDocs);
    this.norm = new Float64Array(index.nDocs);
    for (let d = 0; d < index.nDocs; d++) this.norm[d] = cfg.k1 * (1 - cfg.b + (cfg.b * index.docLen(d)) / index.avgLen);
  }

  search(terms: readonly string[], k: number): Hit[] {
    const { index, cfg, scores, touched, norm } = this;
    let n = 0;
    for (const term of new Set(terms)) {
      const p = index.postings(term);
      if (p === null) continue;
      const w = bm25Idf(index.nDocs, p.docs.length) * (cfg.k1 + 1); // bm25TermScore, rearranged
      const { docs, tfs } = p;
      for (let j = 0; j < docs.length; j++) {
        const d = docs[j] as number;
        const tf = tfs[j] as number;
        const s = scores[d] as number;
        if (s === 0) touched[n++] = d;
        scores[d] = s + (w * tf) / (tf + (norm[d] as number));
      }
    }
    const hits = topK(scores, touched, n, k);
    for (let j = 0; j < n; j++) scores[touched[j] as number] = 0;
    return hits;
  }
}
