// Where to set the relevance threshold: relevance of the best retrieved chunk for questions the index answers
// (positives) and for questions it does not (negatives), swept over thresholds; at each, the precision and recall
// of "the sources do not say" (predicted for relevance < threshold; the right call for negatives), and the
// threshold with the best F1 of that decision. Also the ROC AUC of each scale (how well it separates the two sets
// at all). Not here: computing relevance (relevance.ts), the question sets (qa-sets.ts).

export interface ThresholdPoint {
  readonly threshold: number;
  /** Of the questions routed to "the sources do not say", the share that are negatives. */
  readonly precision: number;
  /** Of the negatives, the share routed to "the sources do not say". */
  readonly recall: number;
  readonly f1: number;
  /** Of the positives, the share wrongly routed to "the sources do not say". */
  readonly falseAbstain: number;
}

export interface ThresholdSweep {
  readonly positives: number;
  readonly negatives: number;
  /** P(a random negative scores below a random positive), ties counted half. */
  readonly auc: number;
  readonly points: readonly ThresholdPoint[];
  readonly best: ThresholdPoint;
  /** The point at a given threshold (e.g. the default in use), when asked for. */
  readonly at?: ThresholdPoint;
}

export function thresholdPoint(pos: readonly number[], neg: readonly number[], t: number): ThresholdPoint {
  const tn = neg.filter((x) => x < t).length; // negatives correctly routed
  const fn = pos.filter((x) => x < t).length; // positives wrongly routed
  const precision = tn + fn === 0 ? 1 : tn / (tn + fn);
  const recall = neg.length === 0 ? 0 : tn / neg.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold: t, precision, recall, f1, falseAbstain: pos.length === 0 ? 0 : fn / pos.length };
}

export function rocAuc(pos: readonly number[], neg: readonly number[]): number {
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  // Mann–Whitney U with average ranks for ties.
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && (all[j] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((all[k] as { p: number }).p === 1) rankSumPos += avg;
    i = j;
  }
  const u = rankSumPos - (pos.length * (pos.length + 1)) / 2;
  return pos.length === 0 || neg.length === 0 ? NaN : u / (pos.length * neg.length);
}

/** Sweeps `steps` + 1 thresholds evenly from 0 to the largest score seen; best = highest F1 (lowest threshold on
 *  ties); `at`: also the point at that threshold. */
export function sweepThresholds(pos: readonly number[], neg: readonly number[], steps = 200, at?: number): ThresholdSweep {
  const hi = Math.max(0, ...pos, ...neg);
  const points = Array.from({ length: steps + 1 }, (_, i) => thresholdPoint(pos, neg, Number(((hi * i) / steps).toPrecision(6))));
  let best = points[0] as ThresholdPoint;
  for (const p of points) if (p.f1 > best.f1) best = p;
  return { positives: pos.length, negatives: neg.length, auc: rocAuc(pos, neg), points, best, ...(at === undefined ? {} : { at: thresholdPoint(pos, neg, at) }) };
}
