// How relevant the best retrieved chunk is to a question, on a scale a threshold can be set on: the raw BM25
// score, and that score divided by the most any chunk could score for this query. Not here: deciding what to do
// below the threshold (answer.ts), measuring where to set it (threshold.ts).
//
//   maxBm25(q) = Σ_{t ∈ unique terms of q} idf(t) · (k1 + 1)     (tf → ∞ bounds each term's contribution)
//   normalized = best BM25 score / maxBm25(q) ∈ [0, 1]
// A raw BM25 score grows with the length of the question (more terms, more to add up); the normalized score is
// the share of the question's evidence the best chunk matches, so one threshold serves short and long questions.
// A term absent from the index counts with df = 0 (the largest idf): asking about words the index never saw
// lowers the score, which is the point.
import { bm25Idf, type Bm25Config } from "./bm25.js";

/** The two scales a threshold can be set on. */
export type RelevanceScale = "normalized" | "bm25";
export const RELEVANCE_SCALES: readonly RelevanceScale[] = ["normalized", "bm25"];

/** What relevance needs from an index: its analyzer, document frequencies and BM25 parameters. */
export interface RelevanceSource {
  readonly bm25: Bm25Config;
  readonly postings: { readonly nDocs: number; df(term: string): number };
  queryTerms(query: string): string[];
}

/** The largest BM25 score any chunk could reach for the query's terms (0 for a query with no terms). */
export function maxBm25(src: RelevanceSource, query: string): number {
  const { nDocs } = src.postings;
  let max = 0;
  for (const t of new Set(src.queryTerms(query))) max += bm25Idf(nDocs, src.postings.df(t)) * (src.bm25.k1 + 1);
  return max;
}

/** The best hit's score on the given scale (0 when nothing was retrieved). */
export function relevance(src: RelevanceSource, query: string, bestScore: number | undefined, scale: RelevanceScale): number {
  if (bestScore === undefined) return 0;
  if (scale === "bm25") return bestScore;
  const max = maxBm25(src, query);
  return max > 0 ? bestScore / max : 0;
}
