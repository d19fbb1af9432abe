// Extractive answering, for models too small to write: the answer is one sentence of the retrieved text, chosen
// either by lexical overlap with the question (idf-weighted shared terms) or by the model (pointwise mutual
// information of the sentence with the question: how much more likely the model finds the sentence after the
// question than without it). The answer cites the sentence's own span. Not here: retrieval, the threshold, the
// generative path (answer.ts).
import { splitSentences } from "./sentences.js";
import { codePointIndex } from "./chunker.js";
import { bm25Idf } from "./bm25.js";
import type { CitedSpan } from "./citations.js";
import type { ScoreContinuation } from "./generator.js";
import type { Lang } from "./language.js";
import type { RelevanceSource } from "./relevance.js";

export type ExtractScorer = "lexical" | "model";
export const EXTRACT_SCORERS: readonly ExtractScorer[] = ["lexical", "model"];

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
export function modelScores(question: string, cands: readonly Candidate[], score: ScoreContinuation, lang: Lang): number[] {
  return cands.map((c) => {
    const withQ = score(PREFIX[lang](question), c.text);
    const without = score(NULL_PREFIX[lang], c.text);
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
