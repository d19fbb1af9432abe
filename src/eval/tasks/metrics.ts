// Scores of a generated answer against its gold answers. Words (English): exact match and F1 with SQuAD v1.1's
// evaluate-v1.1.py (normalize_answer: lower case, ASCII punctuation removed, the articles a/an/the removed, spaces
// collapsed; F1 over whitespace words). Characters (Japanese, which has no spaces): the JSQuAD scoring `kotodama eval
// rag` already uses (rag/answer-metrics.ts: SQuAD's normalisation adapted to Japanese — NFKC, all Unicode
// punctuation, symbols and whitespace removed — then F1 over characters, as JGLUE reports JSQuAD). Each is the
// maximum over the gold answers. Also the multiple-choice decisions: argmax of the log-likelihoods, raw and
// length-normalised. Not here: running models.
import { charF1, exactMatch as exactMatchChars, overlapF1 } from "../../rag/answer-metrics.js";

const PUNCT = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/** SQuAD's normalize_answer. */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunct = [...lower].filter((c) => !PUNCT.has(c)).join("");
  const noArticles = noPunct.replace(/\b(a|an|the)\b/g, " ");
  return noArticles.split(/\s+/).filter((w) => w !== "").join(" ");
}

const words = (s: string): string[] => normalizeAnswer(s).split(" ").filter((w) => w !== "");

/** Exact match after the unit's normalisation (SQuAD's for words, the Japanese one for characters). */
export const exactMatch = (pred: string, golds: readonly string[], unit: "words" | "chars"): number =>
  unit === "chars" ? exactMatchChars(pred, golds) : golds.some((g) => normalizeAnswer(pred) === normalizeAnswer(g)) ? 1 : 0;

/** SQuAD's f1_score for one gold: the harmonic mean of precision and recall of the shared words (a multiset). */
export function f1Words(pred: string, gold: string): number {
  return overlapF1(words(pred), words(gold));
}

export const f1Max = (pred: string, golds: readonly string[], unit: "words" | "chars"): number =>
  unit === "chars" ? charF1(pred, golds) : Math.max(0, ...golds.map((g) => f1Words(pred, g)));

/** Index of the largest value (the first on a tie, as numpy's argmax). */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** The choice picked by log-likelihood per character (lm-eval's acc_norm: ll / len(choice), Python's len counting
 *  code points) and per UTF-8 byte (lm-eval's acc_bytes). */
export function normalisedPicks(lls: readonly number[], choices: readonly string[]): { chars: number; bytes: number } {
  const enc = new TextEncoder();
  return {
    chars: argmax(lls.map((l, i) => l / Math.max(1, [...choices[i]!].length))),
    bytes: argmax(lls.map((l, i) => l / Math.max(1, enc.encode(choices[i]!).length))),
  };
}
