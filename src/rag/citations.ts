// Citations in an answer: markers [n] (also [n, m], ［ｎ］, 【n】) parsed into spans of the sources — each cited
// source's document id, file and code-point offsets into the document's text, so a viewer can highlight exactly
// the cited characters. Not here: building the numbered prompt (prompt.ts).
import { cpLength } from "./codepoints.js";
import type { PromptSource } from "./prompt.js";

/** A span of a source document that an answer cites: the prompt source its [n] names (without its score). */
export type CitedSpan = Omit<PromptSource, "score" | "truncated">;

/** One marker in the answer and what it cites. */
export interface Citation extends CitedSpan {
  /** Where the marker is in the answer, in code points, end exclusive (a marker citing several sources gives one
   *  Citation per source, each with the whole marker's span). */
  readonly marker: { readonly start: number; readonly end: number };
}

export interface ParsedCitations {
  readonly citations: Citation[];
  /** Numbers cited that are not a source (e.g. [7] with 3 sources), in order of appearance. */
  readonly unknown: number[];
}

const MARKER = /[[［【]\s*([0-9０-９]+(?:\s*[,，、]\s*[0-9０-９]+)*)\s*[\]］】]/gu;

const digits = (s: string): number => Number(s.normalize("NFKC"));

/** The citations of `answer` against numbered sources (the span of source n is its whole prompt text). */
export function parseCitations(answer: string, sources: readonly CitedSpan[]): ParsedCitations {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const citations: Citation[] = [];
  const unknown: number[] = [];
  for (const m of answer.matchAll(MARKER)) {
    const start = cpLength(answer.slice(0, m.index));
    const marker = { start, end: start + cpLength(m[0]) };
    for (const part of (m[1] as string).split(/[,，、]/)) {
      const n = digits(part.trim());
      const s = byN.get(n);
      if (s === undefined) unknown.push(n);
      else citations.push({ n: s.n, docId: s.docId, source: s.source, start: s.start, end: s.end, text: s.text, marker });
    }
  }
  return { citations, unknown };
}

/** The answer with its citation markers removed (for scoring the answer's words). */
export const stripCitations = (answer: string): string => answer.replace(MARKER, "").replace(/[ \t]{2,}/g, " ").trim();
