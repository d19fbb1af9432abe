// The independent check of a summary's attribution, as the evaluation applies it: every cited span must exist in
// the source (its offsets inside the text, its quoted text equal to the source's characters there, its line
// numbers right) and share content words with the summary sentence that cites it. Content words here come from a
// different analysis than the attributor's (ICU word segmentation through Intl.Segmenter, hiragana-only and
// English stop words dropped), so the check does not simply repeat the attributor's own arithmetic.
// Not here: producing the attribution (attribute.ts).
import { ENGLISH_STOPWORDS } from "./terms.js";
import type { SummarySentence } from "./summarize.js";

const HIRAGANA_ONLY = /^[\p{Script=Hiragana}ー]+$/u;
const HAS_CONTENT = /[\p{L}\p{N}]/u;
const segmenter = new Intl.Segmenter("ja", { granularity: "word" });

/** Content words by ICU segmentation (NFKC, lowercased). */
export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const s of segmenter.segment(text.normalize("NFKC").toLowerCase())) {
    const w = s.segment;
    if (s.isWordLike !== true || !HAS_CONTENT.test(w) || HIRAGANA_ONLY.test(w) || ENGLISH_STOPWORDS.has(w)) continue;
    out.add(w);
  }
  return out;
}

export interface CitationCheck {
  /** Citations whose span exists in the source exactly as quoted. */
  readonly exists: number;
  /** Citations that exist and share at least one content word with the citing sentence. */
  readonly overlapping: number;
  readonly total: number;
  /** Sentences with at least one citation, all of whose citations exist and overlap. */
  readonly sentencesValid: number;
  readonly sentences: number;
  /** The failures, described (for the report). */
  readonly problems: string[];
}

/** Line number (1-based) of a code-unit offset. */
function lineAt(text: string, pos: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < pos; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

export function checkCitations(source: string, sentences: readonly SummarySentence[]): CitationCheck {
  let exists = 0, overlapping = 0, total = 0, sentencesValid = 0;
  const problems: string[] = [];
  sentences.forEach((s, k) => {
    const words = contentWords(s.text);
    let ok = s.citations.length > 0;
    if (!ok) problems.push(`sentence ${k + 1}: no citation`);
    for (const c of s.citations) {
      total++;
      const real = Number.isInteger(c.start) && Number.isInteger(c.end) && c.start >= 0 && c.end <= source.length && c.start < c.end && source.slice(c.start, c.end) === c.text && lineAt(source, c.start) === c.line && lineAt(source, c.end - 1) === c.endLine;
      if (!real) {
        ok = false;
        problems.push(`sentence ${k + 1}: cited span [${c.start}, ${c.end}) lines ${c.line}–${c.endLine} is not in the source as quoted`);
        continue;
      }
      exists++;
      const spanText = source.slice(c.start, c.end).normalize("NFKC").toLowerCase();
      const shared = [...words].filter((w) => spanText.includes(w));
      if (shared.length > 0) overlapping++;
      else {
        ok = false;
        problems.push(`sentence ${k + 1}: cited span lines ${c.line}–${c.endLine} shares no content word with it`);
      }
    }
    if (ok) sentencesValid++;
  });
  return { exists, overlapping, total, sentencesValid, sentences: sentences.length, problems };
}
