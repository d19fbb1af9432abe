// The inference layer's public API: load a model for inference, generate (async iterator), score, sample.
// Not here: code — this file only re-exports.
export { openInferModel, createInferModel, type InferModel } from "./model.js";
export { DecodeBatcher, MAX_DECODE_BATCH } from "./decode-batcher.js";
export { generate, generateText, promptIds, type GeneratedToken, type GenerateHooks, type GenerateResult, type FinishReason, type LogitsHook, type AllowsHook } from "./generate.js";
export { scoreText, rankTexts, windowedPerplexity, type TextScore, type ScoredToken, type NextToken, type PerplexityResult, type ScoreOptions } from "./score.js";
export { Sampler, applyPenalties, samplingDistribution, argmax } from "./sampler.js";
export { parseGenerateOptions, generateOptionFlags, flagName, GENERATE_OPTION_SPECS, DEFAULT_GENERATE_OPTIONS, type GenerateOptions, type SamplerOptions } from "./options.js";
export { createKvCache, truncateKvCache, type KvCache } from "./kv-cache.js";
export { createInferState, decodeStep, prefill, decodeBatch, prefillBatch, inferKernels, type InferState, type LogitsSink } from "./forward.js";
export { packWeights, packDecoderWeights, matrixRows, type InferWeights, type InferLayer, type Matrix, type QuantRows } from "./weights.js";
export { logSumExp, logprobOf, topLogprobs, type TokenLogprob } from "./logprobs.js";
export { resolveContext, type ContextPlan } from "./context.js";
export { ChatSession, endOfTurnIds, type ChatReply, type ChatSessionOptions, type ChatBeamOptions, type ChatBeamReply } from "./chat.js";
export { generateBatch, type BatchSequence, type BatchResult, type GenerateBatchOptions } from "./generate-batch.js";
export { KvCachePool } from "./slots.js";
export { StopText } from "./stop-text.js";
export { beamSearch, beamSearchText, parseBeamOptions, DEFAULT_BEAM_OPTIONS, type BeamOptions, type BeamConstraint, type BeamHypothesis, type BeamResult, type BeamTextHypothesis, type BeamModel } from "./beam.js";
export { subsequenceConstraint, sourceUnits, type SubsequenceConstraint, type SubsequenceOptions, type SubsequenceState, type SourceUnit } from "./subsequence.js";
export { copySpanConstraint, copySpanText, type CopySpanConstraint } from "./copy-span.js";
export { bothConstraints } from "./constraint-pair.js";
export { lexicalConstraint, parseLexicalSpec, checkLexical, occurrences, type LexicalSpec, type LexicalConstraint, type LexicalState } from "./lexical.js";
export { grammarBeamConstraint, jointConstraint } from "./beam-grammar.js";
export * from "./constrain/index.js";
