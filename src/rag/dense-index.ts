// The dense half of an index folder: INDEX/dense/manifest.json (the embedder spec, the model's weights hash, the
// lexical generation the vectors belong to) and INDEX/dense/vectors-gen-N.bin (one unit vector per chunk of gen-N,
// in chunk order); building it from the index's chunks (reusing the vectors of unchanged chunk texts), opening it,
// and the dense Retriever (embed the query, exact cosine search, or an async store's search). The manifest may also
// name a LanceDB table holding the same vectors (`store`, written by dense-lance.ts; absent = exact search). Also the search modes of an index (lexical,
// dense, hybrid), optionally followed by the LM rerank, as one AskIndex, so that `rag search`, `rag ask` and
// `chat --rag` use whatever the index holds.
// Not here: the vectors file and exact search (dense-store.ts), the LanceDB table (dense-lance.ts, lance-store.ts),
// fusion (fusion.ts), embedding (embedder.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite, sha256 } from "../data/files.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import type { Embedder, EmbedderSpec } from "./embedder.js";
import { FlatVectorIndex, readVectors, writeVectors, type VectorIndex } from "./dense-store.js";
import { AsyncHybridRetriever, FUSION_DEFAULTS, type FusionConfig } from "./fusion.js";
import type { AnnConfig, AsyncVectorIndex } from "./lance-store.js";
import { LexicalIndex, type ScoredChunk } from "./lexical.js";
import { RerankedRetriever, type PassageScorer } from "./fusion-rerank.js";
import type { AskIndex } from "./answer.js";
import type { Bm25Config } from "./bm25.js";
import type { AsyncRetriever, Hit, Retriever } from "./types.js";

/** The LanceDB table that holds a dense generation's vectors for query-time search (dense-lance.ts). */
export interface LanceStoreRecord {
  readonly kind: "lance";
  /** lancedb.connect's URI as given to `rag index --store-uri`; absent: INDEX/dense/lance. */
  readonly uri?: string;
  /** The table, named after its generation and vectors (a new build never overwrites the table in use). */
  readonly table: string;
  /** The dense generation and the sha256 of the vectors the table was written from. */
  readonly generation: number;
  readonly vectorsSha256: string;
  /** Its approximate index and the query-time defaults (nprobes, refineFactor, ef). */
  readonly ann: AnnConfig;
}

export interface DenseManifest {
  readonly format: "kotodama-dense-index";
  readonly version: 1;
  readonly embedder: EmbedderSpec;
  /** sha256 of the model's weights file (model.safetensors of a run folder, else the file). */
  readonly modelSha256: string;
  /** The lexical generation whose chunks the vectors are (gen-N). */
  readonly generation: number;
  readonly chunks: number;
  readonly dim: number;
  /** Chunks cut to embedder.maxTokens, of those the last build embedded (reused vectors not counted). */
  readonly truncated: number;
  /** sha256 of vectors-gen-N.bin's f32 vectors (absent in manifests older than the store field). */
  readonly vectorsSha256?: string;
  /** Where queries search: absent = exact search over vectors-gen-N.bin (every manifest before this field). */
  readonly store?: LanceStoreRecord;
}

export const DENSE_DIR = "dense";
const vectorsFile = (generation: number): string => `vectors-gen-${generation}.bin`;

/** The weights file of a model path (a run/HF folder's model.safetensors, else the path itself), hashed. */
export function modelWeightsSha256(model: string): string {
  const st = statSync(model);
  const file = st.isDirectory() ? join(model, "model.safetensors") : model;
  if (!existsSync(file)) throw new KotodamaError(`dense index: ${model} has no model.safetensors to identify the embedding model by`);
  return sha256(readFileSync(file));
}

export function readDenseManifest(dir: string): DenseManifest | null {
  const file = join(dir, DENSE_DIR, "manifest.json");
  if (!existsSync(file)) return null;
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(file, `not JSON: ${(e as Error).message}`);
  }
  const o = m as Partial<DenseManifest>;
  if (o.format !== "kotodama-dense-index" || o.version !== 1 || typeof o.generation !== "number" || typeof o.dim !== "number" || o.embedder === undefined) {
    throw new FormatError(file, "expected a kotodama-dense-index version 1 manifest");
  }
  const st = o.store as Partial<LanceStoreRecord> | undefined;
  if (st !== undefined && (st.kind !== "lance" || typeof st.table !== "string" || typeof st.generation !== "number" || typeof st.vectorsSha256 !== "string" || typeof st.ann?.kind !== "string" || (st.uri !== undefined && typeof st.uri !== "string"))) {
    throw new FormatError(file, 'field "store": expected {kind: "lance", table, generation, vectorsSha256, ann: {kind, ...}, uri?}');
  }
  return o as DenseManifest;
}

/** Rewrites INDEX/dense/manifest.json (temp + rename). */
export function writeDenseManifest(dir: string, m: DenseManifest): void {
  atomicWrite(join(dir, DENSE_DIR, "manifest.json"), `${JSON.stringify(m, null, 1)}\n`);
}

/** The sha256 of a vectors array's bytes (what a LanceDB table was written from). */
export function vectorsSha256(vectors: Float32Array): string {
  return sha256(Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
}

/** The path of the vectors of a dense generation. */
export const denseVectorsPath = (dir: string, generation: number): string => join(dir, DENSE_DIR, vectorsFile(generation));

export interface DenseBuildReport {
  readonly chunks: number;
  readonly embedded: number;
  readonly reused: number;
  readonly truncated: number;
  readonly seconds: number;
}

/** Embeds every chunk of the index's current generation into INDEX/dense (temp + rename, manifest last). Vectors of
 *  chunk texts the previous dense generation already embedded with the same model and spec are reused. */
export function buildDense(dir: string, embedder: Embedder, modelSha256: string, onProgress: (done: number, total: number) => void = () => {}): DenseBuildReport {
  const t0 = performance.now();
  const lex = new LexicalIndex(dir);
  try {
    const N = lex.size;
    const C = embedder.dim;
    const ddir = join(dir, DENSE_DIR);
    mkdirSync(ddir, { recursive: true });
    const old = readDenseManifest(dir);
    const reuse = new Map<string, number>();
    let oldVecs: Float32Array | null = null;
    const oldLex = old !== null && old.modelSha256 === modelSha256 && JSON.stringify(old.embedder) === JSON.stringify(embedder.spec) && old.dim === C;
    if (oldLex && existsSync(join(ddir, vectorsFile(old.generation))) && old.generation === lex.manifest.generation) {
      // Same generation, same embedder: nothing to do.
      return { chunks: N, embedded: 0, reused: N, truncated: old.truncated, seconds: (performance.now() - t0) / 1000 };
    }
    if (oldLex && existsSync(join(ddir, `texts-gen-${old.generation}.json`)) && existsSync(join(ddir, vectorsFile(old.generation)))) {
      oldVecs = readVectors(join(ddir, vectorsFile(old.generation))).vectors;
      (JSON.parse(readFileSync(join(ddir, `texts-gen-${old.generation}.json`), "utf8")) as string[]).forEach((h, i) => reuse.set(h, i));
    }
    const vecs = new Float32Array(N * C);
    const hashes: string[] = [];
    let embedded = 0, reused = 0;
    const before = embedder.truncated;
    for (let n = 0; n < N; n++) {
      const text = lex.chunk(n).text;
      const h = sha256(text).slice(0, 32);
      hashes.push(h);
      const r = reuse.get(h);
      if (r !== undefined && oldVecs !== null) {
        vecs.set(oldVecs.subarray(r * C, (r + 1) * C), n * C);
        reused++;
      } else {
        vecs.set(embedder.embed(text), n * C);
        embedded++;
      }
      if (n % 64 === 0) onProgress(n, N);
    }
    onProgress(N, N);
    const gen = lex.manifest.generation;
    const tmp = join(ddir, `${vectorsFile(gen)}.tmp`);
    writeVectors(tmp, vecs, C);
    renameSync(tmp, join(ddir, vectorsFile(gen)));
    atomicWrite(join(ddir, `texts-gen-${gen}.json`), JSON.stringify(hashes));
    const truncated = embedder.truncated - before;
    // A LanceDB store stays named, still holding the old vectors, until dense-lance.ts refreshes it: searches refuse
    // it as stale meanwhile (never a half-written table), and the next `rag index` knows to rebuild it.
    const m: DenseManifest = { format: "kotodama-dense-index", version: 1, embedder: embedder.spec, modelSha256, generation: gen, chunks: N, dim: C, truncated, vectorsSha256: vectorsSha256(vecs), ...(old?.store === undefined ? {} : { store: old.store }) };
    writeDenseManifest(dir, m);
    for (const name of readdirSync(ddir)) {
      const g = /^(?:vectors|texts)-gen-(\d+)\./.exec(name);
      if (g !== null && Number(g[1]) !== gen) rmSync(join(ddir, name), { force: true });
    }
    return { chunks: N, embedded, reused, truncated, seconds: (performance.now() - t0) / 1000 };
  } finally {
    lex.close();
  }
}

/** Dense search: the query embedded as the chunks were, then k nearest by cosine. */
export class DenseRetriever implements Retriever {
  constructor(
    private readonly embedder: Embedder,
    readonly vectors: VectorIndex,
  ) {
    if (embedder.dim !== vectors.dim) throw new KotodamaError(`dense retriever: the embedder gives ${embedder.dim} dimensions, the vectors have ${vectors.dim}`);
  }

  search(query: string, k: number): Hit[] {
    return this.vectors.search(this.embedder.embed(query), k);
  }
}

/** Dense search on a store that answers later (a LanceDB table): the query embedded as the chunks were. */
export class AsyncDenseRetriever implements AsyncRetriever {
  constructor(
    private readonly embedder: Embedder,
    readonly vectors: AsyncVectorIndex,
  ) {
    if (embedder.dim !== vectors.dim) throw new KotodamaError(`dense retriever: the embedder gives ${embedder.dim} dimensions, the vectors have ${vectors.dim}`);
  }

  search(query: string, k: number): Promise<Hit[]> {
    return this.vectors.search(this.embedder.embed(query), k);
  }
}

/** Opens INDEX/dense's vectors for the lexical index's current generation (exact search). */
export function openDenseVectors(dir: string, lex: LexicalIndex): { manifest: DenseManifest; vectors: FlatVectorIndex } {
  const m = readDenseManifest(dir);
  if (m === null) throw new KotodamaError(`${dir}: the index has no dense vectors; build them with 'kotodama rag index --dense MODEL --out ${dir} FILES...'`);
  if (m.generation !== lex.manifest.generation) {
    throw new KotodamaError(`${dir}: the dense vectors are for generation ${m.generation} but the index is at ${lex.manifest.generation}; rerun 'kotodama rag index' (it re-embeds changed chunks)`);
  }
  const { vectors, dim } = readVectors(join(dir, DENSE_DIR, vectorsFile(m.generation)));
  if (vectors.length !== m.chunks * dim || m.chunks !== lex.size) throw new FormatError(join(dir, DENSE_DIR), `holds ${vectors.length / dim} vectors for ${lex.size} chunks`);
  return { manifest: m, vectors: new FlatVectorIndex(vectors, dim) };
}

export type SearchMode = "lexical" | "dense" | "hybrid";
export const SEARCH_MODES: readonly SearchMode[] = ["lexical", "dense", "hybrid"];

/** An index searched in one mode, shaped as answering needs it (answer.ts AskIndex). The relevance threshold stays
 *  BM25's (relevance.ts): every returned chunk carries its BM25 score for the query (0 when BM25 did not rank it
 *  in its first `depth`), so "the sources do not say" means the same in every mode — the best-ranked chunk's share
 *  of the question's lexical evidence. */
export class ModeIndex {
  readonly bm25: Bm25Config;
  readonly postings: LexicalIndex["postings"];
  private readonly first: AsyncRetriever;
  private readonly reranked: RerankedRetriever | null;
  /** rerank: the LM rerank of the mode's first `depth` hits (fusion-rerank.ts), or none. */
  constructor(
    readonly lexical: LexicalIndex,
    readonly mode: SearchMode,
    dense: Retriever | AsyncRetriever | null,
    readonly fusion: FusionConfig = FUSION_DEFAULTS,
    readonly rerank: { readonly score: PassageScorer; readonly depth: number } | null = null,
  ) {
    this.bm25 = lexical.bm25;
    this.postings = lexical.postings;
    if (mode !== "lexical" && dense === null) throw new KotodamaError(`search mode ${mode} needs dense vectors (rag index --dense MODEL)`);
    this.first = mode === "lexical" ? lexical : mode === "dense" ? (dense as AsyncRetriever) : new AsyncHybridRetriever(lexical, dense as AsyncRetriever, fusion);
    this.reranked = rerank === null ? null : new RerankedRetriever(this.first, (n) => lexical.chunk(n), rerank.score, rerank.depth);
  }

  queryTerms(query: string): string[] {
    return this.lexical.queryTerms(query);
  }

  /** The k best hits (async: the rerank's scorer may be a server). */
  async search(query: string, k: number): Promise<Hit[]> {
    return this.reranked === null ? this.first.search(query, k) : this.reranked.search(query, k);
  }

  /** Hits with chunk texts; `score` is the mode's own score (rank fusion, cosine, or BM25). */
  async searchChunks(query: string, k: number): Promise<ScoredChunk[]> {
    return (await this.search(query, k)).map((h) => ({ ...this.lexical.chunk(h.chunk), score: h.score }));
  }

  /** What answering reads (answer.ts AskIndex): hits in this mode's order, each scored by BM25. */
  forAnswer(): AskIndex {
    return { bm25: this.bm25, postings: this.postings, queryTerms: (q) => this.queryTerms(q), searchChunks: (q, k) => this.searchForAnswer(q, k) };
  }

  /** Hits in this mode's order, each scored by BM25 (see the class comment). */
  async searchForAnswer(query: string, k: number): Promise<ScoredChunk[]> {
    if (this.mode === "lexical" && this.rerank === null) return this.lexical.searchChunks(query, k);
    const bm = new Map(this.lexical.search(query, Math.max(k, this.fusion.depth, this.rerank?.depth ?? 0)).map((h) => [h.chunk, h.score]));
    return (await this.search(query, k)).map((h) => ({ ...this.lexical.chunk(h.chunk), score: bm.get(h.chunk) ?? 0 }));
  }
}
