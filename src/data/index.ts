// Public API of the data layer: config, pipeline, the stages one by one, shards and the training loop's reader.
// Not here: code — this file only re-exports.
export { parseConfig, sharedCorporaConfigJson, PIPELINE_DEFAULTS, type PipelineConfig, type ShardsConfig, type Stage } from "./config.js";
export { runPipeline, type PipelineOptions, type PipelineResult, type Progress, type TokenizerInput } from "./pipeline.js";
export { writeReport, summarize, histogramSvg, type ReportInput } from "./report.js";
export { readFile, resolveFiles, formatOf, SOURCE_DEFAULTS, SOURCE_FORMATS, type Doc, type SourceConfig, type SourceFormat, type ReadIssue, type IssueKind } from "./readers.js";
export { byteChunks, compressionOf, type Compression } from "./decompress.js";
export { guessEncoding, firstInvalidUtf8, replaceLoneSurrogates, ENCODING_SETTINGS, type EncodingSetting, type TextEncodingName, type GuessedEncoding, type LoneSurrogates } from "./encoding.js";
export { readWarcDocs, type WarcDoc, type WarcReadOptions } from "./warc.js";
export { htmlToText, decodeEntities } from "./htmltext.js";
export { normalizeText, NORMALIZE_DEFAULTS, type NormalizeConfig } from "./normalize.js";
export { createLanguageIdentifier, keepLanguage, LANGID_DEFAULTS, type LangIdConfig, type LanguageIdentifier } from "./langid.js";
export { judgeQuality, cjkShare, QUALITY_DEFAULTS, type QualityConfig, type QualityVerdict } from "./quality.js";
export { createToxicityMatcher, TOXICITY_DEFAULTS, type ToxicityConfig, type ToxicityMatcher } from "./toxicity.js";
export { scrubPii, luhnValid, isCreditCard, PII_DEFAULTS, PII_PLACEHOLDER, type PiiConfig, type PiiKind, type PiiResult } from "./pii.js";
export { Deduplicator, Key52Set, exactKey, type DedupConfig, type DedupVerdict } from "./dedup.js";
export { MinHasher, LshIndex, estimateJaccard, shingleHashes, candidateProbability, MINHASH_DEFAULTS, type MinHashConfig } from "./minhash.js";
export { NgramSet, DECONTAMINATE_DEFAULTS, type DecontaminateConfig } from "./decontaminate.js";
export { loadEvalSets, parseCsv, EVAL_SETS, type EvalSetName, type EvalText } from "./evalsets.js";
export { loadUserEvalFile, buildEvalNgrams, resolveUserEvalFiles, type UserEvalText, type EvalNgrams } from "./userevals.js";
export { isValidation, repeats, SPLIT_DEFAULTS, type SplitConfig } from "./split.js";
export { ShardWriter, ShardReader, decodeHeader, bytesPerTokenFor, SHARD_HEADER_BYTES, type ShardHeader, type TokenBatch } from "./shards.js";
export { openSplit, readManifest, type Manifest, type ShardEntry, type SplitEntry, type SourceEntry } from "./manifest.js";
export { unitHashes } from "./units.js";
export { buildInstructData, instructHeldOutTexts, PRETRAIN_DECONTAMINATION_SOURCES, type InstructData, type InstructProgress } from "./instruct/build.js";
export { parseInstructConfig, INSTRUCT_DEFAULTS, type InstructConfig } from "./instruct/config.js";
export { doNotAnswerHeldOutIds, readSplits, type SplitsFile, type HeldOutSet } from "./instruct/split.js";
export { readExamples, parseExample, TASKS, type InstructExample, type TaskName } from "./instruct/example.js";
export { writeInstructData, type InstructManifest } from "./instruct/writer.js";
