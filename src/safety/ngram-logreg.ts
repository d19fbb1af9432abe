// A bag-of-n-grams logistic regression in plain TypeScript: the baseline the safety evaluator is measured
// against. Word unigrams and bigrams of the question and of the response (kept apart by a prefix), hashed into
// 2^18 buckets, L2-normalised; multinomial logistic regression trained by AdaGrad with L2, optionally with
// class weights. Deterministic for a seed. Not here: metrics (metrics.ts), the data (dna.ts).
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";

export const NGRAM_BUCKETS = 1 << 18;

/** A sparse feature vector: bucket indices (sorted, distinct) and their values. */
export interface SparseVector {
  readonly index: Int32Array;
  readonly value: Float32Array;
}

/** FNV-1a 32-bit of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu) ?? [];

/** Binary presence of the hashed unigrams and bigrams of each named part ("q" question, "r" response), scaled to
 *  unit L2 norm. */
export function ngramFeatures(parts: Readonly<Record<string, string>>): SparseVector {
  const seen = new Set<number>();
  for (const [name, text] of Object.entries(parts)) {
    const w = words(text);
    for (let i = 0; i < w.length; i++) {
      seen.add(fnv1a(`${name}:${w[i]}`) % NGRAM_BUCKETS);
      if (i > 0) seen.add(fnv1a(`${name}:${w[i - 1]} ${w[i]}`) % NGRAM_BUCKETS);
    }
  }
  const index = Int32Array.from([...seen].sort((a, b) => a - b));
  const v = index.length === 0 ? 0 : 1 / Math.sqrt(index.length);
  return { index, value: new Float32Array(index.length).fill(v) };
}

export interface LogRegOptions {
  readonly classes: number;
  readonly epochs?: number;
  readonly lr?: number;
  /** L2 penalty per example and weight (lazily applied to touched weights). */
  readonly l2?: number;
  /** Loss weight of each class (default 1 each); "balanced" = n / (K · count_k), scikit-learn's rule. */
  readonly classWeight?: readonly number[] | "balanced";
  readonly seed?: number;
}

export interface LogRegModel {
  readonly classes: number;
  /** (buckets, K) row-major. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/** Class probabilities (K) of one example. */
export function logRegProba(m: LogRegModel, x: SparseVector): Float64Array {
  const K = m.classes;
  const z = Float64Array.from(m.bias);
  for (let j = 0; j < x.index.length; j++) {
    const o = x.index[j]! * K, v = x.value[j]!;
    for (let k = 0; k < K; k++) z[k]! += m.weight[o + k]! * v;
  }
  const mx = Math.max(...z);
  let s = 0;
  for (let k = 0; k < K; k++) s += z[k] = Math.exp(z[k]! - mx);
  for (let k = 0; k < K; k++) z[k]! /= s;
  return z;
}

const argmax = (p: ArrayLike<number>): number => {
  let b = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[b]!) b = k;
  return b;
};

export const logRegPredict = (m: LogRegModel, x: SparseVector): number => argmax(logRegProba(m, x));

/** Trains by AdaGrad on the softmax cross-entropy, one example at a time in a seeded shuffled order per epoch. */
export function trainLogReg(xs: readonly SparseVector[], ys: readonly number[], o: LogRegOptions): LogRegModel {
  const K = o.classes, epochs = o.epochs ?? 8, lr = o.lr ?? 0.5, l2 = o.l2 ?? 1e-6;
  if (xs.length !== ys.length || xs.length === 0) throw new KotodamaError(`logistic regression: ${xs.length} examples and ${ys.length} labels; need as many, at least one`);
  ys.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new KotodamaError(`logistic regression: label ${y} of example ${i} outside [0, ${K})`);
  });
  const counts = new Array<number>(K).fill(0);
  for (const y of ys) counts[y]!++;
  const cw = o.classWeight === "balanced" ? counts.map((c) => (c === 0 ? 0 : ys.length / (K * c))) : (o.classWeight ?? new Array<number>(K).fill(1));
  if (cw.length !== K) throw new KotodamaError(`logistic regression: ${cw.length} class weights for ${K} classes`);
  const m: LogRegModel = { classes: K, weight: new Float32Array(NGRAM_BUCKETS * K), bias: new Float32Array(K) };
  const gw = new Float32Array(NGRAM_BUCKETS * K), gb = new Float32Array(K);
  const rng = new Rng(o.seed ?? 1);
  const order = xs.map((_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      const x = xs[i]!, y = ys[i]!;
      const p = logRegProba(m, x);
      for (let k = 0; k < K; k++) {
        const d = cw[y]! * (p[k]! - (k === y ? 1 : 0)); // ∂loss/∂z_k
        gb[k]! += d * d;
        m.bias[k]! -= (lr * d) / Math.sqrt(gb[k]! + 1e-8);
        for (let j = 0; j < x.index.length; j++) {
          const a = x.index[j]! * K + k;
          const g = d * x.value[j]! + l2 * m.weight[a]!;
          gw[a]! += g * g;
          m.weight[a]! -= (lr * g) / Math.sqrt(gw[a]! + 1e-8);
        }
      }
    }
  }
  return m;
}
