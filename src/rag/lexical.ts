// An index folder opened for lexical search: the manifest, the current generation's chunk store and postings,
// the analyzer it was built with, and BM25 over them. Not here: building (indexer.ts), the CLI (cli/commands/rag.ts).
import { join } from "node:path";
import { makeAnalyzer, type Analyzer } from "./analyzer.js";
import { Bm25Scorer, checkBm25, type Bm25Config } from "./bm25.js";
import { generationDir, readIndexManifest, type IndexManifest } from "./indexer.js";
import { PostingsFile } from "./postings.js";
import { ChunkStoreFile } from "./store.js";
import type { Chunk, ChunkStore, Hit, Retriever } from "./types.js";

/** A chunk with its score, as search results print it. */
export interface ScoredChunk extends Chunk {
  readonly score: number;
}

export class LexicalIndex implements Retriever, ChunkStore {
  readonly manifest: IndexManifest;
  readonly store: ChunkStoreFile;
  readonly postings: PostingsFile;
  readonly bm25: Bm25Config;
  private readonly analyze: Analyzer;
  private readonly scorer: Bm25Scorer;

  /** Opens dir; bm25 overrides the defaults stored in its manifest. */
  constructor(dir: string, bm25: Partial<Bm25Config> = {}) {
    this.manifest = readIndexManifest(dir);
    const gen = generationDir(dir, this.manifest.generation);
    this.store = new ChunkStoreFile(join(gen, "chunks.bin"), join(gen, "texts.bin"));
    this.postings = new PostingsFile(join(gen, "postings.bin"));
    this.bm25 = checkBm25({ ...this.manifest.config.bm25, ...bm25 }, `rag index ${dir}`);
    this.analyze = makeAnalyzer(this.manifest.config.analyzer);
    this.scorer = new Bm25Scorer(this.postings, this.bm25);
  }

  get size(): number {
    return this.store.size;
  }

  chunk(n: number): Chunk {
    return this.store.chunk(n);
  }

  /** The query's terms as this index analyzes text (what search() scores). */
  queryTerms(query: string): string[] {
    return this.analyze(query);
  }

  search(query: string, k: number): Hit[] {
    return this.scorer.search(this.analyze(query), k);
  }

  /** search() with each hit's chunk read from the store. */
  searchChunks(query: string, k: number): ScoredChunk[] {
    return this.search(query, k).map((h) => ({ ...this.store.chunk(h.chunk), score: h.score }));
  }

  close(): void {
    this.store.close();
    this.postings.close();
  }
}
