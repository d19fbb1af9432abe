// Attribution: which source sentences a summary sentence comes from. Each summary sentence's content terms
// (terms.ts), weighted by their inverse document frequency over the source's sentences, are covered greedily by
// at most maxSpans source sentences (the one covering the most uncovered weight first); the sentence is supported
// when the chosen sentences cover at least minCoverage of its weight. Adjacent chosen sentences merge into one span.
// Not here: the summarizer (summarize.ts), the independent check of the result (verify.ts).
import { contentTerms } from "./terms.js";
import type { SourceSentence, SourceSpan } from "./structure.js";

export interface AttributionConfig {
  /** Source spans cited per summary sentence, at most. */
  readonly maxSpans: number;
  /** Share of the sentence's (idf-weighted) content the cited spans must cover for it to count as supported. */
  readonly minCoverage: number;
}

export const ATTRIBUTION_DEFAULTS: AttributionConfig = { maxSpans: 2, minCoverage: 0.3 };

export interface Attribution {
  /** The cited spans, in document order (merged where adjacent). */
  readonly spans: SourceSpan[];
  /** Source sentence indices chosen. */
  readonly sentences: number[];
  /** Covered share of the sentence's weighted content terms, 0–1. */
  readonly coverage: number;
  readonly supported: boolean;
}

/** The source's sentences with their term sets and idf weights, built once per document. */
export class AttributionIndex {
  private readonly terms: ReadonlySet<string>[];
  private readonly idf = new Map<string, number>();

  constructor(readonly text: string, readonly sentences: readonly SourceSentence[]) {
    this.terms = sentences.map((s) => new Set(contentTerms(text.slice(s.start, s.end))));
    const df = new Map<string, number>();
    for (const set of this.terms) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
    const n = sentences.length;
    for (const [t, d] of df) this.idf.set(t, Math.log(1 + n / d));
  }

  /** Weight of a term (terms absent from the source weigh as if seen once). */
  private weight(t: string): number {
    return this.idf.get(t) ?? Math.log(1 + this.sentences.length);
  }

  /** Attributes `sentence` to source sentences, preferring `candidates` (e.g. those its inputs cited) and falling
   *  back to the whole document when the candidates cover less than the threshold. */
  attribute(sentence: string, cfg: AttributionConfig = ATTRIBUTION_DEFAULTS, candidates?: readonly number[]): Attribution {
    const want = new Set(contentTerms(sentence));
    if (want.size === 0) return { spans: [], sentences: [], coverage: 0, supported: false };
    const first = this.cover(want, cfg, candidates ?? this.sentences.map((s) => s.index));
    if (first.coverage >= cfg.minCoverage || candidates === undefined) return first;
    const all = this.cover(want, cfg, this.sentences.map((s) => s.index));
    return all.coverage > first.coverage ? all : first;
  }

  private cover(want: ReadonlySet<string>, cfg: AttributionConfig, pool: readonly number[]): Attribution {
    let total = 0;
    for (const t of want) total += this.weight(t);
    const left = new Set(want);
    const chosen: number[] = [];
    let covered = 0;
    for (let k = 0; k < cfg.maxSpans && left.size > 0; k++) {
      let best = -1, bestGain = 0;
      for (const i of pool) {
        if (this.sentences[i]!.heading || chosen.includes(i)) continue;
        let gain = 0;
        for (const t of left) if (this.terms[i]!.has(t)) gain += this.weight(t);
        if (gain > bestGain) [best, bestGain] = [i, gain];
      }
      if (best < 0) break;
      chosen.push(best);
      covered += bestGain;
      for (const t of [...left]) if (this.terms[best]!.has(t)) left.delete(t);
    }
    chosen.sort((a, b) => a - b);
    const spans: SourceSpan[] = [];
    for (const i of chosen) {
      const s = this.sentences[i]!;
      const prev = spans[spans.length - 1];
      if (prev !== undefined && chosen.includes(i - 1)) spans[spans.length - 1] = { start: prev.start, end: s.end, line: prev.line, endLine: s.endLine };
      else spans.push({ start: s.start, end: s.end, line: s.line, endLine: s.endLine });
    }
    const coverage = total === 0 ? 0 : covered / total;
    return { spans, sentences: chosen, coverage, supported: chosen.length > 0 && coverage >= cfg.minCoverage };
  }
}
