// Public API of the rag layer: ingest, chunking, sentence splitting, analyzers, BM25, the on-disk index and the
// incremental indexer, retrieval metrics and evaluation sets. Not here: code — this file only re-exports.
export type { Chunk, ChunkStore, Hit, Retriever, SourceDoc } from "./types.js";
export { splitSentences, type Span } from "./sentences.js";
export { chunkDocument, codePointIndex, CHUNK_DEFAULTS, type ChunkConfig } from "./chunker.js";
export { ingestText, htmlMainText, formatOf, INGEST_DEFAULTS, type IngestConfig, type IngestFormat } from "./ingest.js";
export { makeAnalyzer, parseAnalyzer, normalizeForTerms, ANALYZERS, type Analyzer, type AnalyzerName } from "./analyzer.js";
export { Bm25Scorer, bm25Idf, bm25TermScore, topK, checkBm25, BM25_DEFAULTS, type Bm25Config, type Postings } from "./bm25.js";
export { PostingsBuilder, PostingsFile } from "./postings.js";
export { ChunkStoreWriter, ChunkStoreFile } from "./store.js";
export { updateIndex, readIndexManifest, resolveInputs, writeGeneration, INDEX_DEFAULTS, type IndexConfig, type IndexManifest, type IndexReport, type IndexProgress, type IndexedChunk } from "./indexer.js";
export { LexicalIndex, type ScoredChunk } from "./lexical.js";
export { retrievalMetrics, distinct, type RetrievalMetrics } from "./metrics.js";
export { jsquadSet, assetSet, wordJaccard, ASSET_PASSAGE_SENTENCES, type RetrievalSet, type Passage } from "./evalsets.js";
