// LanceDB (@lancedb/lancedb, an embedded columnar store with its native binary in the npm package) behind our own
// interfaces: a vector store with an optional approximate index (IVF-PQ or HNSW-SQ) answering k-nearest by cosine
// as Hits, and a full-text table for measuring LanceDB's BM25 on Japanese against ours. LanceDB's API is async,
// so these implement AsyncVectorIndex rather than the synchronous VectorIndex. The same table can live on object
// storage (connect("s3://…")) when one machine is not enough; that is untested here.
// Not here: exact search (dense-store.ts), the index folder (dense-index.ts).
import * as lancedb from "@lancedb/lancedb";
import { KotodamaError } from "../util/errors.js";
import type { Hit } from "./types.js";

export interface AsyncVectorIndex {
  readonly size: number;
  readonly dim: number;
  search(query: Float32Array, k: number): Promise<Hit[]>;
}

export type AnnKind = "none" | "ivf_pq" | "hnsw_sq";
export const ANN_KINDS: readonly AnnKind[] = ["none", "ivf_pq", "hnsw_sq"];

export interface AnnConfig {
  readonly kind: AnnKind;
  /** IVF partitions (default √N, LanceDB's default); HNSW-SQ: 1. */
  readonly partitions?: number;
  /** IVF-PQ sub-vectors (default C/16, LanceDB's default). */
  readonly subVectors?: number;
  /** Partitions searched per query (LanceDB's default 20). */
  readonly nprobes?: number;
  /** Re-rank refineFactor·k PQ candidates with the full vectors (none by default). */
  readonly refineFactor?: number;
  /** HNSW: candidates kept while searching (ef; LanceDB's default 1.5·k). */
  readonly ef?: number;
}

const TABLE = "chunks";
const BATCH = 50_000;

export class LanceVectorStore implements AsyncVectorIndex {
  private constructor(
    private readonly table: lancedb.Table,
    readonly size: number,
    readonly dim: number,
    readonly config: AnnConfig,
  ) {}

  /** Writes vectors (N·C, row n = chunk n) into a new table under uri (replacing one of that name) and builds the
   *  approximate index. */
  static async create(uri: string, vectors: Float32Array, dim: number, config: AnnConfig, tableName: string = TABLE): Promise<LanceVectorStore> {
    const N = vectors.length / dim;
    if (!Number.isInteger(N) || N < 1) throw new KotodamaError(`lance store: ${vectors.length} numbers are not rows of ${dim}`);
    const db = await lancedb.connect(uri);
    const rows = (from: number, n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ chunk: from + i, vector: vectors.subarray((from + i) * dim, (from + i + 1) * dim) }));
    const exists = (await db.tableNames()).includes(tableName);
    const table = await db.createTable(tableName, lancedb.makeArrowTable(rows(0, Math.min(BATCH, N))), { mode: exists ? "overwrite" : "create" });
    for (let from = BATCH; from < N; from += BATCH) await table.add(lancedb.makeArrowTable(rows(from, Math.min(BATCH, N - from))));
    if (config.kind === "ivf_pq") {
      await table.createIndex("vector", { config: lancedb.Index.ivfPq({ distanceType: "cosine", numPartitions: config.partitions ?? Math.max(1, Math.round(Math.sqrt(N))), numSubVectors: config.subVectors ?? Math.max(1, dim / 16) }) });
    } else if (config.kind === "hnsw_sq") {
      await table.createIndex("vector", { config: lancedb.Index.hnswSq({ distanceType: "cosine", numPartitions: config.partitions ?? 1 }) });
    }
    return new LanceVectorStore(table, N, dim, config);
  }

  /** An existing table (written by create) of dim-wide vectors, searched with config's query-time settings. */
  static async open(uri: string, tableName: string, dim: number, config: AnnConfig): Promise<LanceVectorStore> {
    const db = await lancedb.connect(uri);
    if (!(await db.tableNames()).includes(tableName)) throw new KotodamaError(`lance store: ${uri} has no table ${tableName}`);
    const table = await db.openTable(tableName);
    return new LanceVectorStore(table, await table.countRows(), dim, config);
  }

  /** The tables under uri. */
  static async tables(uri: string): Promise<string[]> {
    return (await lancedb.connect(uri)).tableNames();
  }

  /** Drops a table under uri (nothing when it is absent). */
  static async drop(uri: string, tableName: string): Promise<void> {
    const db = await lancedb.connect(uri);
    if ((await db.tableNames()).includes(tableName)) await db.dropTable(tableName);
  }

  /** The same table searched with other query-time settings (nprobes, refineFactor, ef). */
  withSearch(settings: Pick<AnnConfig, "nprobes" | "refineFactor" | "ef">): LanceVectorStore {
    return new LanceVectorStore(this.table, this.size, this.dim, { ...this.config, ...settings });
  }

  async search(query: Float32Array, k: number): Promise<Hit[]> {
    if (query.length !== this.dim) throw new KotodamaError(`lance store: query has ${query.length} dimensions, the table ${this.dim}`);
    const c = this.config;
    let q = this.table.vectorSearch(query).distanceType("cosine").limit(k).select(["chunk", "_distance"]);
    if (c.kind === "none") q = q.bypassVectorIndex();
    if (c.nprobes !== undefined) q = q.nprobes(c.nprobes);
    if (c.refineFactor !== undefined) q = q.refineFactor(c.refineFactor);
    if (c.ef !== undefined) q = q.ef(c.ef);
    const rows = (await q.toArray()) as { chunk: number; _distance: number }[];
    // cosine distance = 1 − cos
    return rows.map((r) => ({ chunk: Number(r.chunk), score: 1 - r._distance }));
  }
}

export type LanceFtsTokenizer = "simple" | "ngram" | "icu" | "whitespace";

/** LanceDB's full-text search over passages (BM25 inside LanceDB), for comparison with our index. */
export class LanceFts {
  private constructor(private readonly table: lancedb.Table) {}

  static async create(uri: string, texts: readonly string[], tokenizer: LanceFtsTokenizer): Promise<LanceFts> {
    const db = await lancedb.connect(uri);
    const table = await db.createTable(`fts_${tokenizer}`, texts.map((text, chunk) => ({ chunk, text })), { mode: "overwrite" });
    // ngram: character bigrams, as our default analyzer; the others are LanceDB's word tokenizers.
    await table.createIndex("text", { config: lancedb.Index.fts({ baseTokenizer: tokenizer, withPosition: false, ngramMinLength: 2, ngramMaxLength: 2, stem: false, removeStopWords: false }) });
    return new LanceFts(table);
  }

  async search(query: string, k: number): Promise<Hit[]> {
    const rows = (await this.table.search(query, "fts").limit(k).select(["chunk", "_score"]).toArray()) as { chunk: number; _score: number }[];
    return rows.map((r) => ({ chunk: Number(r.chunk), score: r._score }));
  }
}
