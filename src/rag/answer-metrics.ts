// Scoring an answer against gold answers and retrieved text: SQuAD-style normalization, exact match, character
// F1 (Japanese has no spaces, so overlap is counted on characters, as JGLUE scores JSQuAD), and whether the answer
// is supported (a gold answer or a retrieved span contains it) or unsupported (neither does) or an abstention.
// Not here: producing answers (answer.ts), aggregating over a set (hallucination.ts).
import { spacedWordChar } from "./codepoints.js";

/** SQuAD's normalization adapted to Japanese: NFKC, lowercase, English articles dropped, punctuation, symbols and
 *  whitespace removed. */
export function normalizeAnswer(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\b(a|an|the)\b/g, " ")
    .replace(/[\p{P}\p{S}\s]/gu, "");
}

/** 1 when the normalized answer equals a normalized gold answer, else 0. */
export const exactMatch = (answer: string, golds: readonly string[]): number => {
  const a = normalizeAnswer(answer);
  return golds.some((g) => normalizeAnswer(g) === a) ? 1 : 0;
};

/** The F1 of two token lists as multisets (SQuAD's f1_score over any unit): the harmonic mean of the precision
 *  and recall of the shared tokens; 0 when none is shared. */
export function overlapF1(pred: readonly string[], gold: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const c of gold) counts.set(c, (counts.get(c) ?? 0) + 1);
  let same = 0;
  for (const c of pred) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      same++;
      counts.set(c, n - 1);
    }
  }
  if (same === 0) return 0;
  const p = same / pred.length;
  const r = same / gold.length;
  return (2 * p * r) / (p + r);
}

/** Character F1 of two normalized strings: the multiset overlap of their characters (code points). Both empty: 1;
 *  one empty: 0. */
export function charF1Normalized(a: string, g: string): number {
  const ac = Array.from(a);
  const gc = Array.from(g);
  if (ac.length === 0 || gc.length === 0) return ac.length === gc.length ? 1 : 0;
  return overlapF1(ac, gc);
}

/** The best character F1 of the answer against any gold answer (after normalization). */
export const charF1 = (answer: string, golds: readonly string[]): number => Math.max(0, ...golds.map((g) => charF1Normalized(normalizeAnswer(answer), normalizeAnswer(g))));

export type Support = "supported" | "unsupported" | "abstained";

/** The lighter normalization of the support check: NFKC, lowercase, runs of whitespace made one space — punctuation
 *  kept, so that a reply of "の、、、、" is not taken for the "の" every Japanese paragraph contains. */
export const normalizeForSupport = (s: string): string => s.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();


/** Whether `hay` holds `needle` (both normalizeForSupport'ed) at a place that does not cut a spaced-script word. */
export function containsAsWords(hay: string, needle: string): boolean {
  if (needle === "") return false;
  const first = String.fromCodePoint(needle.codePointAt(0)!);
  const last = Array.from(needle).at(-1)!;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    const before = i > 0 ? Array.from(hay.slice(Math.max(0, i - 2), i)).at(-1) : undefined;
    const after = i + needle.length < hay.length ? String.fromCodePoint(hay.codePointAt(i + needle.length)!) : undefined;
    if (spacedWordChar(first) && spacedWordChar(before)) continue;
    if (spacedWordChar(last) && spacedWordChar(after)) continue;
    return true;
  }
  return false;
}

/** Abstained: the answer said the sources do not hold it, or has no letter or digit. Supported: a gold answer or a
 *  retrieved span contains the answer as whole words (containsAsWords, normalizeForSupport on both sides).
 *  Unsupported: neither does. */
export function support(answer: string, abstained: boolean, golds: readonly string[], retrieved: readonly string[]): Support {
  const a = normalizeForSupport(answer);
  if (abstained || normalizeAnswer(answer) === "") return "abstained";
  return golds.some((g) => containsAsWords(normalizeForSupport(g), a)) || retrieved.some((r) => containsAsWords(normalizeForSupport(r), a)) ? "supported" : "unsupported";
}
