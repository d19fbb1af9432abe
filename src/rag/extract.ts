// Extractive answering, for models too small to write: one sentence of the retrieved text is chosen either by
// lexical overlap with the question (idf-weighted shared terms) or by the model (pointwise mutual information of
// the sentence with the question: how much more likely the model finds the sentence after the question than
// without it); the answer is that sentence, or (span "phrase") its longest stretch the question does not cover —
// the words a question leaves out are the ones it asks for. The answer cites the sentence's own span.
// Not here: retrieval, the threshold, the generative path (answer.ts).
import { spacedWordChar } from "./codepoints.js";
import { splitSentences } from "./sentences.js";
import { codePointIndex } from "./chunker.js";
import { bm25Idf } from "./bm25.js";
import type { CitedSpan } from "./citations.js";
import type { ScoreContinuation } from "./generator.js";
import type { Lang } from "./language.js";
import type { RelevanceSource } from "./relevance.js";

export type ExtractScorer = "lexical" | "model";
export const EXTRACT_SCORERS: readonly ExtractScorer[] = ["lexical", "model"];

/** What an extractive answer is: the whole chosen sentence, or its phrase the question does not cover. */
export type ExtractSpan = "sentence" | "phrase";
export const EXTRACT_SPANS: readonly ExtractSpan[] = ["sentence", "phrase"];

/** A sentence of a source, with its span in the source's document (code points). */
export interface Candidate extends CitedSpan {
  /** Rank of its source (0 = best retrieved). */
  readonly rank: number;
}

/** Every sentence of the sources (whitespace trimmed, empty ones skipped), sources in rank order. */
export function candidateSentences(sources: readonly CitedSpan[]): Candidate[] {
  const out: Candidate[] = [];
  sources.forEach((s, rank) => {
    const cp = codePointIndex(s.text);
    for (const sp of splitSentences(s.text)) {
      const raw = s.text.slice(sp.start, sp.end);
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      if (text === "") continue;
      const a = sp.start + lead;
      const b = a + text.length;
      out.push({ n: s.n, docId: s.docId, source: s.source, start: s.start + cp(a), end: s.start + cp(b), text, rank });
    }
  });
  return out;
}

/** Lexical score of each candidate: Σ idf(t) over the question's distinct terms that the sentence holds. */
export function lexicalScores(question: string, cands: readonly Candidate[], index: RelevanceSource): number[] {
  const q = new Set(index.queryTerms(question));
  const idf = new Map([...q].map((t) => [t, bm25Idf(index.postings.nDocs, index.postings.df(t))]));
  return cands.map((c) => {
    const terms = new Set(index.queryTerms(c.text));
    let s = 0;
    for (const t of q) if (terms.has(t)) s += idf.get(t) as number;
    return s;
  });
}

const PREFIX: Readonly<Record<Lang, (q: string) => string>> = { en: (q) => `Question: ${q}\nAnswer: `, ja: (q) => `質問: ${q}\n答え: ` };
const NULL_PREFIX: Readonly<Record<Lang, string>> = { en: "Answer: ", ja: "答え: " };

/** Model score of each candidate: mean log p per token of s after the question prefix minus the same after the
 *  answer prefix alone (each mean over the tokens that fit the context). */
export async function modelScores(question: string, cands: readonly Candidate[], score: ScoreContinuation, lang: Lang): Promise<number[]> {
  // One call for all: candidate i's pair with the question at 2i, without it at 2i + 1.
  const r = await score(cands.flatMap((c) => [{ prefix: PREFIX[lang](question), continuation: c.text }, { prefix: NULL_PREFIX[lang], continuation: c.text }]));
  return cands.map((_, i) => {
    const withQ = r[2 * i]!, without = r[2 * i + 1]!;
    return withQ.tokens === 0 || without.tokens === 0 ? -Infinity : withQ.logprob / withQ.tokens - without.logprob / without.tokens;
  });
}

/** The best candidate (highest score; ties go to the better-ranked source, then the earlier sentence); null when
 *  there are none. */
export function pickCandidate(cands: readonly Candidate[], scores: readonly number[]): Candidate | null {
  let best = -1;
  cands.forEach((_, i) => {
    if (best < 0 || (scores[i] as number) > (scores[best] as number)) best = i;
  });
  return best < 0 ? null : (cands[best] as Candidate);
}

/** Characters that separate phrases. */
const BREAK = /[\s、。，．,.!?！？「」『』（）()【】［］[\]・:：;；"“”]/u;

/** The phrase of `sentence` a question leaves out: characters covered by a character bigram of the question are
 *  removed (NFKC and case folded for the comparison), the rest splits at covered characters and punctuation, and
 *  the longest run wins (the first on ties). A JGLUE "title [SEP] " prefix is skipped. Code points [start, end)
 *  into the sentence; null when nothing is left. */
export function uncoveredPhrase(sentence: string, question: string): { readonly start: number; readonly end: number } | null {
  const chars = [...sentence];
  const fold = (c: string): string => c.normalize("NFKC").toLowerCase();
  const q = [...question].map(fold);
  const bigrams = new Set<string>();
  for (let i = 0; i + 1 < q.length; i++) bigrams.add(`${q[i]}${q[i + 1]}`);
  const covered = chars.map(() => false);
  for (let i = 0; i + 1 < chars.length; i++) {
    if (bigrams.has(`${fold(chars[i] as string)}${fold(chars[i + 1] as string)}`)) covered[i] = covered[i + 1] = true;
  }
  const sep = sentence.indexOf("[SEP]");
  const from = sep < 0 ? 0 : [...sentence.slice(0, sep + 5)].length;
  let best: { start: number; end: number } | null = null;
  let start = -1;
  for (let i = from; i <= chars.length; i++) {
    const stop = i === chars.length || covered[i] === true || BREAK.test(chars[i] as string);
    if (!stop && start < 0) start = i;
    if (stop && start >= 0) {
      if (best === null || i - start > best.end - best.start) best = { start, end: i };
      start = -1;
    }
  }
  if (best === null) return null;
  // A word of a spaced script or a number is never cut: the question's bigrams cover characters, not words, so the
  // run may start or end inside one ("91年" of "1991年" when the question holds "19"; "ulation" of "population").
  let { start: s, end: e } = best;
  while (s > from && spacedWordChar(chars[s - 1]) && spacedWordChar(chars[s])) s--;
  while (e < chars.length && spacedWordChar(chars[e - 1]) && spacedWordChar(chars[e])) e++;
  return { start: s, end: e };
}
