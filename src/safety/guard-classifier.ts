// The guard's classifiers, both hashed n-gram logistic regressions (ngram-logreg.ts): the prompt classifier (one
// stage: 13 classes, benign + Do-Not-Answer's 12 harm types; or two: a benign/unsafe gate, then the harm type) over
// word n-grams and character n-grams (of all text, or only of Japanese, written without spaces); and the response classifier (harmful 0/1 of a prompt + response pair,
// trained on Do-Not-Answer's human labels like the evaluator's n-gram baseline). Scores only: thresholds are
// guard-calibration.ts's, decisions guard-model.ts's. Not here: the data (guard-data.ts), files (guard-model.ts).
import { logRegProba, NGRAM_BUCKETS, trainLogReg, ngramFeatures, type LogRegModel, type SparseVector } from "./ngram-logreg.js";
import { GUARD_AREAS, GUARD_CLASSES, HARM_TYPES, type GuardArea, type HarmType } from "./guard-taxonomy.js";
import type { GuardExample } from "./guard-data.js";
import type { DnaExample } from "./dna.js";
import { foldRequestFrame } from "./guard-frames.js";

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

/** Which n-grams a prompt is read by. "word12+char24": word 1–2-grams and character 2–4-grams of the whole text
 *  (the first guard's); "word123+char24": word 1–3-grams and the same characters; "word123+cjkchar24": word
 *  1–3-grams, and character 2–4-grams only inside runs of kanji and kana; "word12+skip+char24": the first plus word
 *  pairs 2–3 apart ("kill … process"), for the object of a verb across an article or adjective; (Japanese has no spaces to find words by; for English the characters over-generalise: "kill" in "skill");
 *  "word12+char24+fold": the first, read after how-to request frames are folded into one marker (guard-frames.ts),
 *  so that "How do I X?" and "Can you tell me how to X?", 〜方法は？ and 〜にはどうすればいいですか？ score alike;
 *  "word12+char24+fold2" (the default): the same with requests for help folded too ("Could you help me X?",
 *  〜のを手伝ってください; guard-frames.ts HELP_AROUND). */
export const GUARD_FEATURE_SETS = ["word12+char24", "word123+char24", "word123+cjkchar24", "word12+skip+char24", "word12+char24+fold", "word12+char24+fold2"] as const;
export type GuardFeatureSet = (typeof GUARD_FEATURE_SETS)[number];

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々]+/gu;

/** Binary presence of hashed word n-grams and character n-grams, each block scaled to L2 norm 1/√2 (one block alone:
 *  norm 1). */
export function guardFeatures(text: string, set: GuardFeatureSet): SparseVector {
  const t = set.endsWith("+fold") ? foldRequestFrame(normalizeGuardText(text), "howto") : set.endsWith("+fold2") ? foldRequestFrame(normalizeGuardText(text), "howto+help") : normalizeGuardText(text);
  const w = words(t);
  const wordSet = new Set<number>(), charSet = new Set<number>();
  const maxWord = set.startsWith("word12+") ? 2 : 3;
  for (let i = 0; i < w.length; i++) {
    for (let n = 1; n <= maxWord && n <= i + 1; n++) wordSet.add(fnv1a(`w:${w.slice(i + 1 - n, i + 1).join(" ")}`) % NGRAM_BUCKETS);
    if (set === "word12+skip+char24") for (const gap of [2, 3]) if (i >= gap) wordSet.add(fnv1a(`s:${w[i - gap]} ${w[i]}`) % NGRAM_BUCKETS);
  }
  const runs = set.includes("+char24") ? [` ${t} `] : (t.match(CJK_RUN) ?? []).map((r) => ` ${r} `);
  for (const run of runs) {
    const cs = [...run]; // code points, so that a surrogate pair is one character
    for (const n of CHAR_NGRAMS) for (let i = 0; i + n <= cs.length; i++) charSet.add(fnv1a(`c:${cs.slice(i, i + n).join("")}`) % NGRAM_BUCKETS);
  }
  const merged = new Map<number, number>();
  const blocks = (wordSet.size > 0 ? 1 : 0) + (charSet.size > 0 ? 1 : 0);
  const put = (s: ReadonlySet<number>): void => {
    const v = s.size === 0 ? 0 : 1 / Math.sqrt(blocks * s.size);
    for (const b of s) merged.set(b, (merged.get(b) ?? 0) + v);
  };
  put(wordSet);
  put(charSet);
  const index = Int32Array.from([...merged.keys()].sort((a, b) => a - b));
  return { index, value: Float32Array.from(index, (b) => merged.get(b)!) };
}

/** The prompt classifier. One stage: a 13-class model (benign + the 12 harm types), unsafe = 1 − P(benign), the
 *  harm-type distribution = the other 12 probabilities. Two stages: a benign/unsafe gate (2 classes) for the score
 *  and a 12-class harm-type model fitted on risky prompts only for the area, so that the area is read from what the
 *  prompt asks for, not from how little it looks benign. */
export interface PromptModel {
  readonly features: GuardFeatureSet;
  /** 13 classes (one stage) or 2 (two stages). */
  readonly gate: LogRegModel;
  /** 12 classes (two stages), or null (one stage). */
  readonly harm: LogRegModel | null;
}

export interface PromptScore {
  /** P(unsafe). */
  readonly unsafe: number;
  /** The area whose harm types have the largest summed probability. */
  readonly area: GuardArea;
  /** The most probable harm type inside that area. */
  readonly harmType: HarmType;
  /** P(area | unsafe) for each of GUARD_AREAS. */
  readonly areaProbs: readonly number[];
}

/** Scores one prompt (or any text) with the prompt classifier. */
export function scorePrompt(m: PromptModel, text: string): PromptScore {
  const x = guardFeatures(text, m.features);
  const g = logRegProba(m.gate, x);
  const unsafe = m.harm === null ? 1 - g[0]! : g[1]!;
  const harm = m.harm === null ? g.subarray(1) : logRegProba(m.harm, x);
  const total = harm.reduce((a, b) => a + b, 0);
  const areaProbs = GUARD_AREAS.map(() => 0);
  HARM_TYPES.forEach((h, i) => (areaProbs[GUARD_AREAS.indexOf(h.area)]! += harm[i]! / total));
  let a = 0;
  for (let k = 1; k < areaProbs.length; k++) if (areaProbs[k]! > areaProbs[a]!) a = k;
  let best = -1;
  HARM_TYPES.forEach((h, i) => {
    if (h.area === GUARD_AREAS[a] && (best < 0 || harm[i]! > harm[best]!)) best = i;
  });
  return { unsafe, area: GUARD_AREAS[a]!, harmType: HARM_TYPES[best]!.type, areaProbs };
}

export interface PromptFitOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly lr: number;
  readonly l2: number;
  /** Loss weight of a benign example relative to a risky one (risky examples are fewer). */
  readonly benignWeight: number;
  /** The n-grams read. */
  readonly features: GuardFeatureSet;
  /** 1: one 13-class model; 2: a benign/unsafe gate, then a harm-type model fitted on risky prompts. */
  readonly stages: 1 | 2;
}

/** Fits the prompt classifier (one or two stages). */
export function fitPromptClassifier(xs: readonly GuardExample[], o: PromptFitOptions): PromptModel {
  const feats = xs.map((x) => guardFeatures(x.text, o.features));
  const opts = { epochs: o.epochs, lr: o.lr, l2: o.l2, seed: o.seed };
  if (o.stages === 1) {
    const classWeight = Array.from({ length: GUARD_CLASSES }, (_, k) => (k === 0 ? o.benignWeight : 1));
    return { features: o.features, gate: trainLogReg(feats, xs.map((x) => x.label), { ...opts, classes: GUARD_CLASSES, classWeight }), harm: null };
  }
  const gate = trainLogReg(feats, xs.map((x) => (x.label === 0 ? 0 : 1)), { ...opts, classes: 2, classWeight: [o.benignWeight, 1] });
  const risky = xs.flatMap((x, i) => (x.label === 0 ? [] : [i]));
  const harm = trainLogReg(risky.map((i) => feats[i]!), risky.map((i) => xs[i]!.label - 1), { ...opts, classes: GUARD_CLASSES - 1 });
  return { features: o.features, gate, harm };
}

/** P(harmful) of a response to a prompt. */
export const scoreResponse = (m: LogRegModel, prompt: string, response: string): number => logRegProba(m, ngramFeatures({ q: prompt, r: response }))[1]!;

/** Fits the response classifier on Do-Not-Answer's labelled responses (class-balanced: 3.4 % are harmful). */
export function fitResponseClassifier(xs: readonly DnaExample[], seed: number): LogRegModel {
  return trainLogReg(xs.map((e) => ngramFeatures({ q: e.prompt, r: e.response })), xs.map((e) => e.harmful), { classes: 2, classWeight: "balanced", seed });
}
