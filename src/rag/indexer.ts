// Incremental indexing into an index folder: a manifest of input files (size, mtime, sha256), one segment per file
// (its chunks and their terms, JSONL), and a generation folder (chunk store + postings) rebuilt from the segments.
// Not here: parsing formats (ingest.ts), the binary files (store.ts, postings.ts), search (lexical.ts).
//
// Crash safety: segments are written temp + rename under a name that includes the file's content hash and the
// config, so a finished segment is reused by the next run; a generation is built in gen-N.tmp and renamed; the
// manifest is replaced last (temp + rename), so until that instant the old manifest and everything it names are
// intact. Old generations and unreferenced segments are removed only after the new manifest is in place.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve, isAbsolute } from "node:path";
import { FormatError, KotodamaError } from "../util/errors.js";
import { atomicWrite, sha256, stableJson } from "../data/files.js";
import { makeAnalyzer, type AnalyzerName } from "./analyzer.js";
import { BM25_DEFAULTS, type Bm25Config } from "./bm25.js";
import { chunkDocument, CHUNK_DEFAULTS, type ChunkConfig } from "./chunker.js";
import { formatOf, ingestBytes, INGEST_DEFAULTS, type IngestConfig } from "./ingest.js";
import { PostingsBuilder } from "./postings.js";
import { ChunkStoreWriter } from "./store.js";
import type { Chunk } from "./types.js";

export interface IndexConfig {
  readonly analyzer: AnalyzerName;
  readonly chunk: ChunkConfig;
  readonly ingest: IngestConfig;
  /** Search-time defaults stored with the index (search flags override them). */
  readonly bm25: Bm25Config;
}

export const INDEX_DEFAULTS: IndexConfig = { analyzer: "bigram", chunk: CHUNK_DEFAULTS, ingest: INGEST_DEFAULTS, bm25: BM25_DEFAULTS };

export interface FileEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  /** Segment file name under segments/. */
  readonly segment: string;
  readonly chunks: number;
}

export interface IndexManifest {
  readonly format: "kotodama-rag-index";
  readonly version: 1;
  readonly config: IndexConfig;
  /** Hash of what shapes segments (analyzer, chunking, ingest); a change re-indexes every file. */
  readonly buildKey: string;
  readonly generation: number;
  readonly chunks: number;
  /** Absolute path → entry. */
  readonly files: Readonly<Record<string, FileEntry>>;
}

export interface IndexReport {
  readonly added: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly chunks: number;
  readonly generation: number;
  /** False when nothing changed and the existing generation was kept. */
  readonly rebuilt: boolean;
}

export interface IndexProgress {
  readonly step: "ingest" | "build";
  readonly done: number;
  readonly total: number;
  readonly detail: string;
}

/** One chunk as a segment line: the chunk and its terms joined by spaces (no term holds whitespace). */
interface SegmentLine {
  readonly id: string;
  readonly source: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly terms: string;
}

const MANIFEST = "manifest.json";

export function readIndexManifest(dir: string): IndexManifest {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) throw new FormatError(file, "no manifest.json: not a rag index (build one with 'kotodama rag index --out DIR FILES...')");
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(file, `not JSON: ${(e as Error).message}`);
  }
  const o = m as Partial<IndexManifest>;
  if (o.format !== "kotodama-rag-index" || o.version !== 1 || typeof o.generation !== "number" || o.files === undefined || o.config === undefined) {
    throw new FormatError(file, "expected a kotodama-rag-index version 1 manifest");
  }
  return o as IndexManifest;
}

export const generationDir = (dir: string, generation: number): string => join(dir, `gen-${generation}`);

export const buildKeyOf = (cfg: IndexConfig): string => sha256(stableJson({ analyzer: cfg.analyzer, chunk: cfg.chunk, ingest: cfg.ingest }));

/** Files given as paths or folders (recursively, known extensions only), absolute, sorted, unique. */
export function resolveInputs(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (p: string, explicit: boolean): void => {
    if (!existsSync(p)) throw new KotodamaError(`rag index: input ${p} does not exist`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name), false);
      return;
    }
    if (explicit) {
      formatOf(p); // throws naming the file for an unknown extension
      out.add(p);
      return;
    }
    try {
      formatOf(p);
      out.add(p);
    } catch {
      // a folder's files of other kinds are skipped
    }
  };
  for (const p of paths) walk(resolve(p), true);
  return [...out].sort();
}

const displayPath = (abs: string): string => {
  const rel = relative(process.cwd(), abs);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
};

function writeSegment(path: string, file: string, bytes: Uint8Array, cfg: IndexConfig): number {
  const analyze = makeAnalyzer(cfg.analyzer);
  const lines: string[] = [];
  const source = displayPath(file);
  for (const doc of ingestBytes(source, bytes, cfg.ingest)) {
    for (const c of chunkDocument(doc, cfg.chunk)) {
      const line: SegmentLine = { id: c.docId, source: c.source, start: c.start, end: c.end, text: c.text, terms: analyze(c.text).join(" ") };
      lines.push(JSON.stringify(line));
    }
  }
  atomicWrite(path, lines.length === 0 ? "" : `${lines.join("\n")}\n`);
  return lines.length;
}

function* readSegment(path: string): Generator<SegmentLine> {
  const text = readFileSync(path, "utf8");
  let from = 0;
  for (let nl = text.indexOf("\n"); nl !== -1; from = nl + 1, nl = text.indexOf("\n", from)) yield JSON.parse(text.slice(from, nl)) as SegmentLine;
}

/** Builds or updates the index in dir from the given files (the index then holds exactly these files). */
export function updateIndex(dir: string, paths: readonly string[], cfg: IndexConfig = INDEX_DEFAULTS, onProgress: (p: IndexProgress) => void = () => {}): IndexReport {
  const files = resolveInputs(paths);
  mkdirSync(join(dir, "segments"), { recursive: true });
  const old = existsSync(join(dir, MANIFEST)) ? readIndexManifest(dir) : null;
  const buildKey = buildKeyOf(cfg);
  const sameBuild = old !== null && old.buildKey === buildKey;
  const entries: Record<string, FileEntry> = {};
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  files.forEach((file, i) => {
    onProgress({ step: "ingest", done: i, total: files.length, detail: displayPath(file) });
    const st = statSync(file);
    const prev = sameBuild ? old.files[file] : undefined;
    const segOk = (e: FileEntry): boolean => existsSync(join(dir, "segments", e.segment));
    if (prev !== undefined && prev.size === st.size && prev.mtimeMs === st.mtimeMs && segOk(prev)) {
      entries[file] = prev;
      unchanged++;
      return;
    }
    const bytes = readFileSync(file);
    const hash = sha256(bytes);
    if (prev !== undefined && prev.sha256 === hash && segOk(prev)) {
      entries[file] = { ...prev, size: st.size, mtimeMs: st.mtimeMs }; // touched, same content
      unchanged++;
      return;
    }
    const segment = `${sha256(file).slice(0, 16)}-${hash.slice(0, 16)}-${buildKey.slice(0, 8)}.jsonl`;
    const segPath = join(dir, "segments", segment);
    // A segment left by an interrupted run for the same content and config is complete (it was renamed into place).
    const chunks = existsSync(segPath) ? countLines(segPath) : writeSegment(segPath, file, bytes, cfg);
    entries[file] = { size: st.size, mtimeMs: st.mtimeMs, sha256: hash, segment, chunks };
    if (prev === undefined) added++;
    else changed++;
  });
  onProgress({ step: "ingest", done: files.length, total: files.length, detail: "" });
  const removed = old === null ? 0 : Object.keys(old.files).filter((f) => entries[f] === undefined).length;
  const nothingNew = old !== null && sameBuild && added === 0 && changed === 0 && removed === 0 && existsSync(generationDir(dir, old.generation));
  const chunks = Object.values(entries).reduce((s, e) => s + e.chunks, 0);
  if (nothingNew) {
    // Same chunks and terms: keep the generation; record touched mtimes and new search defaults (bm25) if any.
    const next: IndexManifest = { ...old, config: cfg, files: entries };
    if (stableJson(next) !== stableJson(old)) writeManifest(dir, next);
    return { added, changed, unchanged, removed, chunks, generation: old.generation, rebuilt: false };
  }
  const generation = (old?.generation ?? 0) + 1;
  writeGeneration(dir, generation, segmentChunks(dir, files.map((f) => (entries[f] as FileEntry).segment)), chunks, onProgress);
  writeManifest(dir, { format: "kotodama-rag-index", version: 1, config: cfg, buildKey, generation, chunks, files: entries });
  collectGarbage(dir, generation, new Set(Object.values(entries).map((e) => e.segment)));
  return { added, changed, unchanged, removed, chunks, generation, rebuilt: true };
}

function countLines(path: string): number {
  const t = readFileSync(path, "utf8");
  let n = 0;
  for (let i = t.indexOf("\n"); i !== -1; i = t.indexOf("\n", i + 1)) n++;
  return n;
}

export function writeManifest(dir: string, m: IndexManifest): void {
  atomicWrite(join(dir, MANIFEST), `${JSON.stringify(m, null, 1)}\n`);
}

/** A chunk and its terms, as a generation is built from them. */
export interface IndexedChunk {
  readonly chunk: Chunk;
  readonly terms: readonly string[];
}

function* segmentChunks(dir: string, segments: readonly string[]): Generator<IndexedChunk> {
  for (const seg of segments) {
    for (const line of readSegment(join(dir, "segments", seg))) {
      yield { chunk: { docId: line.id, source: line.source, start: line.start, end: line.end, text: line.text }, terms: line.terms === "" ? [] : line.terms.split(" ") };
    }
  }
}

/** Writes gen-N (chunk store + postings) from chunks in order, via gen-N.tmp and a rename. The indexer feeds it
 *  from segments; the scale benchmark feeds it synthetic chunks directly. */
export function writeGeneration(dir: string, generation: number, chunks: Iterable<IndexedChunk>, total: number, onProgress: (p: IndexProgress) => void = () => {}): void {
  const final = generationDir(dir, generation);
  const tmp = `${final}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(final, { recursive: true, force: true }); // a generation never referenced by a manifest (crash after rename)
  mkdirSync(tmp, { recursive: true });
  const store = new ChunkStoreWriter(join(tmp, "chunks.bin"), join(tmp, "texts.bin"));
  const postings = new PostingsBuilder();
  for (const { chunk, terms } of chunks) {
    store.add(chunk);
    postings.add(terms);
    if (store.size % 10000 === 0) onProgress({ step: "build", done: store.size, total, detail: "" });
  }
  store.close();
  postings.write(join(tmp, "postings.bin"));
  onProgress({ step: "build", done: store.size, total, detail: "" });
  renameSync(tmp, final);
}

function collectGarbage(dir: string, generation: number, segments: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    const m = /^gen-(\d+)(\.tmp)?$/.exec(name);
    if (m !== null && Number(m[1]) !== generation) rmSync(join(dir, name), { recursive: true, force: true });
  }
  for (const name of readdirSync(join(dir, "segments"))) if (!segments.has(name)) rmSync(join(dir, "segments", name), { force: true });
}
