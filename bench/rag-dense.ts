// `kotodama bench rag-dense`: dense and hybrid retrieval quality on JSQuAD and the English ASSET set (recall@1/5/20,
// MRR) for BM25 (bigram, word), each embedder (a kotodama model with mean or last-token pooling, or a bi-encoder
// trained by `bench rag-dense --train`), RRF and weighted fusion, and an optional LM-likelihood rerank; embeddings on
// JSTS valid (Spearman of cosine). Not here: library code (src/rag), the ANN/scale benchmark (bench/rag-ann.ts).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, numberFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { openInferModel } from "../src/infer/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { sha256 } from "../src/data/files.js";
import { assetSet, jsquadSet, type RetrievalSet } from "../src/rag/evalsets.js";
import { INDEX_DEFAULTS, updateIndex, type IndexConfig } from "../src/rag/indexer.js";
import { LexicalIndex } from "../src/rag/lexical.js";
import { retrievalMetrics, type RetrievalMetrics } from "../src/rag/metrics.js";
import { buildDense, modelWeightsSha256, openDenseVectors } from "../src/rag/dense-index.js";
import { readVectors, writeVectors } from "../src/rag/dense-store.js";
import { modelEmbedder, parsePooling, type Embedder } from "../src/rag/embedder.js";
import { jstsPairs, stsSpearman, spearman, pearson } from "../src/rag/embed-eval.js";
import { rrf, weightedFusion } from "../src/rag/fusion.js";
import { localPassageScorer, rerankByLikelihood } from "../src/rag/fusion-rerank.js";
import { makeAnalyzer, type AnalyzerName } from "../src/rag/analyzer.js";
import type { Hit } from "../src/rag/types.js";
import { inverseClozePairs, trainBiEncoder, type TextPair } from "../src/rag/dense-train.js";
import { Rng } from "../src/util/rng.js";

export const summary = "rag-dense: dense/hybrid recall and MRR on JSQuAD and ASSET per embedder; JSTS Spearman";
export const help = [
  "Usage: kotodama bench rag-dense --embedders NAME=MODEL:POOLING,... [--quality] [--jsts] [--rerank N] [--rerank-queries N]",
  "                                [--cache DIR] [--out DIR] [--threads N]",
  "",
  "Needs ../shared/data/jglue (JSQuAD v1.3 valid, JSTS v1.3 valid) and ../shared/data/asset. Without --quality/--jsts",
  "runs both.",
  "  --embedders L       e.g. lm-mean=runs/default:mean,lm-last=runs/default:last (POOLING mean or last)",
  "  --quality           JSQuAD (1,145 paragraphs, 4,442 questions) and ASSET (590 passages, 2,359 queries): BM25",
  "                      bigram and word, dense per embedder, hybrid RRF (k = 60) and weighted (BM25 weight 0.3/0.5/0.7)",
  "  --jsts              JSTS v1.3 valid: Spearman and Pearson of cosine vs gold, per embedder (+ a bigram-Jaccard baseline)",
  "  --rerank N          also rerank the hybrid top N by the first embedder's model's log p(question | passage)",
  "  --rerank-queries N  the first N queries of each set for the rerank rows (default 200: it costs N forwards a query)",
  "  --cache DIR         keep indexes and query vectors here between runs (default: a temporary folder)",
  "  --out DIR           write DIR/rag-dense.json",
  "",
  "Usage: kotodama bench rag-dense --train OUT --base MODEL [--steps 150] [--batch-size 16] [--lr 1e-4] [--time-budget S] [--seed 1]",
  "  trains the bi-encoder (src/rag/dense-train.ts; passages ≤ 96 tokens, queries ≤ 32, τ 0.05) from MODEL on pairs built from no evaluation set: JSTS v1.3",
  "  *train* pairs with similarity ≥ 3 (sentence1 → sentence2), inverse-cloze pairs from Aozora Bunko paragraphs",
  "  (../shared/data/aozora/clean) and from TinyStories validation stories (../shared/data/tinystories); 2 % of",
  "  the pairs held out. OUT is a model folder: --embedders be=OUT:mean evaluates it.",
].join("\n");

const FLAGS = { lr: { type: "string" }, train: { type: "string" }, base: { type: "string" }, steps: { type: "string" }, "batch-size": { type: "string" }, "time-budget": { type: "string" }, seed: { type: "string" }, embedders: { type: "string" }, quality: { type: "boolean" }, jsts: { type: "boolean" }, rerank: { type: "string" }, "rerank-queries": { type: "string" }, cache: { type: "string" }, out: { type: "string" }, threads: { type: "string" } } as const;

interface EmbedderArg {
  readonly name: string;
  readonly model: string;
  readonly pooling: "mean" | "last";
}

function parseEmbedders(v: unknown): EmbedderArg[] {
  if (typeof v !== "string" || v === "") return [];
  return v.split(",").map((item) => {
    const m = /^([\w.-]+)=(.+):(mean|last)$/.exec(item.trim());
    if (m === null) throw new KotodamaError(`kotodama bench rag-dense: --embedders: '${item}' is not NAME=MODEL:POOLING (POOLING mean or last)`);
    return { name: m[1]!, model: m[2]!, pooling: parsePooling(m[3]!, "--embedders") };
  });
}

export interface Row {
  set: string;
  method: string;
  queries: number;
  metrics: RetrievalMetrics;
  msPerQuery?: number;
}

const DEPTH = 100;

function indexSet(set: RetrievalSet, dir: string, analyzer: AnalyzerName): string {
  const idx = join(dir, `${set.name}-${analyzer}`);
  const jsonl = join(dir, `${set.name}.jsonl`);
  if (!existsSync(jsonl)) writeFileSync(jsonl, `${set.passages.map((p) => JSON.stringify({ id: p.id, text: p.text })).join("\n")}\n`);
  const cfg: IndexConfig = { ...INDEX_DEFAULTS, analyzer, ingest: { field: "text", idField: "id" } };
  updateIndex(idx, [jsonl], cfg);
  return idx;
}

/** Query vectors of a set under an embedder, cached by (model weights, spec, queries). */
function queryVectors(set: RetrievalSet, e: Embedder, modelSha: string, cache: string): Float32Array[] {
  const key = sha256(modelSha, JSON.stringify(e.spec), set.name, String(set.queries.length)).slice(0, 16);
  const file = join(cache, `queries-${key}.bin`);
  if (existsSync(file)) {
    const { vectors, dim } = readVectors(file);
    return set.queries.map((_, i) => vectors.subarray(i * dim, (i + 1) * dim));
  }
  const C = e.dim;
  const all = new Float32Array(set.queries.length * C);
  set.queries.forEach((q, i) => all.set(e.embed(q.query), i * C));
  writeVectors(file, all, C);
  return set.queries.map((_, i) => all.subarray(i * C, (i + 1) * C));
}

const f3 = (x: number): string => x.toFixed(3);

/** The bi-encoder's training pairs (see help): none from JSQuAD, JSTS valid or ASSET. Seeded shuffle. */
function trainingPairs(seed: number): TextPair[] {
  const rng = new Rng(seed);
  const need = (...p: string[]): string => {
    const f = sharedPath(...p);
    if (f === null) throw new KotodamaError(`kotodama bench rag-dense --train: needs ../shared/${p.join("/")}`);
    return f;
  };
  const pairs: TextPair[] = [];
  for (const p of jstsPairs(need("data", "jglue", "jsts-v1.3", "train-v1.3.json"))) if (p.gold >= 3) pairs.push({ query: p.a, passage: p.b, source: "jsts-train>=3" });
  const aoDir = need("data", "aozora", "clean");
  const aoParas: string[] = [];
  for (const f of readdirSync(aoDir).sort()) for (const para of readFileSync(join(aoDir, f), "utf8").split("\n")) if (para.trim().length >= 60) aoParas.push(para.trim().slice(0, 400));
  pairs.push(...inverseClozePairs(aoParas, "aozora-ict", rng, 0.9, 6000));
  const stories = readFileSync(need("data", "tinystories", "tinystories_val.txt"), "utf8").split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length >= 120);
  pairs.push(...inverseClozePairs(stories, "tinystories-ict", rng, 0.9, 3000));
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
  }
  return pairs;
}

function trainCommand(values: Record<string, unknown>): number {
  const cmd = "bench rag-dense --train";
  if (typeof values.train !== "string" || typeof values.base !== "string") throw new KotodamaError(`kotodama ${cmd}: --train OUT and --base MODEL are required`);
  const seed = intFlag(cmd, "seed", values.seed, 1, 0, 2 ** 31);
  const pairs = trainingPairs(seed);
  const nVal = Math.max(16, Math.floor(pairs.length * 0.02));
  const counts: Record<string, number> = {};
  for (const p of pairs) counts[p.source] = (counts[p.source] ?? 0) + 1;
  process.stderr.write(`pairs: ${JSON.stringify(counts)}\n`);
  const t = performance.now();
  const res = trainBiEncoder({
    base: values.base, train: pairs.slice(nVal), val: pairs.slice(0, nVal), outDir: values.train, backend: loadBackend(),
    steps: intFlag(cmd, "steps", values.steps, 150, 1, 1e6), batchSize: intFlag(cmd, "batch-size", values["batch-size"], 16, 2, 4096),
    lr: numberFlag(cmd, "lr", values.lr, 1e-4, 1e-7, 1), tau: 0.05, seqLen: 96, queryLen: 32, seed,
    ...(values["time-budget"] === undefined ? {} : { timeBudgetS: intFlag(cmd, "time-budget", values["time-budget"], 300, 1, 1e6) }),
    onProgress: (p) => process.stderr.write(`step ${p.step}/${p.maxSteps} loss ${p.loss.toFixed(4)}${p.valLoss === undefined ? "" : ` val ${p.valLoss.toFixed(4)}`} acc ${(p.stats?.accuracy ?? 0).toFixed(2)} ${p.tokensPerS.toFixed(0)} tok/s\n`),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stderr.write(`trained ${res.steps} steps in ${((performance.now() - t) / 1000).toFixed(0)} s; last loss ${res.lastLoss.toFixed(4)}, val ${res.lastValLoss?.toFixed(4) ?? "-"}\n`);
  return 0;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench rag-dense", argv, FLAGS, false);
  if (values.train !== undefined) return trainCommand(values);
  const embedders = parseEmbedders(values.embedders);
  const both = values.quality !== true && values.jsts !== true;
  const jsq = sharedPath("data", "jglue", "jsquad-v1.3", "valid-v1.3.json");
  const jsts = sharedPath("data", "jglue", "jsts-v1.3", "valid-v1.3.json");
  const asset = sharedPath("data", "asset");
  if (jsq === null || asset === null || jsts === null) throw new KotodamaError("kotodama bench rag-dense: needs ../shared/data/jglue (jsquad-v1.3, jsts-v1.3) and ../shared/data/asset");
  const threads = values.threads === undefined ? undefined : intFlag("bench rag-dense", "threads", values.threads, 1, 1, 1024);
  const backend = loadBackend(threads === undefined ? {} : { threads });
  const cache = typeof values.cache === "string" ? values.cache : mkdtempSync(join(tmpdir(), "kotodama-bench-dense-"));
  mkdirSync(cache, { recursive: true });
  const rerankN = values.rerank === undefined ? 0 : intFlag("bench rag-dense", "rerank", values.rerank, 20, 1, 1000);
  const rerankQ = intFlag("bench rag-dense", "rerank-queries", values["rerank-queries"], 200, 1, 1 << 20);
  const models = new Map<string, ReturnType<typeof openInferModel>>();
  const modelOf = (path: string): ReturnType<typeof openInferModel> => {
    let m = models.get(path);
    if (m === undefined) models.set(path, (m = openInferModel(path, { backend })));
    return m;
  };
  const out: { machine: string; date: string; quality: Row[]; jsts: { embedder: string; pairs: number; spearman: number; pearson: number; seconds: number }[] } = {
    machine: `${process.platform} ${process.arch}, node ${process.version}`, date: new Date().toISOString(), quality: [], jsts: [],
  };
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  try {
    if (both || values.jsts === true) {
      const pairs = jstsPairs(jsts);
      const bigrams = makeAnalyzer("bigram");
      const jac = (a: string, b: string): number => {
        const x = new Set(bigrams(a)), y = new Set(bigrams(b));
        let both2 = 0;
        for (const t of x) if (y.has(t)) both2++;
        return both2 / Math.max(1, x.size + y.size - both2);
      };
      const j = pairs.map((p) => jac(p.a, p.b));
      const gold = pairs.map((p) => p.gold);
      out.jsts.push({ embedder: "bigram-jaccard (baseline)", pairs: pairs.length, spearman: spearman(j, gold), pearson: pearson(j, gold), seconds: 0 });
      for (const e of embedders) {
        const t = performance.now();
        const emb = modelEmbedder(modelOf(e.model), { model: e.model, pooling: e.pooling });
        const r = stsSpearman(pairs, (s) => emb.embed(s));
        out.jsts.push({ embedder: e.name, ...r, seconds: (performance.now() - t) / 1000 });
      }
      say("JSTS v1.3 valid            pairs  Spearman  Pearson  s");
      for (const r of out.jsts) say(`${r.embedder.padEnd(26)} ${String(r.pairs).padStart(5)}  ${f3(r.spearman).padStart(8)}  ${f3(r.pearson).padStart(7)}  ${r.seconds.toFixed(0)}`);
    }
    if (both || values.quality === true) {
      say("set                method                          queries  R@1    R@5    R@20   MRR    ms/query");
      const show = (r: Row): void => {
        out.quality.push(r);
        const m = r.metrics;
        say(`${r.set.padEnd(18)} ${r.method.padEnd(31)} ${String(r.queries).padStart(7)}  ${f3(m.recall[1] ?? 0)}  ${f3(m.recall[5] ?? 0)}  ${f3(m.recall[20] ?? 0)}  ${f3(m.mrr)}  ${r.msPerQuery === undefined ? "" : r.msPerQuery.toFixed(1).padStart(8)}`);
      };
      for (const set of [jsquadSet(jsq), assetSet(asset)]) {
        const gold = set.queries.map((q) => q.gold);
        const lexRuns = new Map<AnalyzerName, Hit[][]>();
        let bigramDir = "";
        for (const a of ["bigram", "word"] as const) {
          const dir = indexSet(set, cache, a);
          if (a === "bigram") bigramDir = dir;
          const idx = new LexicalIndex(dir);
          const t = performance.now();
          const runs = set.queries.map((q) => idx.search(q.query, DEPTH));
          const ms = (performance.now() - t) / set.queries.length;
          lexRuns.set(a, runs);
          show({ set: set.name, method: `BM25 ${a}`, queries: set.queries.length, metrics: retrievalMetrics(runs.map((r) => r.map((h) => idx.chunk(h.chunk).docId)), gold), msPerQuery: ms });
          idx.close();
        }
        const lex = new LexicalIndex(bigramDir);
        const ids = (hits: readonly Hit[]): string[] => hits.map((h) => lex.chunk(h.chunk).docId);
        const bm = lexRuns.get("bigram")!;
        for (const e of embedders) {
          const model = modelOf(e.model);
          const emb = modelEmbedder(model, { model: e.model, pooling: e.pooling });
          const sha = modelWeightsSha256(e.model);
          // One dense folder per embedder: copy the lexical index's manifest view by building into a per-embedder index.
          const dir = join(cache, `${set.name}-bigram-${e.name}`);
          if (!existsSync(dir)) updateIndex(dir, [join(cache, `${set.name}.jsonl`)], { ...INDEX_DEFAULTS, ingest: { field: "text", idField: "id" } });
          const tb = performance.now();
          const b = buildDense(dir, emb, sha);
          const qv = queryVectors(set, emb, sha, cache);
          const dlex = new LexicalIndex(dir);
          const { vectors } = openDenseVectors(dir, dlex);
          const t = performance.now();
          const dense = qv.map((q) => vectors.search(q, DEPTH));
          const searchMs = (performance.now() - t) / set.queries.length;
          dlex.close();
          say(`  (${e.name}: ${b.embedded} chunks embedded, ${b.reused} reused, ${b.truncated} cut, ${((performance.now() - tb) / 1000).toFixed(0)} s with the queries; exact search ${searchMs.toFixed(2)} ms/query)`);
          show({ set: set.name, method: `dense ${e.name}`, queries: set.queries.length, metrics: retrievalMetrics(dense.map(ids), gold), msPerQuery: searchMs });
          const hybrid = bm.map((l, i) => rrf([l, dense[i]!], DEPTH));
          show({ set: set.name, method: `hybrid RRF bigram+${e.name}`, queries: set.queries.length, metrics: retrievalMetrics(hybrid.map(ids), gold) });
          for (const w of [0.3, 0.5, 0.7]) {
            show({ set: set.name, method: `hybrid w${w} bigram+${e.name}`, queries: set.queries.length, metrics: retrievalMetrics(bm.map((l, i) => weightedFusion([l, dense[i]!], [w, 1 - w], DEPTH)).map(ids), gold) });
          }
          if (rerankN > 0 && e === embedders[0]) {
            const score = localPassageScorer(model);
            const n = Math.min(rerankQ, set.queries.length);
            const t2 = performance.now();
            const rr: Hit[][] = [];
            for (let i = 0; i < n; i++) rr.push(await rerankByLikelihood(set.queries[i]!.query, hybrid[i]!, (c) => lex.chunk(c), score, rerankN));
            const ms = (performance.now() - t2) / n;
            show({ set: set.name, method: `hybrid RRF, first ${n} queries`, queries: n, metrics: retrievalMetrics(hybrid.slice(0, n).map(ids), gold.slice(0, n)) });
            show({ set: set.name, method: `  + LM rerank top ${rerankN}`, queries: n, metrics: retrievalMetrics(rr.map(ids), gold.slice(0, n)), msPerQuery: ms });
          }
        }
        lex.close();
      }
    }
  } finally {
    if (typeof values.cache !== "string") rmSync(cache, { recursive: true, force: true });
  }
  if (typeof values.out === "string") writeFileSync(join(values.out, "rag-dense.json"), `${JSON.stringify(out, null, 1)}\n`);
  return 0;
}
