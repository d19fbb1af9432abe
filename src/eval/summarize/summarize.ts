// Long-document summarization beyond the context window, map-reduce over structural chunks, with every summary
// sentence attributed to the source spans it comes from:
//   map     the document's sentences are packed into chunks that fit the model's context (structure.ts) and each
//           chunk is summarized; every sentence of a chunk summary is attributed to sentences of that chunk;
//   reduce  the chunk summaries, in order, are combined into one summary; when they do not fit one prompt they are
//           grouped and combined level by level. A combined sentence is attributed among the source sentences its
//           inputs cited, falling back to the whole document, so citations always point into the source itself.
// With no model (extractive), each step keeps its most central sentences instead of generating: a baseline that
// cannot hallucinate, and the fallback when no model is at hand. Strict mode drops sentences whose cited spans
// do not cover enough of their content (attribute.ts). Not here: model loading and endpoints (the CLI builds a
// rag Generator for either), the evaluation over a corpus (evaluate.ts).
import { splitSentences } from "../../rag/sentences.js";
import type { ChatMessage, Generator } from "../../rag/generator.js";
import { KotodamaError } from "../../util/errors.js";
import { ATTRIBUTION_DEFAULTS, AttributionIndex, type AttributionConfig } from "./attribute.js";
import { documentSentences, packChunks, type Chunk, type SourceSpan } from "./structure.js";
import { contentTerms } from "./terms.js";

export type SummaryLanguage = "ja" | "en";

export interface SummarizeConfig {
  /** Sentences in the final summary, at most. */
  readonly sentences: number;
  /** Sentences asked of each chunk (and each intermediate combination), at most. */
  readonly partSentences: number;
  /** Tokens generated per chunk summary and per combination, at most. */
  readonly partTokens: number;
  /** Tokens generated for the final summary, at most. */
  readonly finalTokens: number;
  /** Reduce levels before the remaining parts are cut to fit (each level at least halves them in practice). */
  readonly maxLevels: number;
  /** "auto": Japanese when most letters are kana or kanji. */
  readonly language: SummaryLanguage | "auto";
  /** Drop summary sentences that are not supported by their cited spans. */
  readonly strict: boolean;
  /** Model calls in flight at once (an endpoint serves them concurrently; a local model runs them in turn). */
  readonly concurrency: number;
  /** Extractive mode only: characters per chunk. */
  readonly extractiveChunkChars: number;
  readonly attribution: AttributionConfig;
}

export const SUMMARIZE_DEFAULTS: SummarizeConfig = {
  sentences: 5, partSentences: 2, partTokens: 96, finalTokens: 192, maxLevels: 6, language: "auto", strict: false, concurrency: 4,
  extractiveChunkChars: 2000, attribution: ATTRIBUTION_DEFAULTS,
};

/** A cited span with its text (so a reader need not open the file). */
export interface Citation extends SourceSpan {
  readonly text: string;
}

export interface SummarySentence {
  readonly text: string;
  readonly citations: Citation[];
  /** Covered share of the sentence's weighted content terms by its citations, 0–1. */
  readonly coverage: number;
  readonly supported: boolean;
}

export interface SummaryResult {
  readonly sentences: SummarySentence[];
  /** Sentences dropped as unsupported (strict mode). */
  readonly dropped: number;
  readonly language: SummaryLanguage;
  readonly sourceChars: number;
  readonly sourceSentences: number;
  readonly chunks: number;
  /** Reduce levels run (1: the chunk summaries fitted one final prompt). */
  readonly levels: number;
  /** Model calls made (0 when extractive). */
  readonly calls: number;
  /** Chunks at least one final sentence cites (how much of the document the summary draws on). */
  readonly chunksCited: number;
}

export interface SummarizeProgress {
  readonly phase: "map" | "reduce";
  readonly done: number;
  readonly total: number;
}

/** A part on its way up the reduce tree: text and the source sentences it draws on. */
interface Part {
  readonly text: string;
  readonly sources: readonly number[];
}

export function detectLanguage(text: string): SummaryLanguage {
  const sample = text.slice(0, 20_000);
  const cjk = (sample.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu) ?? []).length;
  const latin = (sample.match(/\p{Script=Latin}/gu) ?? []).length;
  return cjk > latin * 0.5 ? "ja" : "en";
}

const PROMPTS: Readonly<Record<SummaryLanguage, { map: (n: number) => string; reduce: (n: number) => string; final: (n: number) => string }>> = {
  en: {
    map: (n) => `Summarize the following part of a longer document in at most ${n} sentences. Use only facts stated in it.`,
    reduce: (n) => `These are summaries of consecutive parts of one document, in order. Combine them into one summary of at most ${n} sentences. Use only facts stated in them.`,
    final: (n) => `These are summaries of consecutive parts of one document, in order. Write a summary of the whole document in at most ${n} sentences. Use only facts stated in them.`,
  },
  ja: {
    map: (n) => `次の文章は長い文書の一部です。書かれている事実だけを使って、${n}文以内で要約してください。`,
    reduce: (n) => `次は一つの文書の連続する部分の要約です（順番どおり）。書かれている事実だけを使って、${n}文以内の一つの要約にまとめてください。`,
    final: (n) => `次は一つの文書の連続する部分の要約です（順番どおり）。書かれている事実だけを使って、文書全体の要約を${n}文以内で書いてください。`,
  },
};

const messages = (instruction: string, text: string): ChatMessage[] => [{ role: "user", content: `${instruction}\n\n${text}` }];

/** Runs fn over items with at most `limit` in flight, results in order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Summarizes `text` with `model` (null: extractive). */
export async function summarizeDocument(text: string, model: Generator | null, cfg: SummarizeConfig = SUMMARIZE_DEFAULTS, onProgress?: (p: SummarizeProgress) => void): Promise<SummaryResult> {
  if (!Number.isInteger(cfg.sentences) || cfg.sentences < 1) throw new KotodamaError(`summarize: sentences must be an integer ≥ 1, got ${cfg.sentences}`);
  const language = cfg.language === "auto" ? detectLanguage(text) : cfg.language;
  const prompts = PROMPTS[language];
  const sentences = documentSentences(text);
  if (sentences.length === 0) throw new KotodamaError("summarize: the document has no text");
  const index = new AttributionIndex(text, sentences);
  let calls = 0;

  // ---- chunks --------------------------------------------------------------------------------------------------
  let chunks: Chunk[];
  let fit: (s: string, instruction: string, outTokens: number) => string = (s) => s;
  if (model !== null) {
    const overhead = model.countTokens(messages(prompts.map(cfg.partSentences), ""));
    const budget = model.contextTokens - overhead - cfg.partTokens;
    if (budget < 16) throw new KotodamaError(`summarize: the model's ${model.contextTokens}-token context leaves ${budget} tokens for a chunk after the prompt (${overhead}) and the answer (${cfg.partTokens}); lower --part-tokens or use a model with a longer context`);
    const tokensOf = (s: string): number => Math.max(1, model.countTokens(messages(prompts.map(cfg.partSentences), s)) - overhead);
    chunks = packChunks(sentences, (i) => tokensOf(text.slice(sentences[i]!.start, sentences[i]!.end)) + 1, budget);
    // A chunk may still overflow (one very long sentence, or joins that tokenize longer): cut it to fit.
    fit = (s, instruction, outTokens) => {
      let cut = s;
      const limit = model.contextTokens - outTokens;
      for (let k = 0; k < 40 && model.countTokens(messages(instruction, cut)) > limit; k++) {
        const over = model.countTokens(messages(instruction, cut)) - limit;
        const chars = [...cut];
        cut = chars.slice(0, Math.max(1, Math.floor(chars.length * Math.max(0.5, 1 - (over + 8) / Math.max(1, over + limit))))).join("");
      }
      return cut;
    };
  } else {
    chunks = packChunks(sentences, (i) => sentences[i]!.end - sentences[i]!.start, cfg.extractiveChunkChars);
  }

  // ---- extractive selection ------------------------------------------------------------------------------------
  /** The n most central non-heading sentences of a pool (sum of the idf-weighted pool frequency of their terms,
   *  length-normalised), in document order. */
  const central = (pool: readonly number[], n: number): number[] => {
    const tf = new Map<string, number>();
    const termsOf = new Map<number, string[]>();
    for (const i of pool) {
      const terms = [...new Set(contentTerms(text.slice(sentences[i]!.start, sentences[i]!.end)))];
      termsOf.set(i, terms);
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    }
    const scored = pool.filter((i) => !sentences[i]!.heading && termsOf.get(i)!.length > 0).map((i) => {
      const terms = termsOf.get(i)!;
      let s = 0;
      for (const t of terms) s += (tf.get(t)! - 1) * Math.log(1 + pool.length / tf.get(t)!);
      return { i, s: s / Math.sqrt(terms.length + 1) };
    });
    scored.sort((a, b) => b.s - a.s || a.i - b.i);
    // Repeated sentences ("Nothing else happened.") are central by construction but say one thing: keep the first.
    const picked: number[] = [];
    const texts = new Set<string>();
    for (const { i } of scored) {
      const t = text.slice(sentences[i]!.start, sentences[i]!.end).normalize("NFKC").toLowerCase();
      if (texts.has(t)) continue;
      texts.add(t);
      picked.push(i);
      if (picked.length === n) break;
    }
    return picked.sort((a, b) => a - b);
  };
  const partOfSentences = (ids: readonly number[]): Part => ({ text: ids.map((i) => text.slice(sentences[i]!.start, sentences[i]!.end)).join(language === "ja" ? "" : " "), sources: ids });

  /** A generated text as a part: its sentences attributed among `pool` (falling back to the document). */
  const partOfOutput = (out: string, pool: readonly number[], maxSentences: number): Part => {
    const spans = splitSentences(out).slice(0, maxSentences);
    const sources = new Set<number>();
    for (const s of spans) for (const i of index.attribute(out.slice(s.start, s.end), cfg.attribution, pool).sentences) sources.add(i);
    return { text: spans.map((s) => out.slice(s.start, s.end)).join(language === "ja" ? "" : " "), sources: [...sources].sort((a, b) => a - b) };
  };

  // ---- map -----------------------------------------------------------------------------------------------------
  let done = 0;
  const chunkIds = chunks.map((c) => Array.from({ length: c.last - c.first + 1 }, (_, k) => c.first + k));
  let parts: Part[] = await pool(chunks, model === null ? 1 : cfg.concurrency, async (c, k) => {
    let part: Part;
    if (model === null) part = partOfSentences(central(chunkIds[k]!, cfg.partSentences));
    else {
      const instruction = prompts.map(cfg.partSentences);
      const out = await model.complete(messages(instruction, fit(text.slice(c.start, c.end), instruction, cfg.partTokens)), { maxTokens: cfg.partTokens });
      calls++;
      part = partOfOutput(out, chunkIds[k]!, cfg.partSentences + 1);
    }
    onProgress?.({ phase: "map", done: ++done, total: chunks.length });
    return part;
  });
  parts = parts.filter((p) => p.text.trim() !== "");

  // ---- reduce --------------------------------------------------------------------------------------------------
  const sep = "\n\n";
  let levels = 0;
  let final: Part | null = null;
  if (model === null) {
    levels = 1;
    final = partOfSentences(central([...new Set(parts.flatMap((p) => p.sources))].sort((a, b) => a - b), cfg.sentences));
  }
  while (final === null) {
    levels++;
    const all = parts.map((p) => p.text).join(sep);
    const finalInstruction = prompts.final(cfg.sentences);
    const pooled = [...new Set(parts.flatMap((p) => p.sources))].sort((a, b) => a - b);
    if (model!.countTokens(messages(finalInstruction, all)) + cfg.finalTokens <= model!.contextTokens || levels > cfg.maxLevels || parts.length <= 1) {
      const out = await model!.complete(messages(finalInstruction, fit(all, finalInstruction, cfg.finalTokens)), { maxTokens: cfg.finalTokens });
      calls++;
      final = partOfOutput(out, pooled, cfg.sentences);
      onProgress?.({ phase: "reduce", done: levels, total: levels });
      break;
    }
    // Group consecutive parts into prompts that fit; a group holds at least two parts so every level shrinks.
    const instruction = prompts.reduce(cfg.partSentences);
    const limit = model!.contextTokens - cfg.partTokens;
    const groups: Part[][] = [];
    let cur: Part[] = [];
    for (const p of parts) {
      const trial = [...cur, p];
      if (cur.length >= 2 && model!.countTokens(messages(instruction, trial.map((x) => x.text).join(sep))) > limit) {
        groups.push(cur);
        cur = [p];
      } else cur = trial;
    }
    if (cur.length > 0) groups.push(cur);
    let d = 0;
    parts = await pool(groups, cfg.concurrency, async (g) => {
      const src = [...new Set(g.flatMap((p) => p.sources))].sort((a, b) => a - b);
      const out = await model!.complete(messages(instruction, fit(g.map((p) => p.text).join(sep), instruction, cfg.partTokens)), { maxTokens: cfg.partTokens });
      calls++;
      onProgress?.({ phase: "reduce", done: ++d, total: groups.length });
      return partOfOutput(out, src, cfg.partSentences + 1);
    });
    parts = parts.filter((p) => p.text.trim() !== "");
  }

  // ---- the final sentences, attributed -------------------------------------------------------------------------
  const out: SummarySentence[] = [];
  let dropped = 0;
  const seen = new Set<string>();
  const norm = (t: string): string => t.normalize("NFKC").toLowerCase().replace(/[\s\p{P}]+/gu, "");
  if (model === null) {
    // Extractive: the sentences are the source's own; each cites itself.
    for (const i of final.sources) {
      const s = sentences[i]!;
      const t = text.slice(s.start, s.end);
      if (seen.has(norm(t))) continue;
      seen.add(norm(t));
      out.push({ text: t, citations: [{ start: s.start, end: s.end, line: s.line, endLine: s.endLine, text: t }], coverage: 1, supported: true });
    }
  } else {
    const pooled = final.sources.length > 0 ? final.sources : undefined;
    for (const s of splitSentences(final.text).slice(0, cfg.sentences)) {
      const sentence = final.text.slice(s.start, s.end);
      // A model repeating itself says nothing new: a sentence equal to an earlier one (ignoring case, spaces and
      // punctuation) is left out.
      if (seen.has(norm(sentence))) continue;
      seen.add(norm(sentence));
      const a = index.attribute(sentence, cfg.attribution, pooled);
      if (cfg.strict && !a.supported) {
        dropped++;
        continue;
      }
      out.push({ text: sentence, citations: a.spans.map((sp) => ({ ...sp, text: text.slice(sp.start, sp.end) })), coverage: a.coverage, supported: a.supported });
    }
  }
  const cited = new Set<number>();
  for (const s of out) for (const c of s.citations) chunks.forEach((ch, k) => { if (c.start < ch.end && c.end > ch.start) cited.add(k); });
  return { sentences: out, dropped, language, sourceChars: text.length, sourceSentences: sentences.length, chunks: chunks.length, levels, calls, chunksCited: cited.size };
}
