// `kotodama rag index`, `kotodama rag search` and `kotodama rag ask`: parse flags, run the indexer (and the dense
// embedder, --dense, and its LanceDB table, --store lance), or open the index in a search mode (lexical, dense,
// hybrid; the dense side exact or on the LanceDB table) and search it, or answer a
// question from it with citations, by a local model or an OpenAI-compatible
// endpoint (askModelsFlags); print results. The ask flags are shared with `chat --rag` and `eval rag`. Not here: ingest, chunking, BM25, the index format, answering
// (src/rag/, docs/rag.md).
import { createInterface } from "node:readline";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags, wantsHelp } from "../command.js";
import { stepBar } from "../progress.js";
import { KotodamaError } from "../../util/errors.js";
import { ANALYZERS, parseAnalyzer } from "../../rag/analyzer.js";
import { INDEX_DEFAULTS, updateIndex, type IndexConfig } from "../../rag/indexer.js";
import { LexicalIndex, type ScoredChunk } from "../../rag/lexical.js";
import type { Bm25Config } from "../../rag/bm25.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel, type InferModel } from "../../infer/index.js";
import { localPassageScorer } from "../../rag/fusion-rerank.js";
import { ANSWER_MODES, ASK_DEFAULTS, askGrounded, type AnswerMode, type AskConfig, type AskModels, type GroundedAnswer } from "../../rag/answer.js";
import { EXTRACT_SCORERS, EXTRACT_SPANS, type ExtractScorer, type ExtractSpan } from "../../rag/extract.js";
import { chatRenderer, localGenerator, localScorer } from "../../rag/local-model.js";
import { BYTE_BOUND_ALLOWANCE, endpointGenerator } from "../../rag/endpoint-generator.js";
import { endpointPassageScorer, endpointScorer } from "../../rag/endpoint-scorer.js";
import type { EndpointResponder } from "../../infer/endpoint.js";
import { loadTokenizer } from "../../tokenizer/index.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP, endpointFromFlags } from "../endpoint-flags.js";
import { RELEVANCE_SCALES, type RelevanceScale } from "../../rag/relevance.js";
import { AsyncDenseRetriever, buildDense, DenseRetriever, modelWeightsSha256, ModeIndex, openDenseVectors, readDenseManifest, SEARCH_MODES, type DenseManifest, type SearchMode } from "../../rag/dense-index.js";
import type { AnnConfig, AnnKind } from "../../rag/lance-store.js";
import { modelEmbedder, parsePooling, POOLINGS, type Pooling } from "../../rag/embedder.js";
import { FUSION_DEFAULTS, FUSION_METHODS, type FusionConfig, type FusionMethod } from "../../rag/fusion.js";

const ANN_KINDS: readonly AnnKind[] = ["ivf_pq", "hnsw_sq", "none"];
const LANCE_DEFAULT_ANN: AnnKind = "ivf_pq";
/** IVF-PQ's default re-ranking depth: refineFactor·k PQ candidates re-scored with the full vectors (docs/rag.md). */
const IVF_PQ_DEFAULT_REFINE = 10;
const STORE_SEARCH_HELP = [
  "  --exact     search the dense vectors exactly (brute force) even when the index has a LanceDB store",
  "  --nprobes N, --refine-factor N, --ef N  a LanceDB store's search: IVF partitions probed, PQ candidates re-ranked",
  "              (N·k) with the full vectors, HNSW candidates kept (default: those stored by rag index)",
];

const INDEX_HELP = [
  "Usage: kotodama rag index --out INDEX FILES... [--field F] [--id-field F] [--analyzer A]",
  "                          [--chunk-chars N] [--overlap-chars N] [--k1 X] [--b X] [--quiet]",
  "                          [--dense MODEL [--pooling mean|last] [--embed-tokens N] [--threads N]]",
  "                          [--store exact|lance [--store-uri URI] [--ann ivf_pq|hnsw_sq|none] [--partitions N]",
  "                           [--sub-vectors N] [--nprobes N] [--refine-factor N] [--ef N]]",
  "",
  "Builds or updates a lexical (BM25) index of text (.txt), Markdown (.md), HTML (.html: main text by Readability),",
  "JSONL (.jsonl: one passage a line) and PDF (.pdf: one document a page, by pdf.js) files or folders. The index",
  "then holds exactly FILES: changed files are re-indexed, files no longer given (or deleted) removed, unchanged",
  "ones reused; an interrupted run loses nothing.",
  "",
  "  --out INDEX          index folder (created if absent)",
  "  --field F            JSONL: text field (default text)",
  "  --id-field F         JSONL: id field; results report it as id (default: FILE#LINE)",
  `  --analyzer A         terms: ${ANALYZERS.join(", ")} (default ${INDEX_DEFAULTS.analyzer}; see docs/rag.md)`,
  `  --chunk-chars N      target chunk length in characters (default ${INDEX_DEFAULTS.chunk.targetChars})`,
  `  --overlap-chars N    trailing sentences repeated in the next chunk, up to N characters (default ${INDEX_DEFAULTS.chunk.overlapChars})`,
  `  --k1 X, --b X        BM25 defaults stored with the index (default ${INDEX_DEFAULTS.bm25.k1}, ${INDEX_DEFAULTS.bm25.b})`,
  "  --quiet              no progress bar or summary",
  "  --dense MODEL        also embed every chunk with MODEL (a kotodama model: run folder, GGUF, HF folder) for",
  "                       dense and hybrid search; later runs without --dense keep the index's embedder and",
  "                       re-embed only chunks whose text is new (docs/rag.md, \"Dense and hybrid retrieval\")",
  `  --pooling P          ${POOLINGS.join(" or ")}: how token states become one vector (default mean)`,
  "  --embed-tokens N     tokens of a chunk embedded (default and at most: the model's context; longer chunks are cut)",
  "  --threads N          compute threads for embedding (default: all cores)",
  "  --store S            where searches find the dense vectors: exact (default: brute force over INDEX/dense's",
  "                       vectors) or lance (also write them into a LanceDB table with an approximate index, rebuilt",
  "                       when the vectors change; later runs without --store keep the index's store)",
  "  --store-uri URI      lance: the LanceDB database (default INDEX/dense/lance; an s3://… URI is passed to LanceDB",
  "                       unchanged, untested here)",
  `  --ann A              lance: ${ANN_KINDS.join(", ")} (default ${LANCE_DEFAULT_ANN}, which needs ≥ 256 chunks): IVF partitions of`,
  "                       product-quantized vectors, a graph over scalar-quantized ones, or LanceDB's exact scan",
  "  --partitions N       lance: IVF partitions (default √chunks; hnsw_sq: 1)",
  "  --sub-vectors N      lance ivf_pq: PQ sub-vectors, dividing the width (default width/16)",
  `  --nprobes N, --refine-factor N, --ef N   lance: query-time defaults stored with the index (ivf_pq: refine ×${IVF_PQ_DEFAULT_REFINE})`,
].join("\n");

const SEARCH_HELP = [
  "Usage: kotodama rag search --index INDEX [--k K] [--json] [--k1 X] [--b X] [--mode M] [--fusion F] [--rerank N --rerank-model M] QUERY",
  "       kotodama rag search --index INDEX [--k K] --batch < queries.jsonl",
  "",
  "Retrieval only: the K best chunks with their passage id, score and character offsets (code points into",
  "the passage/file text; text = that span).",
  `  --mode M    ${SEARCH_MODES.join(", ")} (default: hybrid when the index has dense vectors, else lexical);`,
  "              score = BM25, cosine, or the fused score",
  `  --fusion F  hybrid: ${FUSION_METHODS.join(" or ")} (default ${FUSION_DEFAULTS.method}: min-max normalised scores; rrf:`,
  "              reciprocal rank fusion, k = 60; measured in docs/rag.md)",
  `  --lexical-weight W  --fusion weighted: BM25's weight, dense gets 1 − W (default ${FUSION_DEFAULTS.lexicalWeight})`,
  "  --threads N compute threads for embedding the query",
  "  --rerank N  reorder the first N hits by the LM's log p(question | passage) (docs/rag.md; slow: one forward",
  "              pass a passage); their score is then that log p",
  "  --rerank-model M  the kotodama model that scores them (required with --rerank)",
  "  --k K       results per query (default 10)",
  "  --json      one JSON object: {query, results: [{id, score, start, end, text, source}]}",
  '  --batch     read {"query": ...} JSON lines from stdin, print one JSON line per query, in order',
  "  --k1, --b   override the index's BM25 parameters",
  ...STORE_SEARCH_HELP,
].join("\n");

/** An endpoint's context when --context is not given: the OpenAI API does not report it. */
const ENDPOINT_CONTEXT_DEFAULT = 4096;

const ASK_HELP = [
  "Usage: kotodama rag ask --index INDEX (--model M | --endpoint URL --api-model NAME [--tokenizer M]) [--k K] [--threshold T]",
  "                        [--scale normalized|bm25] [--mode generate|copy|extract] [--scorer lexical|model] [--span sentence|phrase]",
  "                        [--answer-tokens N] [--context N] [--threads N] [--retrieval lexical|dense|hybrid] [--rerank N] [--json] QUESTION",
  "",
  "Answers QUESTION from the index, citing its sources as [n] (docs/rag.md, \"Grounded answering\"). When the best",
  "chunk's relevance is below the threshold the answer is \"The sources do not say.\" (Japanese questions:",
  "「資料には書かれていません。」) and no model is called.",
  "  --index INDEX       an index from `kotodama rag index`",
  "  --model M           a kotodama model (any model that loads, with a chat template)",
  ...ENDPOINT_HELP,
  "  --tokenizer M       endpoint: the served model's tokenizer (a model file or folder, e.g. the run directory it",
  "                      serves), whose chat template and tokens size the prompt exactly; without it the prompt is",
  `                      sized by an upper bound (UTF-8 bytes + ${BYTE_BOUND_ALLOWANCE.perMessage} tokens a message), which fits fewer sources`,
  `  --k K               chunks retrieved (default ${ASK_DEFAULTS.k})`,
  "  --retrieval R       lexical, dense or hybrid (default: the index's — hybrid when it has dense vectors); the",
  "                      threshold is always on the BM25 relevance of the best-ranked chunk",
  "  --fusion F, --lexical-weight W  hybrid fusion (see rag search --help)",
  "  --exact, --nprobes N, --refine-factor N, --ef N  the dense store (see rag search --help)",
  "  --rerank N          reorder the first N retrieved chunks by the LM's log p(question | passage) before the",
  "                      k best are kept (default: no rerank)",
  "  --rerank-model M    a kotodama model that scores them (default: --model, or the --endpoint's model through",
  "                      /v1/completions with echo and logprobs, one request per question)",
  `  --threshold T       relevance below which the sources do not say (default ${ASK_DEFAULTS.threshold}, measured: docs/rag.md)`,
  `  --scale S           relevance scale: ${RELEVANCE_SCALES.join(", ")} (default ${ASK_DEFAULTS.scale}: best BM25 / the query's maximum)`,
  `  --mode M            generate (the model writes, citing [n]), copy (the model writes, but only a span of one source,`,
  "                      which it then cites: copy-constrained decoding, local models only) or extract (the best",
  `                      sentence of the sources) (default ${ASK_DEFAULTS.mode})`,
  `  --scorer S          extract: how the sentence is chosen, ${EXTRACT_SCORERS.join(", ")} (default ${ASK_DEFAULTS.extractScorer}; model with --endpoint needs a server that echoes log-probabilities on /v1/completions)`,
  `  --span S            extract: answer with the ${EXTRACT_SPANS.join(" or the ")} (its longest stretch the question does not cover; default ${ASK_DEFAULTS.extractSpan})`,
  `  --answer-tokens N   tokens kept for the answer (default ${ASK_DEFAULTS.answerTokens})`,
  `  --context N         context tokens to use (default: the model's, at most 4096; an endpoint's: ${ENDPOINT_CONTEXT_DEFAULT}, give the served model's)`,
  "  --threads N         compute threads (default: all cores)",
  "  --json              one JSON object: {question, answer, abstained, relevance, citations: [{n, id, source, start, end, text}], ...}",
].join("\n");

/** Flags shared by `rag ask` and `eval rag` (`chat --rag` takes the answering ones). */
export const ASK_FLAGS = {
  k: { type: "string" },
  threshold: { type: "string" },
  scale: { type: "string" },
  mode: { type: "string" },
  scorer: { type: "string" },
  span: { type: "string" },
  "answer-tokens": { type: "string" },
  context: { type: "string" },
  tokenizer: { type: "string" },
  ...ENDPOINT_FLAGS,
  threads: { type: "string" },
} as const;

function oneOf<T extends string>(cmd: string, flag: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new KotodamaError(`kotodama ${cmd}: --${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
}

/** The ask configuration from flags (defaults: ASK_DEFAULTS). */
export function askConfigFlags(cmd: string, values: Record<string, unknown>): AskConfig {
  const d = ASK_DEFAULTS;
  return {
    k: intFlag(cmd, "k", values.k, d.k, 1, 1000),
    threshold: numberFlag(cmd, "threshold", values.threshold, d.threshold, 0, Number.MAX_VALUE),
    scale: oneOf<RelevanceScale>(cmd, "scale", values.scale, RELEVANCE_SCALES, d.scale),
    mode: oneOf<AnswerMode>(cmd, "mode", values.mode, ANSWER_MODES, d.mode),
    extractScorer: oneOf<ExtractScorer>(cmd, "scorer", values.scorer, EXTRACT_SCORERS, d.extractScorer),
    extractSpan: oneOf<ExtractSpan>(cmd, "span", values.span, EXTRACT_SPANS, d.extractSpan),
    answerTokens: intFlag(cmd, "answer-tokens", values["answer-tokens"], d.answerTokens, 1, 1 << 16),
  };
}

/** What answers: a local model's path, or an endpoint's URL and model name (for logs and result files). */
export interface AskModelsInfo {
  readonly path: string | null;
  /** The local model behind --model (null with an endpoint or none). */
  readonly local: InferModel | null;
  readonly endpoint: { readonly url: string; readonly model: string; readonly tokens: string; readonly contextTokens: number; readonly settings: Readonly<Record<string, unknown>> } | null;
  /** The endpoint's client (null with a local model or none). */
  readonly responder: EndpointResponder | null;
}

/** The models behind --model (a local generator and scorer) or --endpoint URL --api-model NAME (the chat API as the
 *  generator, /v1/completions' echoed log-probabilities as the scorer). */
export function askModelsFlags(cmd: string, values: Record<string, unknown>, required: boolean): AskModels & AskModelsInfo {
  const context = (fallback: number): number => intFlag(cmd, "context", values.context, fallback, 8, 1 << 20);
  const ep = endpointFromFlags(cmd, values);
  if (ep !== null) {
    if (values.threads !== undefined) throw new KotodamaError(`kotodama ${cmd}: --threads is for a local model (--model); an endpoint takes --concurrency N`);
    let countTokens;
    let tokens = `at most UTF-8 bytes + ${BYTE_BOUND_ALLOWANCE.perMessage} per message (no --tokenizer)`;
    if (typeof values.tokenizer === "string") {
      const render = chatRenderer(loadTokenizer(values.tokenizer), values.tokenizer);
      countTokens = (m: Parameters<typeof render>[0]): number => render(m).length;
      tokens = `counted with ${values.tokenizer}'s chat template and tokenizer`;
    }
    const generator = endpointGenerator(ep.responder, { contextTokens: context(ENDPOINT_CONTEXT_DEFAULT), ...(countTokens === undefined ? {} : { countTokens }) });
    process.stderr.write(`generator: ${ep.responder.name} (${ep.auth}); context ${generator.contextTokens} tokens, prompt tokens ${tokens}\n`);
    return { generator, scoreContinuation: endpointScorer(ep.responder), path: null, local: null, responder: ep.responder, endpoint: { url: ep.responder.url, model: ep.responder.model, tokens, contextTokens: generator.contextTokens, settings: ep.responder.settings } };
  }
  if (values.tokenizer !== undefined) throw new KotodamaError(`kotodama ${cmd}: --tokenizer sizes prompts for an endpoint; it needs --endpoint URL (a local --model uses its own)`);
  if (typeof values.model !== "string") {
    if (required) throw new KotodamaError(`kotodama ${cmd}: --model M (or --endpoint URL --api-model NAME) is required`);
    return { generator: null, scoreContinuation: null, path: null, local: null, responder: null, endpoint: null };
  }
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 1, 1, 1024);
  const model = openInferModel(values.model, { backend: loadBackend(threads === undefined ? {} : { threads }) });
  for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
  const o = values.context === undefined ? {} : { context: context(256) };
  return { generator: localGenerator(model, o), scoreContinuation: localScorer(model, o), path: values.model, local: model, responder: null, endpoint: null };
}

/** A grounded answer as JSON (citations with the passage id as `id`). */
export function answerJson(a: GroundedAnswer): Record<string, unknown> {
  const span = (c: { n: number; docId: string; source: string; start: number; end: number; text: string }): Record<string, unknown> => ({ n: c.n, id: c.docId, source: c.source, start: c.start, end: c.end, text: c.text });
  return {
    question: a.question, answer: a.answer, abstained: a.abstained, below_threshold: a.belowThreshold, relevance: Number(a.relevance.toFixed(6)), mode: a.mode, lang: a.lang,
    citations: a.citations.map((c) => ({ ...span(c), marker: c.marker })), unknown_citations: a.unknownCitations,
    sources: a.sources.map((s) => ({ ...span(s), score: Number(s.score.toFixed(6)), truncated: s.truncated })), dropped: a.dropped,
  };
}

/** The answer, then one line per distinct cited span: [n] id [start, end) and the text. */
export function answerText(a: GroundedAnswer): string {
  const lines = [a.answer];
  const seen = new Set<number>();
  for (const c of a.citations) {
    if (seen.has(c.n)) continue;
    seen.add(c.n);
    const t = c.text.replace(/\s+/g, " ");
    lines.push(`  [${c.n}] ${c.docId} [${c.start}, ${c.end})${c.source !== c.docId ? ` ${c.source}` : ""}: ${t.length > 160 ? `${t.slice(0, 160)}…` : t}`);
  }
  if (a.unknownCitations.length > 0) lines.push(`  (cites ${a.unknownCitations.map((n) => `[${n}]`).join(" ")}, which no source has)`);
  return lines.join("\n");
}

async function ask(argv: readonly string[]): Promise<number> {
  const cmd = "rag ask";
  const { values, positionals } = parseFlags(cmd, argv, { index: { type: "string" }, model: { type: "string" }, json: { type: "boolean" }, retrieval: { type: "string" }, ...RETRIEVAL_FLAGS, ...ASK_FLAGS });
  if (typeof values.index !== "string") throw new KotodamaError("kotodama rag ask: --index INDEX is required");
  if (positionals.length === 0) throw new KotodamaError("kotodama rag ask: give a QUESTION");
  const cfg = askConfigFlags(cmd, values);
  const needModel = !(cfg.mode === "extract" && cfg.extractScorer === "lexical");
  const models = askModelsFlags(cmd, values, needModel);
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 1, 1, 1024);
  const idx = await openModeIndex(cmd, values.index, values.retrieval, "retrieval", values, {}, threads, rerankFlags(cmd, values, models.local, threads, models.responder));
  try {
    const a = await askGrounded(positionals.join(" "), idx.forAnswer(), models, cfg);
    process.stdout.write(`${values.json === true ? JSON.stringify(answerJson(a)) : answerText(a)}\n`);
    return 0;
  } finally {
    idx.lexical.close();
  }
}

const INDEX_FLAGS = {
  out: { type: "string" },
  field: { type: "string" },
  "id-field": { type: "string" },
  analyzer: { type: "string" },
  "chunk-chars": { type: "string" },
  "overlap-chars": { type: "string" },
  k1: { type: "string" },
  b: { type: "string" },
  quiet: { type: "boolean" },
  dense: { type: "string" },
  pooling: { type: "string" },
  "embed-tokens": { type: "string" },
  threads: { type: "string" },
  store: { type: "string" },
  "store-uri": { type: "string" },
  ann: { type: "string" },
  partitions: { type: "string" },
  "sub-vectors": { type: "string" },
  nprobes: { type: "string" },
  "refine-factor": { type: "string" },
  ef: { type: "string" },
} as const;

const FUSION_FLAGS = { fusion: { type: "string" }, "lexical-weight": { type: "string" } } as const;
/** The dense store's query-time flags: exact search forced, or a LanceDB table's search settings. */
const STORE_SEARCH_FLAGS = { exact: { type: "boolean" }, nprobes: { type: "string" }, "refine-factor": { type: "string" }, ef: { type: "string" } } as const;
/** How an index is searched beyond its mode: fusion, the dense store and the LM rerank (search, ask and `chat --rag`). */
export const RETRIEVAL_FLAGS = { ...FUSION_FLAGS, ...STORE_SEARCH_FLAGS, rerank: { type: "string" }, "rerank-model": { type: "string" } } as const;

/** Which LanceDB settings apply to which index kinds (--flag, its AnnConfig field, the kinds it applies to). */
const ANN_SETTINGS: readonly { flag: string; field: "partitions" | "subVectors" | "nprobes" | "refineFactor" | "ef"; kinds: readonly AnnKind[] }[] = [
  { flag: "partitions", field: "partitions", kinds: ["ivf_pq", "hnsw_sq"] },
  { flag: "sub-vectors", field: "subVectors", kinds: ["ivf_pq"] },
  { flag: "nprobes", field: "nprobes", kinds: ["ivf_pq", "hnsw_sq"] },
  { flag: "refine-factor", field: "refineFactor", kinds: ["ivf_pq", "hnsw_sq"] },
  { flag: "ef", field: "ef", kinds: ["hnsw_sq"] },
];

/** The given ones of `flags` as AnnConfig fields, each refused (naming it) where `kind` has no use for it. */
function annSettings(cmd: string, values: Record<string, unknown>, kind: AnnKind, flags: readonly string[]): Partial<AnnConfig> {
  const out: Record<string, number> = {};
  for (const s of ANN_SETTINGS) {
    if (!flags.includes(s.flag) || values[s.flag] === undefined) continue;
    if (!s.kinds.includes(kind)) throw new KotodamaError(`kotodama ${cmd}: --${s.flag} is for a LanceDB store with --ann ${s.kinds.join(" or ")}; this one is ${kind}`);
    out[s.field] = intFlag(cmd, s.flag, values[s.flag], 1, 1, 1 << 20);
  }
  return out;
}

const QUERY_SETTINGS = ["nprobes", "refine-factor", "ef"];
const BUILD_SETTINGS = ["store-uri", "ann", "partitions", "sub-vectors", ...QUERY_SETTINGS];

/** The dense store at query time: the manifest's LanceDB table unless --exact (or none), with --nprobes etc. over
 *  its stored defaults; those flags are refused where no LanceDB table is searched. */
function storeSearchFlags(cmd: string, values: Record<string, unknown>, dm: DenseManifest | null, mode: SearchMode): { lance: boolean; search: Partial<AnnConfig> } {
  const given = QUERY_SETTINGS.find((f) => values[f] !== undefined);
  const exact = values.exact === true;
  if (given !== undefined) {
    if (exact) throw new KotodamaError(`kotodama ${cmd}: --${given} sets a LanceDB store's search; --exact searches without it`);
    if (dm?.store === undefined) throw new KotodamaError(`kotodama ${cmd}: --${given} needs an index with a LanceDB store (rag index --store lance); this one searches exactly`);
    if (mode === "lexical") throw new KotodamaError(`kotodama ${cmd}: --${given} sets the dense search; mode lexical has none`);
  }
  if (dm?.store === undefined || exact || mode === "lexical") return { lance: false, search: {} };
  return { lance: true, search: annSettings(cmd, values, dm.store.ann.kind, QUERY_SETTINGS) };
}

/** --rerank N [--rerank-model M]: the LM rerank of the first N hits (fusion-rerank.ts) by M, else by `fallback`
 *  (the answering model, when it is local), else by `endpoint` (the answering endpoint, through /v1/completions
 *  echo); null without --rerank. */
export function rerankFlags(cmd: string, values: Record<string, unknown>, fallback: InferModel | null, threads: number | undefined, endpoint: EndpointResponder | null = null): ModeIndex["rerank"] {
  if (values.rerank === undefined) {
    if (values["rerank-model"] !== undefined) throw new KotodamaError(`kotodama ${cmd}: --rerank-model M needs --rerank N (how many first-stage hits it reorders)`);
    return null;
  }
  const depth = intFlag(cmd, "rerank", values.rerank, 10, 1, 1000);
  let model = fallback;
  if (typeof values["rerank-model"] === "string") {
    model = openInferModel(values["rerank-model"], { backend: loadBackend(threads === undefined ? {} : { threads }) });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
  }
  if (model !== null) return { score: localPassageScorer(model), depth };
  if (endpoint !== null) return { score: endpointPassageScorer(endpoint), depth };
  throw new KotodamaError(`kotodama ${cmd}: --rerank needs a model to score the passages: give --rerank-model M (a kotodama model)`);
}

const SEARCH_FLAGS = {
  index: { type: "string" },
  k: { type: "string" },
  json: { type: "boolean" },
  batch: { type: "boolean" },
  k1: { type: "string" },
  b: { type: "string" },
  mode: { type: "string" },
  threads: { type: "string" },
  ...RETRIEVAL_FLAGS,
} as const;

/** Opens an index in a search mode: the flag's, else hybrid when it has dense vectors, else lexical, with the LM
 *  rerank after it when given. The dense side loads the embedding model named in the index's dense manifest and
 *  searches its LanceDB table when it names one (unless --exact), else its vectors exactly. */
export async function openModeIndex(cmd: string, dir: string, modeFlag: unknown, flagName: string, values: Record<string, unknown>, bm25: Partial<Bm25Config>, threads: number | undefined, rerank: ModeIndex["rerank"] = null): Promise<ModeIndex> {
  const dm = readDenseManifest(dir);
  const mode = oneOf<SearchMode>(cmd, flagName, modeFlag, SEARCH_MODES, dm === null ? "lexical" : "hybrid");
  const fusion: FusionConfig = {
    ...FUSION_DEFAULTS,
    method: oneOf<FusionMethod>(cmd, "fusion", values.fusion, FUSION_METHODS, FUSION_DEFAULTS.method),
    lexicalWeight: numberFlag(cmd, "lexical-weight", values["lexical-weight"], FUSION_DEFAULTS.lexicalWeight, 0, 1),
  };
  const store = storeSearchFlags(cmd, values, dm, mode);
  const lex = new LexicalIndex(dir, bm25);
  if (mode === "lexical") return new ModeIndex(lex, mode, null, fusion, rerank);
  try {
    if (dm === null) throw new KotodamaError(`kotodama ${cmd}: --${flagName} ${mode} needs dense vectors; ${dir} has none (build them with 'kotodama rag index --dense MODEL --out ${dir} FILES...')`);
    if (store.lance) {
      // LanceDB's native binary loads only for an index that names a table.
      const { openLanceStore } = await import("../../rag/dense-lance.js");
      const table = await openLanceStore(dir, dm, lex.manifest.generation, store.search);
      return new ModeIndex(lex, mode, new AsyncDenseRetriever(modelEmbedder(openInferModel(dm.embedder.model, { backend: loadBackend(threads === undefined ? {} : { threads }) }), dm.embedder), table), fusion, rerank);
    }
    const { vectors } = openDenseVectors(dir, lex);
    const model = openInferModel(dm.embedder.model, { backend: loadBackend(threads === undefined ? {} : { threads }) });
    return new ModeIndex(lex, mode, new DenseRetriever(modelEmbedder(model, dm.embedder), vectors), fusion, rerank);
  } catch (e) {
    lex.close();
    throw e;
  }
}

/** The dense build after `rag index`: --dense MODEL, or the embedder the index already has. */
function indexDense(cmd: string, dir: string, values: Record<string, unknown>, quiet: boolean): void {
  const old = readDenseManifest(dir);
  if (typeof values.dense !== "string") {
    for (const f of ["pooling", "embed-tokens"]) if (values[f] !== undefined) throw new KotodamaError(`kotodama ${cmd}: --${f} goes with --dense MODEL`);
    if (old === null) return;
  }
  const spec = typeof values.dense === "string"
    ? { model: values.dense, pooling: typeof values.pooling === "string" ? parsePooling(values.pooling, `kotodama ${cmd} --pooling`) : ("mean" as Pooling), ...(values["embed-tokens"] === undefined ? {} : { maxTokens: intFlag(cmd, "embed-tokens", values["embed-tokens"], 1, 1, 1 << 20) }) }
    : (old as NonNullable<typeof old>).embedder;
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 1, 1, 1024);
  const model = openInferModel(spec.model, { backend: loadBackend(threads === undefined ? {} : { threads }) });
  const embedder = modelEmbedder(model, spec);
  const bar = stepBar(quiet);
  const r = buildDense(dir, embedder, modelWeightsSha256(spec.model), (done, total) => bar.onProgress({ step: "build", done, total, detail: "embedding" }));
  bar.stop();
  if (!quiet) {
    process.stderr.write(`${dir}: dense ${embedder.spec.pooling} pooling of ${spec.model} (${embedder.dim} dims, ≤ ${embedder.spec.maxTokens} tokens): ${r.embedded} chunks embedded, ${r.reused} reused, ${r.truncated} cut; ${r.seconds.toFixed(1)} s\n`);
  }
}

/** --store and its settings, checked before anything is built: exact, lance with its options, or null (keep the
 *  index's store). */
type StoreChoice = { readonly kind: "exact" } | { readonly kind: "lance"; readonly uri?: string; readonly ann: AnnConfig } | null;

function storeFlags(cmd: string, values: Record<string, unknown>): StoreChoice {
  const kind = oneOf<"exact" | "lance">(cmd, "store", values.store, ["exact", "lance"], "exact");
  const stray = BUILD_SETTINGS.find((f) => values[f] !== undefined);
  if (stray !== undefined && values.store !== "lance") throw new KotodamaError(`kotodama ${cmd}: --${stray} goes with --store lance`);
  if (values.store === undefined) return null;
  if (kind === "exact") return { kind };
  const ann = oneOf<AnnKind>(cmd, "ann", values.ann, ANN_KINDS, LANCE_DEFAULT_ANN);
  const settings = annSettings(cmd, values, ann, ["partitions", "sub-vectors", ...QUERY_SETTINGS]);
  const uri = values["store-uri"];
  if (typeof uri === "string" && uri.trim() === "") throw new KotodamaError(`kotodama ${cmd}: --store-uri expects a LanceDB URI (a folder or s3://…), got ""`);
  return { kind, ...(typeof uri === "string" ? { uri } : {}), ann: { kind: ann, ...(ann === "ivf_pq" ? { refineFactor: IVF_PQ_DEFAULT_REFINE } : {}), ...settings } };
}

/** The LanceDB store after the dense build: --store lance (re)writes the table, --store exact removes it, and no
 *  --store refreshes the index's own store, if it has one, with its recorded settings. */
async function indexStore(cmd: string, dir: string, choice: StoreChoice, quiet: boolean): Promise<void> {
  const m = readDenseManifest(dir);
  if (choice === null && m?.store === undefined) return;
  if (m === null) throw new KotodamaError(`kotodama ${cmd}: --store ${choice?.kind} is where the dense vectors are searched; ${dir} has none (add --dense MODEL)`);
  const lance = await import("../../rag/dense-lance.js");
  if (choice?.kind === "exact") {
    if ((await lance.removeLanceStore(dir)) && !quiet) process.stderr.write(`${dir}: dense store exact (the LanceDB table removed from the manifest)\n`);
    return;
  }
  const st = m.store;
  const opts = choice !== null ? choice : { ...(st?.uri === undefined ? {} : { uri: st.uri }), ann: st!.ann };
  const r = await lance.syncLanceStore(dir, opts);
  if (!quiet) {
    const a = opts.ann;
    const how = [a.kind, ...ANN_SETTINGS.filter((x) => a[x.field] !== undefined).map((x) => `${x.flag} ${a[x.field]}`)].join(", ");
    process.stderr.write(`${dir}: dense store lance (${how}): table ${r.table} at ${r.uri}, ${r.rebuilt ? `written (${r.chunks} vectors), ${r.seconds.toFixed(1)} s` : "unchanged"}\n`);
  }
}

function bm25Flags(cmd: string, values: Record<string, unknown>, base: Bm25Config): Bm25Config {
  return { k1: numberFlag(cmd, "k1", values.k1, base.k1, 0, 100), b: numberFlag(cmd, "b", values.b, base.b, 0, 1) };
}

async function index(argv: readonly string[]): Promise<number> {
  const cmd = "rag index";
  const { values, positionals } = parseFlags(cmd, argv, INDEX_FLAGS);
  if (typeof values.out !== "string") throw new KotodamaError("kotodama rag index: --out INDEX is required");
  if (positionals.length === 0) throw new KotodamaError("kotodama rag index: give at least one input file or folder");
  const d = INDEX_DEFAULTS;
  const targetChars = intFlag(cmd, "chunk-chars", values["chunk-chars"], d.chunk.targetChars, 16, 1 << 20);
  const cfg: IndexConfig = {
    analyzer: typeof values.analyzer === "string" ? parseAnalyzer(values.analyzer, "kotodama rag index --analyzer") : d.analyzer,
    chunk: { targetChars, overlapChars: intFlag(cmd, "overlap-chars", values["overlap-chars"], Math.min(d.chunk.overlapChars, targetChars - 1), 0, targetChars - 1) },
    ingest: { field: typeof values.field === "string" ? values.field : d.ingest.field, idField: typeof values["id-field"] === "string" ? values["id-field"] : d.ingest.idField },
    bm25: bm25Flags(cmd, values, d.bm25),
  };
  const store = storeFlags(cmd, values);
  const quiet = values.quiet === true;
  const started = performance.now();
  const bar = stepBar(quiet);
  const r = updateIndex(values.out, positionals, cfg, bar.onProgress);
  bar.stop();
  if (!quiet) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `${values.out}: ${r.chunks} chunks, generation ${r.generation}${r.rebuilt ? "" : " (unchanged)"}; files: ${r.added} added, ${r.changed} changed, ${r.unchanged} unchanged, ${r.removed} removed; ${s} s\n`,
    );
  }
  indexDense(cmd, values.out, values, quiet);
  await indexStore(cmd, values.out, store, quiet);
  return 0;
}

const resultJson = (c: ScoredChunk): Record<string, unknown> => ({ id: c.docId, score: Number(c.score.toFixed(6)), start: c.start, end: c.end, text: c.text, source: c.source });

async function search(argv: readonly string[]): Promise<number> {
  const cmd = "rag search";
  const { values, positionals } = parseFlags(cmd, argv, SEARCH_FLAGS);
  if (typeof values.index !== "string") throw new KotodamaError("kotodama rag search: --index INDEX is required");
  const k = intFlag(cmd, "k", values.k, 10, 1, 10000);
  const batch = values.batch === true;
  if (batch && positionals.length > 0) throw new KotodamaError("kotodama rag search: --batch reads queries from stdin; give no QUERY");
  if (!batch && positionals.length === 0) throw new KotodamaError("kotodama rag search: give a QUERY (or --batch)");
  const overrides: Partial<Bm25Config> = {
    ...(values.k1 !== undefined ? { k1: numberFlag(cmd, "k1", values.k1, 0, 0, 100) } : {}),
    ...(values.b !== undefined ? { b: numberFlag(cmd, "b", values.b, 0, 0, 1) } : {}),
  };
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 1, 1, 1024);
  const idx = await openModeIndex(cmd, values.index, values.mode, "mode", values, overrides, threads, rerankFlags(cmd, values, null, threads));
  try {
    if (batch) {
      let n = 0;
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        n++;
        if (line.trim() === "") continue;
        let q: unknown;
        try {
          q = (JSON.parse(line) as { query?: unknown }).query;
        } catch (e) {
          throw new KotodamaError(`kotodama rag search --batch: stdin line ${n}: not JSON (${(e as Error).message})`);
        }
        if (typeof q !== "string") throw new KotodamaError(`kotodama rag search --batch: stdin line ${n}: expected {"query": "..."} with a string query`);
        process.stdout.write(`${JSON.stringify({ query: q, results: (await idx.searchChunks(q, k)).map(resultJson) })}\n`);
      }
      return 0;
    }
    const query = positionals.join(" ");
    const hits = await idx.searchChunks(query, k);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify({ query, results: hits.map(resultJson) })}\n`);
      return 0;
    }
    if (hits.length === 0) process.stdout.write("no chunk matches\n");
    hits.forEach((h, i) => {
      const text = h.text.replace(/\s+/g, " ");
      process.stdout.write(`${i + 1}. ${h.docId} [${h.start}, ${h.end}) score ${h.score.toFixed(3)}\n   ${text.length > 200 ? `${text.slice(0, 200)}…` : text}\n`);
    });
    return 0;
  } finally {
    idx.lexical.close();
  }
}

export const rag: Command = {
  name: "rag",
  ownHelp: true,
  summary: "retrieval: index files (text, Markdown, HTML, JSONL, PDF), search them (BM25, dense, hybrid), answer from them with citations",
  help: `${INDEX_HELP}\n\n${SEARCH_HELP}\n\n${ASK_HELP}`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help") {
      process.stdout.write(`${INDEX_HELP}\n\n${SEARCH_HELP}\n\n${ASK_HELP}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub === "index") {
      if (wantsHelp(rest)) {
        process.stdout.write(`${INDEX_HELP}\n`);
        return 0;
      }
      return index(rest);
    }
    if (sub === "search") {
      if (wantsHelp(rest)) {
        process.stdout.write(`${SEARCH_HELP}\n`);
        return 0;
      }
      return search(rest);
    }
    if (sub === "ask") {
      if (wantsHelp(rest)) {
        process.stdout.write(`${ASK_HELP}\n`);
        return 0;
      }
      return ask(rest);
    }
    throw new KotodamaError(`kotodama rag: unknown subcommand '${sub}'; expected 'index', 'search' or 'ask'`);
  },
};
