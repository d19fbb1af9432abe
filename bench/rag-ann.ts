// `kotodama bench rag-ann`: the dense store at scale — exact brute-force cosine (ours, in memory) against LanceDB
// (flat scan, IVF-PQ, HNSW-SQ): build time, memory, disk, query latency p50/p99 and ANN recall@10 against exact
// search at 10k, 100k and 1M vectors, also through an index folder (--through-index, rag-ann-index.ts); and LanceDB's
// full-text search on JSQuAD (per tokenizer) against our BM25.
// Synthetic vectors (stated in docs/rag.md): C = 256 (the npm start model's width), 1,000 seeded unit centres,
// each vector = normalise(centre + 0.06·N(0, I)), queries drawn the same way. Not here: library code (src/rag).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { lossCurveSvg } from "../src/train/plot.js";
import { FlatVectorIndex, normalize } from "../src/rag/dense-store.js";
import { LanceFts, LanceVectorStore, type AnnConfig, type AsyncVectorIndex, type LanceFtsTokenizer } from "../src/rag/lance-store.js";
import { jsquadSet } from "../src/rag/evalsets.js";
import { retrievalMetrics, type RetrievalMetrics } from "../src/rag/metrics.js";
import type { Hit } from "../src/rag/types.js";
import { rssMonitor } from "./data.js";
import { dirMb, percentile } from "./rag.js";
import { indexPathRows, type IndexPathRow } from "./rag-ann-index.js";

export const summary = "rag-ann: exact vs LanceDB (flat, IVF-PQ, HNSW-SQ) at 10k–1M vectors: build, memory, p50/p99, recall@10; LanceDB FTS on JSQuAD";
export const help = [
  "Usage: kotodama bench rag-ann [--scale] [--through-index] [--fts] [--sizes 10000,100000,1000000] [--queries 200] [--hnsw-max N] [--flat-max N] [--out DIR]",
  "",
  "  --scale        synthetic unit vectors (C = 256, 1,000 seeded centres + 0.06·N(0, I), normalised): for each size,",
  "                 exact search (ours), LanceDB flat, IVF-PQ (√N partitions, C/16 sub-vectors, nprobes 20, refine ×10)",
  "                 and HNSW-SQ (sizes ≤ --hnsw-max, default 100000): build s, RSS, disk, p50/p99 ms (k = 10),",
  "                 recall@10 against exact; LanceDB flat only for sizes ≤ --flat-max (default 100000: it scans",
  "                 every row through Arrow, ~1.5 s a query at 100k here)",
  "  --partitions N IVF partitions (default √N, LanceDB's default)",
  "  --through-index  the same vectors as a `rag index` folder's dense part: exact search against its LanceDB table",
  "                 (--store lance: IVF-PQ; nprobes 20 with refine ×10 and ×100, nprobes 64 with ×10) through ModeIndex, k = 10 and 100",
  "  --fts          LanceDB full-text search on JSQuAD valid (1,145 paragraphs, 4,442 questions), tokenizers simple,",
  "                 ngram (bigrams) and icu: recall@1/5/20 and MRR (compare BM25 in bench rag)",
  "  --out DIR      write DIR/rag-ann.json and DIR/rag-ann-latency.svg",
].join("\n");

const FLAGS = { "through-index": { type: "boolean" }, partitions: { type: "string" }, "flat-max": { type: "string" }, scale: { type: "boolean" }, fts: { type: "boolean" }, sizes: { type: "string" }, queries: { type: "string" }, "hnsw-max": { type: "string" }, out: { type: "string" } } as const;

const C = 256;

function synthetic(rng: Rng, n: number, centres: Float32Array[]): Float32Array {
  const v = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(centres.length)]!;
    const row = v.subarray(i * C, (i + 1) * C);
    for (let j = 0; j < C; j++) row[j] = c[j]! + 0.06 * rng.normal();
    normalize(row);
  }
  return v;
}

interface StoreRow {
  chunks: number;
  store: string;
  buildSeconds: number;
  rssMb: number;
  diskMb: number;
  p50Ms: number;
  p99Ms: number;
  recallAt10: number;
}

async function timed(queries: readonly Float32Array[], search: (q: Float32Array) => Hit[] | Promise<Hit[]>): Promise<{ lat: number[]; hits: number[][] }> {
  const lat: number[] = [];
  const hits: number[][] = [];
  for (const q of queries) {
    const t = performance.now();
    const h = await search(q);
    lat.push(performance.now() - t);
    hits.push(h.map((x) => x.chunk));
  }
  return { lat: lat.sort((a, b) => a - b), hits };
}

const recall10 = (exact: number[][], got: number[][]): number => exact.reduce((s, e, i) => s + e.filter((x) => got[i]!.includes(x)).length / Math.max(1, e.length), 0) / exact.length;

async function scaleRows(n: number, nq: number, hnswMax: number, flatMax: number, partitions: number | undefined, say: (s: string) => void): Promise<StoreRow[]> {
  const rng = new Rng(42);
  const centres = Array.from({ length: 1000 }, () => normalize(Float32Array.from({ length: C }, () => rng.normal())));
  global.gc?.();
  const rss0 = process.memoryUsage().rss / 1e6;
  let t = performance.now();
  const vecs = synthetic(rng, n, centres);
  const exact = new FlatVectorIndex(vecs, C);
  const genS = (performance.now() - t) / 1000;
  const qs = Array.from({ length: nq }, () => synthetic(rng, 1, centres));
  const ex = await timed(qs, (q) => exact.search(q, 10));
  const rows: StoreRow[] = [];
  const push = (r: StoreRow): void => {
    rows.push(r);
    say(`${String(r.chunks).padEnd(9)} ${r.store.padEnd(26)} ${r.buildSeconds.toFixed(1).padStart(8)} ${r.rssMb.toFixed(0).padStart(7)} ${r.diskMb.toFixed(0).padStart(7)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.recallAt10.toFixed(3).padStart(7)}`);
  };
  push({ chunks: n, store: "exact (ours, in memory)", buildSeconds: genS, rssMb: process.memoryUsage().rss / 1e6 - rss0, diskMb: (n * C * 4) / 1e6, p50Ms: percentile(ex.lat, 0.5), p99Ms: percentile(ex.lat, 0.99), recallAt10: 1 });
  const configs: [string, AnnConfig][] = [];
  if (n <= flatMax) configs.push(["LanceDB flat", { kind: "none" }]);
  configs.push([`LanceDB IVF-PQ${partitions === undefined ? "" : ` (${partitions} part.)`}`, { kind: "ivf_pq", nprobes: 20, refineFactor: 10, ...(partitions === undefined ? {} : { partitions }) }]);
  if (n <= hnswMax) configs.push(["LanceDB HNSW-SQ (ef 100)", { kind: "hnsw_sq", ef: 100 }]);
  for (const [name, cfg] of configs) {
    const dir = mkdtempSync(join(tmpdir(), "kotodama-bench-ann-"));
    try {
      global.gc?.();
      const peak = rssMonitor();
      t = performance.now();
      const store = await LanceVectorStore.create(dir, vecs, C, cfg);
      const buildSeconds = (performance.now() - t) / 1000;
      const rssMb = peak();
      const r = await timed(qs, (q) => store.search(q, 10));
      push({ chunks: n, store: name, buildSeconds, rssMb, diskMb: dirMb(dir), p50Ms: percentile(r.lat, 0.5), p99Ms: percentile(r.lat, 0.99), recallAt10: recall10(ex.hits, r.hits) });
      if (cfg.kind === "ivf_pq") {
        // More of the same index: a wider probe and a longer exact re-rank of the PQ candidates.
        for (const [nprobes, refineFactor] of [[20, 100], [64, 100]] as const) {
          const s2: AsyncVectorIndex = store.withSearch({ nprobes, refineFactor });
          const r2 = await timed(qs, (q) => s2.search(q, 10));
          push({ chunks: n, store: `  same, nprobes ${nprobes}, refine ×${refineFactor}`, buildSeconds: 0, rssMb, diskMb: dirMb(dir), p50Ms: percentile(r2.lat, 0.5), p99Ms: percentile(r2.lat, 0.99), recallAt10: recall10(ex.hits, r2.hits) });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench rag-ann", argv, FLAGS, false);
  const both = values.scale !== true && values.fts !== true && values["through-index"] !== true;
  const out: { machine: string; date: string; scale: StoreRow[]; index: IndexPathRow[]; fts: { tokenizer: string; metrics: RetrievalMetrics; buildSeconds: number; msPerQuery: number }[] } = {
    machine: `${process.platform} ${process.arch}, node ${process.version}`, date: new Date().toISOString(), scale: [], index: [], fts: [],
  };
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  if (both || values.fts === true) {
    const jsq = sharedPath("data", "jglue", "jsquad-v1.3", "valid-v1.3.json");
    if (jsq === null) throw new KotodamaError("kotodama bench rag-ann --fts: needs ../shared/data/jglue/jsquad-v1.3/valid-v1.3.json");
    const set = jsquadSet(jsq);
    say("LanceDB FTS on JSQuAD   R@1    R@5    R@20   MRR    build s  ms/query");
    for (const tok of ["simple", "ngram", "icu"] as LanceFtsTokenizer[]) {
      const dir = mkdtempSync(join(tmpdir(), "kotodama-bench-fts-"));
      try {
        let t = performance.now();
        const fts = await LanceFts.create(dir, set.passages.map((p) => p.text), tok);
        const buildSeconds = (performance.now() - t) / 1000;
        t = performance.now();
        const ranked: string[][] = [];
        for (const q of set.queries) ranked.push((await fts.search(q.query, 100)).map((h) => set.passages[h.chunk]!.id));
        const msPerQuery = (performance.now() - t) / set.queries.length;
        const m = retrievalMetrics(ranked, set.queries.map((q) => q.gold));
        out.fts.push({ tokenizer: tok, metrics: m, buildSeconds, msPerQuery });
        say(`${tok.padEnd(22)} ${m.recall[1]!.toFixed(3)}  ${m.recall[5]!.toFixed(3)}  ${m.recall[20]!.toFixed(3)}  ${m.mrr.toFixed(3)}  ${buildSeconds.toFixed(1).padStart(7)}  ${msPerQuery.toFixed(2).padStart(8)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const sizes = (typeof values.sizes === "string" ? values.sizes : "10000,100000,1000000").split(",").map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isSafeInteger(s) || s < 1)) throw new KotodamaError(`kotodama bench rag-ann: --sizes expects positive integers, got '${values.sizes}'`);
  const nq = intFlag("bench rag-ann", "queries", values.queries, 200, 1, 100000);
  const partitions = values.partitions === undefined ? undefined : intFlag("bench rag-ann", "partitions", values.partitions, 256, 1, 1 << 20);
  if (both || values.scale === true) {
    const hnswMax = intFlag("bench rag-ann", "hnsw-max", values["hnsw-max"], 100000, 0, 1e9);
    const flatMax = intFlag("bench rag-ann", "flat-max", values["flat-max"], 100000, 0, 1e9);
    say("chunks    store                       build s  RSS MB  disk MB   p50 ms   p99 ms  R@10");
    for (const n of sizes) out.scale.push(...(await scaleRows(n, nq, hnswMax, flatMax, partitions, say)));
  }
  if (values["through-index"] === true) {
    say("chunks    store (through the index)                     k  build s  disk MB   p50 ms   p99 ms  recall@k");
    for (const n of sizes) {
      const rng = new Rng(42);
      const centres = Array.from({ length: 1000 }, () => normalize(Float32Array.from({ length: C }, () => rng.normal())));
      const vecs = synthetic(rng, n, centres);
      const qs = Array.from({ length: nq }, () => synthetic(rng, 1, centres));
      out.index.push(...(await indexPathRows(vecs, qs, C, partitions, (r) => say(`${String(r.chunks).padEnd(9)} ${r.store.padEnd(44)} ${String(r.k).padStart(3)} ${r.buildSeconds.toFixed(1).padStart(8)} ${r.diskMb.toFixed(0).padStart(8)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.recall.toFixed(3).padStart(9)}`))));
    }
  }
  if (typeof values.out === "string") {
    writeFileSync(join(values.out, "rag-ann.json"), `${JSON.stringify(out, null, 1)}\n`);
    if (out.scale.length > 0) {
      const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
      const stores = [...new Set(out.scale.map((r) => r.store))];
      writeFileSync(
        join(values.out, "rag-ann-latency.svg"),
        lossCurveSvg(
          stores.flatMap((s, i) => [
            { name: `${s} p50`, color: colors[i % colors.length]!, points: out.scale.filter((r) => r.store === s).map((r) => [Math.log10(r.chunks), r.p50Ms] as const), markers: true },
          ]),
          { title: "dense query latency p50 vs size (C = 256, k = 10)", xLabel: "log10(vectors)", yLabel: "ms" },
        ),
      );
    }
  }
  return 0;
}
