// Hybrid retrieval: fusing the rankings of several retrievers (BM25 and dense) into one. Reciprocal rank fusion
// (Cormack, Clarke & Büttcher 2009): score(d) = Σ_lists 1 / (k + rank_d), rank from 1, k = 60 as in the paper;
// a list that does not hold d adds nothing. Weighted score fusion: each list's scores min-max normalised over the
// hits it returned, (s − min) / (max − min) (1 when all are equal), absent → 0, then Σ w_i · norm_i.
// Ties are broken by the lower chunk number, so fusion is deterministic. Not here: the retrievers themselves
// (lexical.ts, dense-index.ts), reranking by the LM (rerank.ts).
import { KotodamaError } from "../util/errors.js";
import type { AsyncRetriever, Hit, Retriever } from "./types.js";

export type FusionMethod = "rrf" | "weighted";
export const FUSION_METHODS: readonly FusionMethod[] = ["rrf", "weighted"];

/** RRF's k (the paper's 60). */
export const RRF_K = 60;

const ranked = (scores: Map<number, number>, k: number): Hit[] =>
  [...scores].map(([chunk, score]) => ({ chunk, score })).sort((a, b) => b.score - a.score || a.chunk - b.chunk).slice(0, k);

/** Reciprocal rank fusion of ranked lists (each best first), the k best. */
export function rrf(lists: readonly (readonly Hit[])[], k: number, rrfK = RRF_K): Hit[] {
  if (!(rrfK >= 0)) throw new KotodamaError(`rrf: k must be ≥ 0, got ${rrfK}`);
  const s = new Map<number, number>();
  for (const list of lists) list.forEach((h, i) => s.set(h.chunk, (s.get(h.chunk) ?? 0) + 1 / (rrfK + i + 1)));
  return ranked(s, k);
}

/** Weighted fusion of min-max normalised scores, the k best. weights[i] goes with lists[i]. */
export function weightedFusion(lists: readonly (readonly Hit[])[], weights: readonly number[], k: number): Hit[] {
  if (weights.length !== lists.length) throw new KotodamaError(`weighted fusion: ${weights.length} weights for ${lists.length} lists`);
  const s = new Map<number, number>();
  lists.forEach((list, li) => {
    if (list.length === 0) return;
    let lo = Infinity, hi = -Infinity;
    for (const h of list) {
      lo = Math.min(lo, h.score);
      hi = Math.max(hi, h.score);
    }
    const w = weights[li]!;
    for (const h of list) s.set(h.chunk, (s.get(h.chunk) ?? 0) + w * (hi > lo ? (h.score - lo) / (hi - lo) : 1));
  });
  return ranked(s, k);
}

export interface FusionConfig {
  readonly method: FusionMethod;
  /** Hits taken from each retriever before fusing (default 100). */
  readonly depth: number;
  /** weighted: the weight of the first retriever (lexical); the second gets 1 − it. */
  readonly lexicalWeight: number;
  readonly rrfK: number;
}

/** Defaults measured on JSQuAD and ASSET (docs/rag.md, "Dense and hybrid retrieval"): with the dense models we can
 *  train here, RRF's equal vote for a weak dense ranking costs more than half of BM25's recall@5, while weighted
 *  fusion at 0.7 stays within 0.3 points of BM25 and is the best fusion measured. */
export const FUSION_DEFAULTS: FusionConfig = { method: "weighted", depth: 100, lexicalWeight: 0.7, rrfK: RRF_K };

/** A retriever fusing a lexical and a dense one. */
export class HybridRetriever implements Retriever {
  constructor(
    private readonly lexical: Retriever,
    private readonly dense: Retriever,
    readonly config: FusionConfig = FUSION_DEFAULTS,
  ) {
    if (!(config.lexicalWeight >= 0 && config.lexicalWeight <= 1)) throw new KotodamaError(`hybrid: the lexical weight must be in [0, 1], got ${config.lexicalWeight}`);
  }

  search(query: string, k: number): Hit[] {
    const depth = Math.max(k, this.config.depth);
    return this.fuse(this.lexical.search(query, depth), this.dense.search(query, depth), k);
  }

  /** Fuses given rankings (benchmarks compute each once and fuse them several ways). */
  fuse(lexical: readonly Hit[], dense: readonly Hit[], k: number): Hit[] {
    return fuseTwo(lexical, dense, k, this.config);
  }
}

function fuseTwo(lexical: readonly Hit[], dense: readonly Hit[], k: number, c: FusionConfig): Hit[] {
  return c.method === "rrf" ? rrf([lexical, dense], k, c.rrfK) : weightedFusion([lexical, dense], [c.lexicalWeight, 1 - c.lexicalWeight], k);
}

/** HybridRetriever over a dense side that may answer later (a LanceDB table): the same depth and fusion. */
export class AsyncHybridRetriever {
  constructor(
    private readonly lexical: Retriever,
    private readonly dense: AsyncRetriever,
    readonly config: FusionConfig = FUSION_DEFAULTS,
  ) {
    if (!(config.lexicalWeight >= 0 && config.lexicalWeight <= 1)) throw new KotodamaError(`hybrid: the lexical weight must be in [0, 1], got ${config.lexicalWeight}`);
  }

  async search(query: string, k: number): Promise<Hit[]> {
    const depth = Math.max(k, this.config.depth);
    return fuseTwo(this.lexical.search(query, depth), await this.dense.search(query, depth), k, this.config);
  }
}
