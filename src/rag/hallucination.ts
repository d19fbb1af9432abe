// Hallucination with and without retrieval: each question answered closed-book (the question alone) and with
// retrieval (generated from numbered sources, or extracted from them), every answer scored for exact match,
// character F1 and support, and each condition summed into estimates with n and a 95 % interval.
// Not here: per-answer scoring (answer-metrics.ts), answering (answer.ts), files and chart (hallucination-report.ts),
// the CLI (cli/commands/eval-rag.ts).
import { meanWithBootstrap, proportion, type Estimate } from "../eval/stats.js";
import { Rng } from "../util/rng.js";
import { KotodamaError } from "../util/errors.js";
import { askGrounded, type AskConfig, type AskIndex, type AskModels } from "./answer.js";
import { charF1, exactMatch, support, type Support } from "./answer-metrics.js";
import { stripCitations } from "./citations.js";
import { langOf, saysNotInSources } from "./language.js";
import { closedBookMessages } from "./prompt.js";
import type { QaItem } from "./qa-sets.js";

export const RAG_CONDITIONS = ["closed-book", "rag-generate", "rag-copy", "rag-extract-lexical", "rag-extract-model"] as const;
export type RagCondition = (typeof RAG_CONDITIONS)[number];
export const RAG_CONDITION_LABELS: Readonly<Record<RagCondition, string>> = {
  "closed-book": "closed book (generate)",
  "rag-generate": "retrieval + generate",
  "rag-copy": "retrieval + generate, copy-constrained",
  "rag-extract-lexical": "retrieval + extract (lexical)",
  "rag-extract-model": "retrieval + extract (model)",
};

export interface RagEvalOptions {
  readonly items: readonly QaItem[];
  readonly index: AskIndex;
  readonly models: AskModels;
  readonly conditions: readonly RagCondition[];
  /** k, threshold, scale, answerTokens (mode and scorer are set per condition). */
  readonly ask: AskConfig;
  /** Questions (a seeded shuffle's first N; all when null). */
  readonly limit: number | null;
  readonly seed: number;
  readonly onProgress?: (p: { readonly done: number; readonly total: number; readonly condition: RagCondition }) => void;
}

export interface RagRecord {
  readonly id: string;
  readonly condition: RagCondition;
  readonly question: string;
  readonly golds: readonly string[];
  readonly answer: string;
  readonly em: number;
  readonly f1: number;
  readonly support: Support;
  readonly belowThreshold: boolean;
  readonly relevance: number;
  readonly citations: number;
  /** Ids of the retrieved passages, best first (the spans the support check reads). */
  readonly retrieved: readonly string[];
  /** Why no answer was produced (scored as an empty answer: EM 0, F1 0, support "abstained"). */
  readonly error?: string;
}

export interface RagMetrics {
  readonly em: Estimate;
  readonly f1: Estimate;
  /** Share of all questions whose answer is unsupported (abstentions count as not unsupported). */
  readonly unsupported: Estimate;
  /** Share of the answers given (abstentions left out) that are unsupported. */
  readonly unsupportedOfAnswered: Estimate;
  readonly abstained: Estimate;
  /** Questions with no answer because of an error (e.g. no room for a source in the context); among `abstained`. */
  readonly errors: number;
}

export interface RagEvalResult {
  readonly conditions: readonly RagCondition[];
  readonly metrics: Readonly<Partial<Record<RagCondition, RagMetrics>>>;
  readonly records: readonly RagRecord[];
  /** ask: the shared settings (mode and scorer are set per condition, so they are left out). */
  readonly settings: { readonly limit: number | null; readonly questions: number; readonly seed: number; readonly ask: Omit<AskConfig, "mode" | "extractScorer"> };
  readonly seconds: number;
}

function sample<T>(xs: readonly T[], n: number | null, seed: number): T[] {
  const out = [...xs];
  const rng = new Rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return n === null ? out : out.slice(0, n);
}

export function summarizeRag(records: readonly RagRecord[], seed: number): RagMetrics {
  const n = records.length;
  const count = (s: Support): number => records.filter((r) => r.support === s).length;
  const unsup = count("unsupported");
  const abst = count("abstained");
  return {
    em: meanWithBootstrap(records.map((r) => r.em), seed),
    f1: meanWithBootstrap(records.map((r) => r.f1), seed),
    unsupported: proportion(unsup, n),
    unsupportedOfAnswered: proportion(unsup, n - abst),
    abstained: proportion(abst, n),
    errors: records.filter((r) => r.error !== undefined).length,
  };
}

export async function evaluateRag(o: RagEvalOptions): Promise<RagEvalResult> {
  const t0 = performance.now();
  const items = sample(o.items, o.limit, o.seed);
  if (items.length === 0) throw new KotodamaError("eval rag: no questions");
  const total = items.length * o.conditions.length;
  let done = 0;
  const records: RagRecord[] = [];
  const metrics: Partial<Record<RagCondition, RagMetrics>> = {};
  for (const condition of o.conditions) {
    const recs: RagRecord[] = [];
    for (const q of items) {
      const retrievedChunks = await o.index.searchChunks(q.question, o.ask.k);
      const spans = retrievedChunks.map((c) => c.text);
      let answer: string;
      let abstained: boolean;
      let belowThreshold = false;
      let relevance = NaN;
      let citations = 0;
      let error: string | undefined;
      try {
        if (condition === "closed-book") {
          const gen = o.models.generator;
          if (gen == null) throw new KotodamaError("eval rag: the closed-book condition needs a generator");
          answer = (await gen.complete(closedBookMessages(q.question, langOf(q.question)), { maxTokens: o.ask.answerTokens })).trim();
          abstained = saysNotInSources(answer);
        } else {
          const mode = condition === "rag-generate" ? "generate" : condition === "rag-copy" ? "copy" : "extract";
          const extractScorer = condition === "rag-extract-model" ? "model" : "lexical";
          const a = await askGrounded(q.question, o.index, o.models, { ...o.ask, mode, extractScorer });
          ({ answer, abstained, belowThreshold, relevance } = a);
          citations = a.citations.length;
        }
      } catch (e) {
        // E.g. a question too long to leave room for a source in a small context: no answer, counted in `errors`.
        if (!(e instanceof KotodamaError)) throw e;
        [answer, abstained, error] = ["", false, e.message];
      }
      const plain = stripCitations(answer);
      const r: RagRecord = {
        id: q.id, condition, question: q.question, golds: q.answers, answer,
        // An error scores 0 as documented, even against a gold that normalizes to "" (JSQuAD has "/"), which an
        // empty answer would otherwise match exactly.
        em: abstained || error !== undefined ? 0 : exactMatch(plain, q.answers), f1: abstained || error !== undefined ? 0 : charF1(plain, q.answers),
        support: support(plain, abstained, q.answers, spans), belowThreshold, relevance, citations,
        retrieved: retrievedChunks.map((c) => c.docId),
        ...(error === undefined ? {} : { error }),
      };
      recs.push(r);
      records.push(r);
      o.onProgress?.({ done: ++done, total, condition });
    }
    metrics[condition] = summarizeRag(recs, o.seed);
  }
  return { conditions: o.conditions, metrics, records, settings: { limit: o.limit, questions: items.length, seed: o.seed, ask: { k: o.ask.k, threshold: o.ask.threshold, scale: o.ask.scale, extractSpan: o.ask.extractSpan, answerTokens: o.ask.answerTokens } }, seconds: (performance.now() - t0) / 1000 };
}
