// The model-free baseline for CEFR levels: 13 surface features of a sentence (length in words, mean word length,
// mean syllables per word, the share of its words at each lexicon level A1…C2 and unknown, the highest and the
// mean lexicon level) → multinomial logistic regression (standardized features, full-batch gradient descent with
// L2, deterministic). So that the training sentences' own labels do not leak into their lexicon features, the
// training features are cross-fitted: each half of the training set is featurized with the lexicon of the other
// half; test sentences use the lexicon of the whole training set. Not here: the lexicon rule (lexicon.ts).
import { syllables } from "../fkgl.js";
import type { CefrRow } from "./data.js";
import { deriveLexicon, lexWords, type Lexicon } from "./lexicon.js";

export const BASELINE_FEATURES = ["words/20", "mean word length/5", "syllables/word", "A1 share", "A2 share", "B1 share", "B2 share", "C1 share", "C2 share", "unknown share", "max level/5", "mean level/5", "bias"] as const;

export function baselineFeatures(raw: string, lex: Lexicon): number[] {
  const ws = lexWords(raw);
  const n = Math.max(1, ws.length);
  const share = [0, 0, 0, 0, 0, 0, 0];
  let max = 0, sum = 0, known = 0;
  for (const w of ws) {
    const l = lex.levels.get(w);
    if (l === undefined) share[6]!++;
    else {
      share[l]!++;
      max = Math.max(max, l);
      sum += l;
      known++;
    }
  }
  return [
    ws.length / 20, ws.reduce((a, w) => a + w.length, 0) / n / 5, ws.reduce((a, w) => a + syllables(w), 0) / n,
    ...share.map((c) => c / n), max / 5, known === 0 ? 0 : sum / known / 5, 1,
  ];
}

export interface LogReg {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** (K, F) weights. */
  readonly w: readonly (readonly number[])[];
}

function softmaxRow(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Multinomial logistic regression by full-batch gradient descent (lr 0.5, L2 1e-3, iterations fixed). */
export function fitLogReg(x: readonly (readonly number[])[], y: readonly number[], K: number, iterations = 400, l2 = 1e-3): LogReg {
  const F = x[0]!.length, N = x.length;
  const mean = Array.from({ length: F }, (_, j) => x.reduce((a, r) => a + r[j]!, 0) / N);
  const std = Array.from({ length: F }, (_, j) => Math.sqrt(x.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / N) || 1);
  const xs = x.map((r) => r.map((v, j) => (j === F - 1 ? 1 : (v - mean[j]!) / std[j]!)));
  const w = Array.from({ length: K }, () => new Array<number>(F).fill(0));
  for (let it = 0; it < iterations; it++) {
    const g = Array.from({ length: K }, () => new Array<number>(F).fill(0));
    for (let i = 0; i < N; i++) {
      const p = softmaxRow(w.map((wk) => wk.reduce((a, v, j) => a + v * xs[i]![j]!, 0)));
      for (let k = 0; k < K; k++) {
        const d = (p[k]! - (y[i] === k ? 1 : 0)) / N;
        for (let j = 0; j < F; j++) g[k]![j]! += d * xs[i]![j]!;
      }
    }
    for (let k = 0; k < K; k++) for (let j = 0; j < F; j++) w[k]![j]! -= 0.5 * (g[k]![j]! + l2 * w[k]![j]!);
  }
  return { mean, std, w };
}

export function predictLogReg(m: LogReg, x: readonly number[]): number[] {
  const F = x.length;
  const xs = x.map((v, j) => (j === F - 1 ? 1 : (v - m.mean[j]!) / m.std[j]!));
  return softmaxRow(m.w.map((wk) => wk.reduce((a, v, j) => a + v * xs[j]!, 0)));
}

/** Trains the baseline on train (cross-fitted lexicon features) and predicts levels (0..5) of test. */
export function runBaseline(train: readonly CefrRow[], test: readonly CefrRow[], minSupport = 2): { predictions: number[]; model: LogReg; lexicon: Lexicon } {
  const half = [train.filter((_, i) => i % 2 === 0), train.filter((_, i) => i % 2 === 1)];
  const lexHalf = [deriveLexicon(half[1]!, minSupport), deriveLexicon(half[0]!, minSupport)];
  const x = [...half[0]!.map((r) => baselineFeatures(r.raw, lexHalf[0]!)), ...half[1]!.map((r) => baselineFeatures(r.raw, lexHalf[1]!))];
  const y = [...half[0]!, ...half[1]!].map((r) => r.label);
  const model = fitLogReg(x, y, 6);
  const lexicon = deriveLexicon(train, minSupport);
  const predictions = test.map((r) => {
    const p = predictLogReg(model, baselineFeatures(r.raw, lexicon));
    return p.indexOf(Math.max(...p));
  });
  return { predictions, model, lexicon };
}
