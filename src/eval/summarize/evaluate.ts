// The summarization evaluation: summarize long documents (Aozora works by default) and check every summary's
// attribution independently (verify.ts): cited spans that exist, that overlap their sentence's content words,
// sentences fully valid, supported by the attributor's coverage threshold, and how much of each document the
// summary draws on. Not here: the summarizer (summarize.ts), the CLI (cli/commands/eval-summarize.ts).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Generator } from "../../rag/generator.js";
import { summarizeDocument, type SummarizeConfig, type SummaryResult } from "./summarize.js";
import { checkCitations, type CitationCheck } from "./verify.js";

export interface DocumentEval {
  readonly file: string;
  readonly chars: number;
  readonly result: SummaryResult;
  readonly check: CitationCheck;
  readonly seconds: number;
}

export interface SummarizeEvalSummary {
  readonly documents: number;
  readonly sentences: number;
  readonly citations: number;
  /** Shares over all citations / sentences of all documents. */
  readonly citationExists: number;
  readonly citationOverlaps: number;
  readonly sentencesValid: number;
  readonly sentencesSupported: number;
  /** Mean over documents of the share of chunks the summary cites. */
  readonly chunkCoverage: number;
  /** Summary characters over source characters, pooled. */
  readonly compression: number;
  readonly calls: number;
  readonly seconds: number;
}

export function summarizeEvalSummary(rows: readonly DocumentEval[]): SummarizeEvalSummary {
  let sentences = 0, citations = 0, exists = 0, overlaps = 0, valid = 0, supported = 0, summaryChars = 0, sourceChars = 0, calls = 0, seconds = 0, cov = 0;
  for (const r of rows) {
    sentences += r.check.sentences;
    citations += r.check.total;
    exists += r.check.exists;
    overlaps += r.check.overlapping;
    valid += r.check.sentencesValid;
    supported += r.result.sentences.filter((s) => s.supported).length;
    summaryChars += r.result.sentences.reduce((a, s) => a + s.text.length, 0);
    sourceChars += r.chars;
    calls += r.result.calls;
    seconds += r.seconds;
    cov += r.result.chunks === 0 ? 0 : r.result.chunksCited / r.result.chunks;
  }
  const share = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    documents: rows.length, sentences, citations,
    citationExists: share(exists, citations), citationOverlaps: share(overlaps, citations),
    sentencesValid: share(valid, sentences), sentencesSupported: share(supported, sentences),
    chunkCoverage: share(cov, rows.length), compression: share(summaryChars, sourceChars), calls, seconds,
  };
}

/** Summarizes and checks each file (its first maxChars characters when given), in order. */
export async function evaluateSummaries(files: readonly string[], model: Generator | null, cfg: SummarizeConfig, maxChars: number | null, onDoc?: (done: number, row: DocumentEval) => void): Promise<DocumentEval[]> {
  const rows: DocumentEval[] = [];
  for (const f of files) {
    let text = readFileSync(f, "utf8");
    if (maxChars !== null && text.length > maxChars) text = text.slice(0, maxChars);
    const t0 = performance.now();
    const result = await summarizeDocument(text, model, cfg);
    const row = { file: basename(f), chars: text.length, result, check: checkCitations(text, result.sentences), seconds: (performance.now() - t0) / 1000 };
    rows.push(row);
    onDoc?.(rows.length, row);
  }
  return rows;
}
