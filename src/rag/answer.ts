// Grounded answering: retrieve the top k chunks; below the relevance threshold answer the fixed "the sources do
// not say" without calling a model; otherwise either ask the model with numbered sources and parse its [n]
// citations (generate), let it write under a constraint that it copy a span of one source, then cite that source
// (copy), or answer with the best sentence of the retrieved text and cite it (extract).
// Not here: the prompt's wording and trimming (prompt.ts), citation parsing (citations.ts), sentence scoring
// (extract.ts), the model behind Generator (local-model.ts), the CLI (cli/commands/rag.ts).
import { KotodamaError } from "../util/errors.js";
import { parseCitations, type Citation } from "./citations.js";
import { candidateSentences, lexicalScores, modelScores, pickCandidate, uncoveredPhrase, type ExtractScorer, type ExtractSpan } from "./extract.js";
import type { ChatMessage, Generator, ScoreContinuation } from "./generator.js";
import { langOf, NOT_IN_SOURCES, saysNotInSources, type Lang } from "./language.js";
import type { ScoredChunk } from "./lexical.js";
import { buildGroundedPrompt, type PromptSource } from "./prompt.js";
import { relevance, type RelevanceScale, type RelevanceSource } from "./relevance.js";

export type AnswerMode = "generate" | "extract" | "copy";
export const ANSWER_MODES: readonly AnswerMode[] = ["generate", "extract", "copy"];

export interface AskConfig {
  /** Chunks retrieved. */
  readonly k: number;
  /** Below this relevance (on `scale`) the answer is NOT_IN_SOURCES and no model is called. */
  readonly threshold: number;
  readonly scale: RelevanceScale;
  readonly mode: AnswerMode;
  /** Extract mode: how sentences are chosen. */
  readonly extractScorer: ExtractScorer;
  /** Extract mode: answer with the whole sentence or the phrase of it the question does not cover. */
  readonly extractSpan: ExtractSpan;
  /** Generate mode: tokens kept free for the answer. */
  readonly answerTokens: number;
}

/** Defaults. The threshold was measured with `eval rag-threshold` (docs/rag.md, "Where the threshold is"): JSQuAD
 *  questions answerable from an index of half its articles vs those of the other half, normalized relevance 0.19
 *  (best F1 of "the sources do not say"). */
export const ASK_DEFAULTS: AskConfig = { k: 5, threshold: 0.19, scale: "normalized", mode: "generate", extractScorer: "lexical", extractSpan: "phrase", answerTokens: 64 };

/** What answering needs from an index: ranked chunks and what relevance needs. */
export interface AskIndex extends RelevanceSource {
  /** The k best chunks (a promise when retrieval waits on a scorer, e.g. a rerank by a server). */
  searchChunks(query: string, k: number): ScoredChunk[] | Promise<ScoredChunk[]>;
}

export interface GroundedAnswer {
  readonly question: string;
  readonly lang: Lang;
  readonly mode: AnswerMode;
  readonly answer: string;
  /** The answer says the sources do not hold it (below the threshold, or the model said so). */
  readonly abstained: boolean;
  /** True when the threshold decided it: no model was called. */
  readonly belowThreshold: boolean;
  readonly relevance: number;
  readonly citations: Citation[];
  /** Cited numbers that name no source. */
  readonly unknownCitations: number[];
  /** The sources as numbered in the prompt (generate) or as searched for a sentence (extract). */
  readonly sources: PromptSource[];
  /** Everything retrieved, best first. */
  readonly retrieved: ScoredChunk[];
  /** Generate: the chat sent to the model. */
  readonly messages?: ChatMessage[];
  /** Retrieved chunks left out of the prompt for lack of room. */
  readonly dropped: number;
}

/** The models a mode needs: generate needs a Generator; extract with the model scorer needs ScoreContinuation. */
export interface AskModels {
  readonly generator?: Generator | null;
  readonly scoreContinuation?: ScoreContinuation | null;
}

const wholeSources = (chunks: readonly ScoredChunk[]): PromptSource[] =>
  chunks.map((c, i) => ({ n: i + 1, docId: c.docId, source: c.source, start: c.start, end: c.end, text: c.text, score: c.score, truncated: false }));

export async function askGrounded(question: string, index: AskIndex, models: AskModels, cfg: AskConfig): Promise<GroundedAnswer> {
  const lang = langOf(question);
  const retrieved = await index.searchChunks(question, cfg.k);
  const rel = relevance(index, question, retrieved[0]?.score, cfg.scale);
  const base = { question, lang, mode: cfg.mode, relevance: rel, retrieved };
  if (rel < cfg.threshold || retrieved.length === 0) {
    return { ...base, answer: NOT_IN_SOURCES[lang], abstained: true, belowThreshold: true, citations: [], unknownCitations: [], sources: [], dropped: 0 };
  }
  if (cfg.mode === "extract") {
    const sources = wholeSources(retrieved);
    const cands = candidateSentences(sources);
    let scores: number[];
    if (cfg.extractScorer === "model") {
      if (models.scoreContinuation == null) throw new KotodamaError("rag: the model-scored extractive mode needs log-probabilities of given text: a local model (--model) or an endpoint whose /v1/completions echoes them");
      scores = await modelScores(question, cands, models.scoreContinuation, lang);
    } else scores = lexicalScores(question, cands, index);
    const best = pickCandidate(cands, scores);
    if (best === null) return { ...base, answer: NOT_IN_SOURCES[lang], abstained: true, belowThreshold: false, citations: [], unknownCitations: [], sources, dropped: 0 };
    const phrase = cfg.extractSpan === "phrase" ? uncoveredPhrase(best.text, question) : null;
    const text = phrase === null ? best.text : [...best.text].slice(phrase.start, phrase.end).join("");
    const marker = ` [${best.n}]`;
    const answer = `${text}${marker}`;
    const at = [...text].length + 1;
    const { rank: _rank, ...span } = best;
    return { ...base, answer, abstained: false, belowThreshold: false, citations: [{ ...span, marker: { start: at, end: at + marker.length - 1 } }], unknownCitations: [], sources, dropped: 0 };
  }
  const gen = models.generator;
  if (gen == null) throw new KotodamaError("rag: the generative mode needs a model (--model) or an endpoint");
  const p = buildGroundedPrompt(question, retrieved, { countTokens: (m) => gen.countTokens(m), contextTokens: gen.contextTokens, answerTokens: cfg.answerTokens }, lang);
  if (cfg.mode === "copy") {
    // The model writes the answer, but only as a span of one numbered source (copy-constrained decoding); the
    // citation of that source is appended.
    if (gen.copy === undefined) throw new KotodamaError("rag: the copy mode constrains the decoder, so it needs a local model (--model) or a server that takes copy_from (kotodama serve)");
    const r = await gen.copy(p.messages, { maxTokens: cfg.answerTokens, copyFrom: p.sources.map((s) => s.text) });
    const span = r.text.trim();
    if (span === "" || r.source === null) return { ...base, answer: NOT_IN_SOURCES[lang], abstained: true, belowThreshold: false, citations: [], unknownCitations: [], sources: p.sources, messages: p.messages, dropped: p.dropped };
    const answer = `${span} [${p.sources[r.source]!.n}]`;
    const { citations, unknown } = parseCitations(answer, p.sources);
    return { ...base, answer, abstained: false, belowThreshold: false, citations, unknownCitations: unknown, sources: p.sources, messages: p.messages, dropped: p.dropped };
  }
  const answer = (await gen.complete(p.messages, { maxTokens: cfg.answerTokens })).trim();
  const { citations, unknown } = parseCitations(answer, p.sources);
  return { ...base, answer, abstained: saysNotInSources(answer), belowThreshold: false, citations, unknownCitations: unknown, sources: p.sources, messages: p.messages, dropped: p.dropped };
}
