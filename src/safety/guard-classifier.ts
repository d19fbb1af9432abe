// The guard's classifiers, both hashed n-gram logistic regressions (ngram-logreg.ts): the prompt classifier (13
// classes: benign + Do-Not-Answer's 12 harm types) over word uni/bigrams and character 2–4-grams, so that Japanese,
// written without spaces, is read too; and the response classifier (harmful 0/1 of a prompt + response pair,
// trained on Do-Not-Answer's human labels like the evaluator's n-gram baseline). Scores only: thresholds are
// guard-calibration.ts's, decisions guard-model.ts's. Not here: the data (guard-data.ts), files (guard-model.ts).
import { logRegProba, NGRAM_BUCKETS, trainLogReg, ngramFeatures, type LogRegModel, type SparseVector } from "./ngram-logreg.js";
import { GUARD_AREAS, GUARD_CLASSES, HARM_TYPES, type GuardArea, type HarmType } from "./guard-taxonomy.js";
import type { GuardExample } from "./guard-data.js";
import type { DnaExample } from "./dna.js";

/** FNV-1a 32-bit of a string's UTF-16 code units (the same hash as ngram-logreg.ts). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** NFKC (full-width Latin and half-width kana to their usual forms), lower case, one space between words. */
export const normalizeGuardText = (t: string): string => t.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();

const words = (t: string): string[] => t.match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu) ?? [];

/** Character n-gram lengths read (2–4: enough for two-kanji words and English stems). */
export const CHAR_NGRAMS = [2, 3, 4] as const;

/** Binary presence of hashed word 1–2-grams and character 2–4-grams, each block scaled to L2 norm 1/√2. */
export function guardFeatures(text: string): SparseVector {
  const t = normalizeGuardText(text);
  const w = words(t);
  const wordSet = new Set<number>(), charSet = new Set<number>();
  for (let i = 0; i < w.length; i++) {
    wordSet.add(fnv1a(`w:${w[i]}`) % NGRAM_BUCKETS);
    if (i > 0) wordSet.add(fnv1a(`w:${w[i - 1]} ${w[i]}`) % NGRAM_BUCKETS);
  }
  const cs = [...` ${t} `]; // code points, so that a surrogate pair is one character
  for (const n of CHAR_NGRAMS) for (let i = 0; i + n <= cs.length; i++) charSet.add(fnv1a(`c:${cs.slice(i, i + n).join("")}`) % NGRAM_BUCKETS);
  const merged = new Map<number, number>();
  const put = (s: ReadonlySet<number>): void => {
    const v = s.size === 0 ? 0 : 1 / Math.sqrt(2 * s.size);
    for (const b of s) merged.set(b, (merged.get(b) ?? 0) + v);
  };
  put(wordSet);
  put(charSet);
  const index = Int32Array.from([...merged.keys()].sort((a, b) => a - b));
  return { index, value: Float32Array.from(index, (b) => merged.get(b)!) };
}

export interface PromptScore {
  /** P(not benign) = 1 − P(benign). */
  readonly unsafe: number;
  /** The most probable area (by the summed probability of its harm types). */
  readonly area: GuardArea;
  /** The most probable harm type inside that area. */
  readonly harmType: HarmType;
  /** P(area) for each of GUARD_AREAS. */
  readonly areaProbs: readonly number[];
}

/** Scores one prompt (or any text) with the 13-class prompt classifier. */
export function scorePrompt(m: LogRegModel, text: string): PromptScore {
  const p = logRegProba(m, guardFeatures(text));
  const areaProbs = GUARD_AREAS.map(() => 0);
  HARM_TYPES.forEach((h, i) => (areaProbs[GUARD_AREAS.indexOf(h.area)]! += p[1 + i]!));
  let a = 0;
  for (let k = 1; k < areaProbs.length; k++) if (areaProbs[k]! > areaProbs[a]!) a = k;
  let best = -1;
  HARM_TYPES.forEach((h, i) => {
    if (h.area === GUARD_AREAS[a] && (best < 0 || p[1 + i]! > p[1 + best]!)) best = i;
  });
  return { unsafe: 1 - p[0]!, area: GUARD_AREAS[a]!, harmType: HARM_TYPES[best]!.type, areaProbs };
}

export interface PromptFitOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly lr: number;
  readonly l2: number;
  /** Loss weight of a benign example relative to a risky one (risky examples are fewer). */
  readonly benignWeight: number;
}

/** Fits the 13-class prompt classifier. */
export function fitPromptClassifier(xs: readonly GuardExample[], o: PromptFitOptions): LogRegModel {
  const classWeight = Array.from({ length: GUARD_CLASSES }, (_, k) => (k === 0 ? o.benignWeight : 1));
  return trainLogReg(xs.map((x) => guardFeatures(x.text)), xs.map((x) => x.label), { classes: GUARD_CLASSES, epochs: o.epochs, lr: o.lr, l2: o.l2, classWeight, seed: o.seed });
}

/** P(harmful) of a response to a prompt. */
export const scoreResponse = (m: LogRegModel, prompt: string, response: string): number => logRegProba(m, ngramFeatures({ q: prompt, r: response }))[1]!;

/** Fits the response classifier on Do-Not-Answer's labelled responses (class-balanced: 3.4 % are harmful). */
export function fitResponseClassifier(xs: readonly DnaExample[], seed: number): LogRegModel {
  return trainLogReg(xs.map((e) => ngramFeatures({ q: e.prompt, r: e.response })), xs.map((e) => e.harmful), { classes: 2, classWeight: "balanced", seed });
}
