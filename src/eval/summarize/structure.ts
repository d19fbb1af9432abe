// A long document's structure for map-reduce summarization: its sentences (with code-unit offsets and line
// numbers, so every summary sentence can cite exact source spans), grouped into sections at headings, and packed
// into chunks that fit a token budget without crossing a section boundary unless a section alone is too small.
// Not here: sentence rules (rag/sentences.ts), prompts and model calls (summarize.ts).
import { splitSentences } from "../../rag/sentences.js";

/** A span of the source text: [start, end) in UTF-16 code units, 1-based first and last line. */
export interface SourceSpan {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly endLine: number;
}

export interface SourceSentence extends SourceSpan {
  /** Index of the sentence in the document. */
  readonly index: number;
  /** Index of the section (text between two headings) holding it. */
  readonly section: number;
  /** True for a heading line (it starts a section and is kept with the section's first chunk). */
  readonly heading: boolean;
}

export interface Chunk {
  /** Sentences [first, last] of the document, inclusive. */
  readonly first: number;
  readonly last: number;
  readonly start: number;
  readonly end: number;
}

/** A heading: a Markdown heading, or a short line without sentence punctuation standing alone between blank lines
 *  (chapter titles such as 「一」, 「第二章　再会」, "CHAPTER IV", "Discharge summary"). */
const MD_HEADING = /^#{1,6}\s+\S/u;
const TERMINAL = /[。．.!?！？」』)）:：、,，]$/u;

function isHeadingLine(line: string, blankBefore: boolean, blankAfter: boolean): boolean {
  const t = line.trim();
  if (t === "") return false;
  if (MD_HEADING.test(t)) return true;
  return blankBefore && blankAfter && [...t].length <= 40 && !TERMINAL.test(t);
}

/** The document's sentences in order, headings marked and sections numbered. */
export function documentSentences(text: string): SourceSentence[] {
  // Line starts, for line numbers, and heading lines (as code-unit ranges).
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lines = lineStarts.map((s, i) => text.slice(s, i + 1 < lineStarts.length ? lineStarts[i + 1]! - 1 : text.length));
  const blank = lines.map((l) => l.trim() === "");
  const headingRanges: { start: number; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (isHeadingLine(lines[i]!, i === 0 || blank[i - 1]!, i + 1 >= lines.length || blank[i + 1]!)) {
      const s = lineStarts[i]!;
      const lead = lines[i]!.length - lines[i]!.trimStart().length;
      headingRanges.push({ start: s + lead, end: s + lines[i]!.trimEnd().length });
    }
  }
  // Sentences: headings become their own sentences; the rest is split by the sentence rules.
  const spans: { start: number; end: number; heading: boolean }[] = [];
  let pos = 0;
  const addText = (from: number, to: number): void => {
    for (const s of splitSentences(text.slice(from, to))) spans.push({ start: from + s.start, end: from + s.end, heading: false });
  };
  for (const h of headingRanges) {
    addText(pos, h.start);
    spans.push({ start: h.start, end: h.end, heading: true });
    pos = h.end;
  }
  addText(pos, text.length);
  let section = 0;
  return spans.map((s, index) => {
    if (s.heading && index > 0) section++;
    return { index, section, heading: s.heading, start: s.start, end: s.end, line: lineOf(s.start), endLine: lineOf(Math.max(s.start, s.end - 1)) };
  });
}

/**
 * Packs sentences into chunks of at most `budget` tokens (`tokens(i)` = sentence i's tokens): greedily in order,
 * a new chunk at each heading once the current one holds at least half the budget, so sections stay whole where
 * they fit and tiny sections are merged. A sentence over the budget alone is a chunk of its own (the caller cuts
 * its text).
 */
export function packChunks(sentences: readonly SourceSentence[], tokens: (i: number) => number, budget: number): Chunk[] {
  const out: Chunk[] = [];
  let first = -1;
  let used = 0;
  const close = (last: number): void => {
    if (first >= 0 && last >= first) out.push({ first, last, start: sentences[first]!.start, end: sentences[last]!.end });
    first = -1;
    used = 0;
  };
  for (let i = 0; i < sentences.length; i++) {
    const t = Math.max(1, tokens(i));
    const s = sentences[i]!;
    if (first >= 0 && (used + t > budget || (s.heading && used * 2 >= budget))) close(i - 1);
    if (first < 0) first = i;
    used += t;
  }
  close(sentences.length - 1);
  return out;
}
