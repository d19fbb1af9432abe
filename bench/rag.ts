// `kotodama bench rag`: retrieval quality of BM25 per analyzer on JSQuAD and the English ASSET set (recall@1/5/20,
// MRR), and the index at scale — build time, peak memory, size, open time and query latency p50/p99 at 10k, 100k
// and 1M chunks of synthetic Japanese text. Not here: library code (src/rag).
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { lossCurveSvg } from "../src/train/plot.js";
import { ANALYZERS, makeAnalyzer, type AnalyzerName } from "../src/rag/analyzer.js";
import { assetSet, jsquadSet, type RetrievalSet } from "../src/rag/evalsets.js";
import { buildKeyOf, INDEX_DEFAULTS, updateIndex, writeGeneration, writeManifest, type IndexConfig, type IndexedChunk } from "../src/rag/indexer.js";
import { LexicalIndex } from "../src/rag/lexical.js";
import { retrievalMetrics, type RetrievalMetrics } from "../src/rag/metrics.js";
import { splitSentences } from "../src/rag/sentences.js";
import { rssMonitor } from "./data.js";

export const summary = "rag: BM25 recall/MRR per analyzer on JSQuAD and English ASSET; index build/memory/latency at 10k–1M chunks";
export const help = [
  "Usage: kotodama bench rag [--quality] [--scale] [--sizes N,N,...] [--analyzers A,A] [--out DIR] [--json]",
  "",
  "Needs ../shared/data/jglue/jsquad-v1.3 and ../shared/data/asset. Without --quality/--scale, runs both.",
  "  --quality      JSQuAD valid (1,145 paragraphs, 4,442 questions) and ASSET English (docs/rag.md): recall@1/5/20",
  "                 and MRR for each analyzer, through 'rag index' on a JSONL of the passages",
  "  --scale        synthetic chunks (2–3 random JSQuAD sentences each), bigram analyzer: build s, peak RSS, disk,",
  "                 open ms, RSS after open, and p50/p99 latency of the 4,442 JSQuAD questions (k = 10)",
  "  --sizes LIST   chunk counts for --scale (default 10000,100000,1000000)",
  "  --queries N    --scale: time the first N JSQuAD questions (default all 4,442)",
  `  --analyzers L  for --quality (default ${ANALYZERS.join(",")})`,
  "  --out DIR      also write DIR/rag-bench.json and DIR/rag-latency.svg",
  "  --json         one JSON object on stdout instead of tables",
].join("\n");

const FLAGS = { queries: { type: "string" }, quality: { type: "boolean" }, scale: { type: "boolean" }, sizes: { type: "string" }, analyzers: { type: "string" }, out: { type: "string" }, json: { type: "boolean" } } as const;

interface QualityRow {
  set: string;
  analyzer: AnalyzerName;
  passages: number;
  queries: number;
  indexSeconds: number;
  queryMsMean: number;
  metrics: RetrievalMetrics;
}

/** Index the set's passages through the real pipeline (JSONL → rag index), run every query, score the ranking. */
function evaluate(set: RetrievalSet, analyzer: AnalyzerName): QualityRow {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-bench-rag-"));
  try {
    const jsonl = join(dir, "passages.jsonl");
    writeFileSync(jsonl, `${set.passages.map((p) => JSON.stringify({ id: p.id, text: p.text })).join("\n")}\n`);
    const cfg: IndexConfig = { ...INDEX_DEFAULTS, analyzer, ingest: { field: "text", idField: "id" } };
    let t = performance.now();
    updateIndex(join(dir, "index"), [jsonl], cfg);
    const indexSeconds = (performance.now() - t) / 1000;
    const idx = new LexicalIndex(join(dir, "index"));
    t = performance.now();
    // 100 chunks, collapsed to distinct passages, ranks the gold passage well past 20 even when passages split.
    const ranked = set.queries.map((q) => idx.search(q.query, 100).map((h) => idx.chunk(h.chunk).docId));
    const queryMsMean = (performance.now() - t) / set.queries.length;
    idx.close();
    return { set: set.name, analyzer, passages: set.passages.length, queries: set.queries.length, indexSeconds, queryMsMean, metrics: retrievalMetrics(ranked, set.queries.map((q) => q.gold)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ScaleRow {
  chunks: number;
  chars: number;
  buildSeconds: number;
  peakRssMb: number;
  diskMb: number;
  terms: number;
  postings: number;
  openMs: number;
  rssAfterOpenMb: number;
  p50Ms: number;
  p99Ms: number;
}

export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

/** Bytes of every file under dir, in MB (an index's size on disk). */
export function dirMb(dir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name));
    if (st.isFile()) bytes += st.size;
  }
  return bytes / 1e6;
}

/** n synthetic chunks: 2–3 sentences drawn (seeded) from all JSQuAD contexts, so the vocabulary and term
 *  statistics are those of Japanese Wikipedia while the collection grows; each chunk gets a distinct doc id. */
function* syntheticChunks(sentences: readonly string[], n: number, seed: number, analyze: (t: string) => string[]): Generator<IndexedChunk> {
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) {
    const k = 2 + rng.int(2);
    let text = "";
    for (let j = 0; j < k; j++) text += sentences[rng.int(sentences.length)] as string;
    yield { chunk: { docId: `syn-${i}`, source: "synthetic", start: 0, end: Array.from(text).length, text }, terms: analyze(text) };
  }
}

function scale(set: RetrievalSet, n: number, queries: number): ScaleRow {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-bench-rag-scale-"));
  try {
    const sentences: string[] = [];
    for (const p of set.passages) {
      const body = p.text.replace(/^.*?\[SEP\] /, "");
      for (const s of splitSentences(body)) sentences.push(body.slice(s.start, s.end));
    }
    const analyze = makeAnalyzer("bigram");
    let chars = 0;
    const counted = function* (): Generator<IndexedChunk> {
      for (const c of syntheticChunks(sentences, n, 1234, analyze)) {
        chars += c.chunk.text.length;
        yield c;
      }
    };
    global.gc?.();
    const peak = rssMonitor();
    let t = performance.now();
    writeGeneration(dir, 1, counted(), n);
    const cfg = { ...INDEX_DEFAULTS, analyzer: "bigram" as const };
    writeManifest(dir, { format: "kotodama-rag-index", version: 1, config: cfg, buildKey: buildKeyOf(cfg), generation: 1, chunks: n, files: {} });
    const buildSeconds = (performance.now() - t) / 1000;
    const peakRssMb = peak();
    global.gc?.();
    t = performance.now();
    const idx = new LexicalIndex(dir);
    const openMs = performance.now() - t;
    const rssAfterOpenMb = process.memoryUsage().rss / 1e6;
    const lat: number[] = [];
    for (const q of set.queries.slice(0, queries)) {
      const s = performance.now();
      idx.searchChunks(q.query, 10);
      lat.push(performance.now() - s);
    }
    lat.sort((a, b) => a - b);
    const row = { chunks: n, chars, buildSeconds, peakRssMb, diskMb: dirMb(dir), terms: idx.postings.terms, postings: idx.postings.size, openMs, rssAfterOpenMb, p50Ms: percentile(lat, 0.5), p99Ms: percentile(lat, 0.99) };
    idx.close();
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f3 = (x: number): string => x.toFixed(3);

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench rag", argv, FLAGS, false);
  const both = values.quality !== true && values.scale !== true;
  const jsq = sharedPath("data", "jglue", "jsquad-v1.3", "valid-v1.3.json");
  const asset = sharedPath("data", "asset");
  if (jsq === null || asset === null) throw new KotodamaError("kotodama bench rag: needs ../shared/data/jglue/jsquad-v1.3/valid-v1.3.json and ../shared/data/asset");
  const ja = jsquadSet(jsq);
  const out: { machine: string; date: string; quality: QualityRow[]; scale: ScaleRow[] } = { machine: `${process.platform} ${process.arch}, node ${process.version}`, date: new Date().toISOString(), quality: [], scale: [] };
  const json = values.json === true;
  const say = (s: string): void => void (json ? undefined : process.stdout.write(`${s}\n`));
  if (both || values.quality === true) {
    const analyzers = typeof values.analyzers === "string" ? values.analyzers.split(",").map((a) => a.trim() as AnalyzerName) : [...ANALYZERS];
    for (const a of analyzers) if (!ANALYZERS.includes(a)) throw new KotodamaError(`kotodama bench rag: --analyzers: unknown '${a}'; expected ${ANALYZERS.join(", ")}`);
    say("set                analyzer  passages queries  R@1    R@5    R@20   MRR    index s  ms/query");
    for (const set of [ja, assetSet(asset)]) {
      for (const a of analyzers) {
        const r = evaluate(set, a);
        out.quality.push(r);
        const m = r.metrics;
        say(`${r.set.padEnd(18)} ${a.padEnd(9)} ${String(r.passages).padStart(8)} ${String(r.queries).padStart(7)}  ${f3(m.recall[1] ?? 0)}  ${f3(m.recall[5] ?? 0)}  ${f3(m.recall[20] ?? 0)}  ${f3(m.mrr)}  ${r.indexSeconds.toFixed(1).padStart(7)}  ${r.queryMsMean.toFixed(2).padStart(8)}`);
      }
    }
  }
  if (both || values.scale === true) {
    const sizes = (typeof values.sizes === "string" ? values.sizes : "10000,100000,1000000").split(",").map((s) => Number(s.trim()));
    if (sizes.some((s) => !Number.isSafeInteger(s) || s < 1)) throw new KotodamaError(`kotodama bench rag: --sizes expects positive integers, got '${values.sizes}'`);
    say("chunks     chars M  build s  peak RSS MB  disk MB  terms     postings    open ms  RSS MB  p50 ms  p99 ms");
    for (const n of sizes) {
      const r = scale(ja, n, intFlag("bench rag", "queries", values.queries, ja.queries.length, 1));
      out.scale.push(r);
      say(`${String(n).padEnd(10)} ${(r.chars / 1e6).toFixed(1).padStart(7)}  ${r.buildSeconds.toFixed(1).padStart(7)}  ${r.peakRssMb.toFixed(0).padStart(11)}  ${r.diskMb.toFixed(0).padStart(7)}  ${String(r.terms).padEnd(8)}  ${String(r.postings).padEnd(10)}  ${r.openMs.toFixed(0).padStart(7)}  ${r.rssAfterOpenMb.toFixed(0).padStart(6)}  ${r.p50Ms.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)}`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  if (typeof values.out === "string") {
    writeFileSync(join(values.out, "rag-bench.json"), `${JSON.stringify(out, null, 1)}\n`);
    if (out.scale.length > 0) {
      const pts = (key: "p50Ms" | "p99Ms"): [number, number][] => out.scale.map((r) => [Math.log10(r.chunks), r[key]]);
      writeFileSync(
        join(values.out, "rag-latency.svg"),
        lossCurveSvg(
          [
            { name: "p50", color: "#1f77b4", points: pts("p50Ms"), markers: true },
            { name: "p99", color: "#d62728", points: pts("p99Ms"), markers: true },
          ],
          { title: "BM25 query latency vs index size (JSQuAD questions, k = 10)", xLabel: "log10(chunks)", yLabel: "ms" },
        ),
      );
    }
  }
  return 0;
}
