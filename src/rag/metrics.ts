// Retrieval metrics over ranked passage ids: recall@k (the gold passage among the first k distinct passages) and
// MRR (mean reciprocal rank of the gold passage, 0 when it is not retrieved). Not here: running searches (bench/rag.ts).

export interface RetrievalMetrics {
  readonly queries: number;
  /** k → fraction of queries whose gold passage is among the first k distinct passages. */
  readonly recall: Readonly<Record<number, number>>;
  readonly mrr: number;
}

/** Ranked ids → distinct ids in first-seen order (several chunks of one passage count once, at the best rank). */
export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Metrics of ranked id lists against one gold id per query. */
export function retrievalMetrics(ranked: readonly (readonly string[])[], gold: readonly string[], ks: readonly number[] = [1, 5, 20]): RetrievalMetrics {
  if (ranked.length !== gold.length) throw new Error(`retrievalMetrics: ${ranked.length} rankings for ${gold.length} gold ids`);
  const hits: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  let rr = 0;
  ranked.forEach((r, i) => {
    const rank = distinct(r).indexOf(gold[i] as string) + 1; // 0 = not retrieved
    if (rank === 0) return;
    rr += 1 / rank;
    for (const k of ks) if (rank <= k) hits[k] = (hits[k] as number) + 1;
  });
  const n = Math.max(ranked.length, 1);
  return { queries: ranked.length, recall: Object.fromEntries(ks.map((k) => [k, (hits[k] as number) / n])), mrr: rr / n };
}
