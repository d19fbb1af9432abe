// Evaluating embeddings on sentence similarity: JGLUE's JSTS (sentence pairs with a human similarity 0–5) read
// from its JSON lines, and Spearman's rank correlation of cosine against the gold scores (Pearson's r of the
// ranks, tied values sharing their mean rank — scipy.stats.spearmanr's definition, which JGLUE and MTEB report).
// Not here: embedding (embedder.ts), retrieval metrics (metrics.ts).
import { jsonLines } from "./evalsets.js";
import { FormatError, KotodamaError } from "../util/errors.js";

export interface StsPair {
  readonly a: string;
  readonly b: string;
  /** Gold similarity (JSTS: 0–5). */
  readonly gold: number;
}

/** JSTS v1.3 (JSON lines {sentence_pair_id, sentence1, sentence2, label}). */
export function jstsPairs(file: string): StsPair[] {
  return jsonLines(file).map(({ line, o }) => {
    if (typeof o.sentence1 !== "string" || typeof o.sentence2 !== "string" || typeof o.label !== "number") throw new FormatError(file, `line ${line}: expected {sentence1, sentence2, label}`);
    return { a: o.sentence1, b: o.sentence2, gold: o.label };
  });
}

/** Ranks from 1, ties given the mean of the ranks they span. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const mean = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[order[t]![1]] = mean;
    i = j + 1;
  }
  return r;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new KotodamaError(`pearson: needs two equal lists of ≥ 2 numbers, got ${x.length} and ${y.length}`);
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson's r of the (tie-averaged) ranks. */
export const spearman = (x: readonly number[], y: readonly number[]): number => pearson(ranks(x), ranks(y));

export const cosine = (a: Float32Array, b: Float32Array): number => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : d / Math.sqrt(na * nb);
};

/** Spearman of cosine(embed(a), embed(b)) against gold over the pairs. */
export function stsSpearman(pairs: readonly StsPair[], embed: (text: string) => Float32Array): { pairs: number; spearman: number; pearson: number } {
  const cos = pairs.map((p) => cosine(embed(p.a), embed(p.b)));
  const gold = pairs.map((p) => p.gold);
  return { pairs: pairs.length, spearman: spearman(cos, gold), pearson: pearson(cos, gold) };
}
