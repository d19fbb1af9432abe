// `kotodama rag index` and `kotodama rag search`: parse flags, run the indexer or open the index and search,
// print results. Not here: ingest, chunking, BM25 or the index format (src/rag/, docs/rag.md).
import { createInterface } from "node:readline";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags, wantsHelp } from "../command.js";
import { stepBar } from "../progress.js";
import { KotodamaError } from "../../util/errors.js";
import { ANALYZERS, parseAnalyzer } from "../../rag/analyzer.js";
import { INDEX_DEFAULTS, updateIndex, type IndexConfig } from "../../rag/indexer.js";
import { LexicalIndex, type ScoredChunk } from "../../rag/lexical.js";
import type { Bm25Config } from "../../rag/bm25.js";

const INDEX_HELP = [
  "Usage: kotodama rag index --out INDEX FILES... [--field F] [--id-field F] [--analyzer A]",
  "                          [--chunk-chars N] [--overlap-chars N] [--k1 X] [--b X] [--quiet]",
  "",
  "Builds or updates a lexical (BM25) index of text (.txt), Markdown (.md), HTML (.html: main text by Readability)",
  "and JSONL (.jsonl: one passage a line) files or folders. The index then holds exactly FILES: changed files are",
  "re-indexed, files no longer given (or deleted) removed, unchanged ones reused; an interrupted run loses nothing.",
  "",
  "  --out INDEX          index folder (created if absent)",
  "  --field F            JSONL: text field (default text)",
  "  --id-field F         JSONL: id field; results report it as id (default: FILE#LINE)",
  `  --analyzer A         terms: ${ANALYZERS.join(", ")} (default ${INDEX_DEFAULTS.analyzer}; see docs/rag.md)`,
  `  --chunk-chars N      target chunk length in characters (default ${INDEX_DEFAULTS.chunk.targetChars})`,
  `  --overlap-chars N    trailing sentences repeated in the next chunk, up to N characters (default ${INDEX_DEFAULTS.chunk.overlapChars})`,
  `  --k1 X, --b X        BM25 defaults stored with the index (default ${INDEX_DEFAULTS.bm25.k1}, ${INDEX_DEFAULTS.bm25.b})`,
  "  --quiet              no progress bar or summary",
].join("\n");

const SEARCH_HELP = [
  "Usage: kotodama rag search --index INDEX [--k K] [--json] [--k1 X] [--b X] QUERY",
  "       kotodama rag search --index INDEX [--k K] --batch < queries.jsonl",
  "",
  "Retrieval only: the K best chunks by BM25 with their passage id, score and character offsets (code points into",
  "the passage/file text; text = that span).",
  "  --k K       results per query (default 10)",
  "  --json      one JSON object: {query, results: [{id, score, start, end, text, source}]}",
  '  --batch     read {"query": ...} JSON lines from stdin, print one JSON line per query, in order',
  "  --k1, --b   override the index's BM25 parameters",
].join("\n");

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
} as const;

const SEARCH_FLAGS = {
  index: { type: "string" },
  k: { type: "string" },
  json: { type: "boolean" },
  batch: { type: "boolean" },
  k1: { type: "string" },
  b: { type: "string" },
} as const;

function bm25Flags(cmd: string, values: Record<string, unknown>, base: Bm25Config): Bm25Config {
  return { k1: numberFlag(cmd, "k1", values.k1, base.k1, 0, 100), b: numberFlag(cmd, "b", values.b, base.b, 0, 1) };
}

function index(argv: readonly string[]): number {
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
  const idx = new LexicalIndex(values.index, overrides);
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
        process.stdout.write(`${JSON.stringify({ query: q, results: idx.searchChunks(q, k).map(resultJson) })}\n`);
      }
      return 0;
    }
    const query = positionals.join(" ");
    const hits = idx.searchChunks(query, k);
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
    idx.close();
  }
}

export const rag: Command = {
  name: "rag",
  ownHelp: true,
  summary: "retrieval: index files (text, Markdown, HTML, JSONL) and search them (BM25)",
  help: `${INDEX_HELP}\n\n${SEARCH_HELP}`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help") {
      process.stdout.write(`${INDEX_HELP}\n\n${SEARCH_HELP}\n`);
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
    throw new KotodamaError(`kotodama rag: unknown subcommand '${sub}'; expected 'index' or 'search'`);
  },
};
