// Public API of the rag layer: ingest, chunking, sentence splitting, analyzers, BM25, the on-disk index and the
// incremental indexer, retrieval metrics and evaluation sets; grounded answering (prompt, citations, extraction, the
// relevance threshold) and its evaluation; dense vectors, hybrid fusion and the bi-encoder. The LanceDB stores
// (lance-store.ts) are imported directly, so that importing the rag layer does not load LanceDB's native binary.
// Not here: code — this file only re-exports.
export type { Chunk, ChunkStore, Hit, Retriever, SourceDoc } from "./types.js";
export { splitSentences, type Span } from "./sentences.js";
export { chunkDocument, codePointIndex, CHUNK_DEFAULTS, type ChunkConfig } from "./chunker.js";
export { ingestBytes, ingestText, htmlMainText, formatOf, INGEST_DEFAULTS, type IngestConfig, type IngestFormat } from "./ingest.js";
export { makeAnalyzer, parseAnalyzer, normalizeForTerms, ANALYZERS, type Analyzer, type AnalyzerName } from "./analyzer.js";
export { Bm25Scorer, bm25Idf, bm25TermScore, topK, checkBm25, BM25_DEFAULTS, type Bm25Config, type Postings } from "./bm25.js";
export { PostingsBuilder, PostingsFile } from "./postings.js";
export { ChunkStoreWriter, ChunkStoreFile } from "./store.js";
export { updateIndex, readIndexManifest, resolveInputs, writeGeneration, INDEX_DEFAULTS, type IndexConfig, type IndexManifest, type IndexReport, type IndexProgress, type IndexedChunk } from "./indexer.js";
export { LexicalIndex, type ScoredChunk } from "./lexical.js";
export { retrievalMetrics, distinct, type RetrievalMetrics } from "./metrics.js";
export { jsquadSet, assetSet, wordJaccard, ASSET_PASSAGE_SENTENCES, type RetrievalSet, type Passage } from "./evalsets.js";
export { askGrounded, ASK_DEFAULTS, ANSWER_MODES, type AskConfig, type AskIndex, type AskModels, type AnswerMode, type GroundedAnswer } from "./answer.js";
export { buildGroundedPrompt, groundedMessages, closedBookMessages, type GroundedPrompt, type PromptBudget, type PromptSource } from "./prompt.js";
export { parseCitations, stripCitations, type Citation, type CitedSpan, type ParsedCitations } from "./citations.js";
export { candidateSentences, lexicalScores, modelScores, pickCandidate, uncoveredPhrase, EXTRACT_SCORERS, EXTRACT_SPANS, type Candidate, type ExtractScorer, type ExtractSpan } from "./extract.js";
export type { Complete, Generator, ScoreContinuation } from "./generator.js";
export { localGenerator, localScorer, type LocalModelOptions } from "./local-model.js";
export { langOf, NOT_IN_SOURCES, saysNotInSources, type Lang } from "./language.js";
export { relevance, maxBm25, RELEVANCE_SCALES, type RelevanceScale, type RelevanceSource } from "./relevance.js";
export { sweepThresholds, thresholdPoint, rocAuc, type ThresholdPoint, type ThresholdSweep } from "./threshold.js";
export { normalizeAnswer, normalizeForSupport, exactMatch, charF1, support, type Support } from "./answer-metrics.js";
export { evaluateRag, summarizeRag, RAG_CONDITIONS, type RagCondition, type RagEvalResult, type RagMetrics, type RagRecord } from "./hallucination.js";
export { writeRagEval, writeThreshold, ragEvalTable, thresholdTable } from "./hallucination-report.js";
export { jsquadQa, jcommonsenseQa, type QaItem } from "./qa-sets.js";
export { cpLength, cpSlice } from "./codepoints.js";
export { buildDense, readDenseManifest, openDenseVectors, DenseRetriever, ModeIndex, SEARCH_MODES, DENSE_DIR, type DenseManifest, type DenseBuildReport, type SearchMode } from "./dense-index.js";
export { FlatVectorIndex, writeVectors, readVectors, normalize, topKScores, type VectorIndex } from "./dense-store.js";
export { modelEmbedder, parsePooling, POOLINGS, type Embedder, type EmbedderSpec, type Pooling } from "./embedder.js";
export { rrf, weightedFusion, HybridRetriever, FUSION_METHODS, FUSION_DEFAULTS, RRF_K, type FusionConfig, type FusionMethod } from "./fusion.js";
export { questionLikelihood, rerankByLikelihood } from "./fusion-rerank.js";
export { trainBiEncoder, inverseClozePairs, infoNceObjective, type BiEncoderOptions, type TextPair } from "./dense-train.js";
export { jstsPairs, stsSpearman, spearman, pearson, type StsPair } from "./embed-eval.js";
export { endpointGenerator, type EndpointGeneratorOptions } from "./endpoint-generator.js";
