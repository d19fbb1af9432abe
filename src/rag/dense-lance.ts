// The LanceDB store of an index's dense part: after `rag index` has written vectors-gen-N.bin (still the source of
// truth, so incremental re-embedding keeps working), the same vectors written into a LanceDB table named after the
// generation and the vectors' hash, with its approximate index (IVF-PQ, HNSW-SQ or none), then the dense manifest's
// `store` record rewritten last — an interrupted build leaves the manifest naming the previous (stale, refused) table
// or none, never a half-written one. Rebuilt only when the vectors or the index's build settings changed. Opening it
// for queries refuses a table whose generation or vectors are not the index's.
// Not here: the manifest and exact search (dense-index.ts, dense-store.ts), LanceDB itself (lance-store.ts), flags
// (cli/commands/rag.ts).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite, sha256 } from "../data/files.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { readVectors } from "./dense-store.js";
import { DENSE_DIR, denseVectorsPath, readDenseManifest, vectorsSha256, writeDenseManifest, type DenseManifest, type LanceStoreRecord } from "./dense-index.js";
import { LanceVectorStore, type AnnConfig } from "./lance-store.js";

/** The folder of an index's own LanceDB database (the default --store-uri). */
export const LANCE_DIR = "lance";
const TABLE_PREFIX = "chunks_gen";
/** The file naming an index's tables in a shared database (--store-uri): 16 hex digits, made on first use. */
const STORE_ID_FILE = "store-id";
/** Rows LanceDB's IVF-PQ needs to train 8-bit product-quantizer codebooks (2^8 centroids per sub-vector). */
export const IVF_PQ_MIN_ROWS = 256;

export interface LanceStoreOptions {
  /** lancedb.connect's URI (a local folder, s3://…); absent: INDEX/dense/lance. */
  readonly uri?: string;
  readonly ann: AnnConfig;
}

export interface LanceSyncReport {
  readonly table: string;
  readonly uri: string;
  /** false: the table already held these vectors with this index (only query defaults, if any, were rewritten). */
  readonly rebuilt: boolean;
  readonly chunks: number;
  readonly seconds: number;
}

/** Where a store lives: its URI, or the index's own folder. */
export const lanceUri = (dir: string, uri: string | undefined): string => uri ?? join(dir, DENSE_DIR, LANCE_DIR);

/** The prefix of an index's tables: in its own database `chunks_gen`; in a shared one (--store-uri) `chunks_i<id>_gen`,
 *  the index's id from DENSE_DIR/store-id (written before the first table), so that a later build can find and drop
 *  what an interrupted one left there without touching other indexes' tables. */
function tablePrefix(dir: string, shared: boolean): string {
  if (!shared) return TABLE_PREFIX;
  const file = join(dir, DENSE_DIR, STORE_ID_FILE);
  if (existsSync(file)) {
    const id = readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{16}$/.test(id)) throw new FormatError(file, `expected 16 hexadecimal digits (the index's id in a shared LanceDB database), got ${JSON.stringify(id.slice(0, 40))}`);
    return `chunks_i${id}_gen`;
  }
  const id = randomBytes(8).toString("hex");
  atomicWrite(file, `${id}\n`);
  return `chunks_i${id}_gen`;
}

/** What the table's contents depend on: the vectors and the index's build settings (not the query-time ones). */
function tableName(prefix: string, generation: number, vectorsHash: string, ann: AnnConfig): string {
  const build = { kind: ann.kind, partitions: ann.partitions ?? null, subVectors: ann.subVectors ?? null };
  return `${prefix}${generation}_${sha256(vectorsHash, JSON.stringify(build)).slice(0, 12)}`;
}

/** Writes (or keeps) the LanceDB table for the index's current dense generation and names it in the manifest. */
export async function syncLanceStore(dir: string, opts: LanceStoreOptions): Promise<LanceSyncReport> {
  const t0 = performance.now();
  const m = readDenseManifest(dir);
  if (m === null) throw new KotodamaError(`${dir}: a LanceDB store needs dense vectors; build them with 'kotodama rag index --dense MODEL --out ${dir} FILES...'`);
  if (opts.ann.kind === "ivf_pq" && m.chunks < IVF_PQ_MIN_ROWS) {
    throw new KotodamaError(`${dir}: --ann ivf_pq needs at least ${IVF_PQ_MIN_ROWS} chunks to train its product quantizer, the index has ${m.chunks}; use --ann none (LanceDB's exact scan) or hnsw_sq`);
  }
  if (opts.ann.partitions !== undefined && opts.ann.partitions > m.chunks) throw new KotodamaError(`${dir}: --partitions ${opts.ann.partitions} is more than the index's ${m.chunks} chunks`);
  if (opts.ann.subVectors !== undefined && m.dim % opts.ann.subVectors !== 0) throw new KotodamaError(`${dir}: --sub-vectors ${opts.ann.subVectors} must divide the vectors' ${m.dim} dimensions`);
  const { vectors, dim } = readVectors(denseVectorsPath(dir, m.generation));
  if (dim !== m.dim || vectors.length !== m.chunks * dim) throw new FormatError(denseVectorsPath(dir, m.generation), `holds ${vectors.length / dim} × ${dim} vectors, the manifest says ${m.chunks} × ${m.dim}`);
  const hash = m.vectorsSha256 ?? vectorsSha256(vectors);
  const uri = lanceUri(dir, opts.uri);
  const prefix = tablePrefix(dir, opts.uri !== undefined);
  const table = tableName(prefix, m.generation, hash, opts.ann);
  // Any other table of this index in the database: left by an interrupted build (ours by their prefix; a shared
  // --store-uri keeps other indexes' tables). Best effort: the manifest names the current table already.
  const dropLeftovers = async (): Promise<void> => {
    for (const t of await LanceVectorStore.tables(uri)) if (t !== table && t.startsWith(prefix)) await LanceVectorStore.drop(uri, t).catch(() => {});
  };
  const record: LanceStoreRecord = { kind: "lance", ...(opts.uri === undefined ? {} : { uri: opts.uri }), table, generation: m.generation, vectorsSha256: hash, ann: opts.ann };
  const write = (): void => writeDenseManifest(dir, { ...m, vectorsSha256: hash, store: record });
  const old = m.store;
  if (opts.uri === undefined) mkdirSync(uri, { recursive: true });
  if (old !== undefined && old.table === table && old.uri === opts.uri && old.vectorsSha256 === hash && old.generation === m.generation && (await LanceVectorStore.tables(uri)).includes(table)) {
    if (JSON.stringify(old.ann) !== JSON.stringify(opts.ann)) write();
    await dropLeftovers();
    return { table, uri, rebuilt: false, chunks: m.chunks, seconds: (performance.now() - t0) / 1000 };
  }
  await LanceVectorStore.create(uri, vectors, dim, opts.ann, table);
  write();
  // The table the manifest named before (in its database; the index's own folder whole when the store moved out of
  // it), then leftovers of this index here. Best effort: the new table is named already.
  if (old !== undefined && old.uri !== opts.uri && old.uri === undefined) rmSync(lanceUri(dir, undefined), { recursive: true, force: true });
  else if (old !== undefined && (old.table !== table || old.uri !== opts.uri)) await LanceVectorStore.drop(lanceUri(dir, old.uri), old.table).catch(() => {});
  await dropLeftovers();
  return { table, uri, rebuilt: true, chunks: m.chunks, seconds: (performance.now() - t0) / 1000 };
}

/** Back to exact search: the manifest's store record removed (manifest first), then the index's own table dropped. */
export async function removeLanceStore(dir: string): Promise<boolean> {
  const m = readDenseManifest(dir);
  if (m?.store === undefined) return false;
  const { store, ...rest } = m;
  writeDenseManifest(dir, rest);
  if (store.uri === undefined) rmSync(lanceUri(dir, undefined), { recursive: true, force: true });
  else await LanceVectorStore.drop(store.uri, store.table);
  return true;
}

/** Why the manifest's table cannot answer for the index (null: it can). */
export function staleReason(dir: string, m: DenseManifest, lexGeneration: number): string | null {
  const st = m.store;
  if (st === undefined) return null;
  if (m.generation !== lexGeneration) return `${dir}: the dense vectors are for generation ${m.generation} but the index is at ${lexGeneration}`;
  if (st.generation !== m.generation || (m.vectorsSha256 !== undefined && st.vectorsSha256 !== m.vectorsSha256)) {
    return `${dir}: the LanceDB table ${st.table} holds the vectors of generation ${st.generation}${st.generation === m.generation ? " as embedded before" : ""}, but the index's dense vectors are generation ${m.generation}${st.generation === m.generation ? " re-embedded since" : ""}`;
  }
  return null;
}

/** The manifest's LanceDB table, searched with its query defaults overridden by `search`. */
export async function openLanceStore(dir: string, m: DenseManifest, lexGeneration: number, search: Pick<AnnConfig, "nprobes" | "refineFactor" | "ef">): Promise<LanceVectorStore> {
  const st = m.store;
  if (st === undefined) throw new KotodamaError(`${dir}: the dense part names no LanceDB store (rag index --store lance)`);
  const why = staleReason(dir, m, lexGeneration);
  if (why !== null) throw new KotodamaError(`${why}; rerun 'kotodama rag index' (it re-embeds changed chunks and refreshes the table), or search with --exact`);
  const store = await LanceVectorStore.open(lanceUri(dir, st.uri), st.table, m.dim, { ...st.ann, ...search }).catch((e: unknown) => {
    throw new KotodamaError(`${dir}: cannot open the LanceDB table ${st.table} at ${lanceUri(dir, st.uri)} (${(e as Error).message}); rerun 'kotodama rag index', or search with --exact`);
  });
  if (store.size !== m.chunks) throw new FormatError(lanceUri(dir, st.uri), `table ${st.table} holds ${store.size} rows for ${m.chunks} chunks`);
  return store;
}
