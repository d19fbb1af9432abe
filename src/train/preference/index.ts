// Public API of preference labelling: pairs and prompts files, label records and the --out file, the session that
// picks the next pair, and pairs sampled from a model.
// Not here: code — this file only re-exports.
export { readPairs, readPrompts, promptOf, type PairId, type PreferencePair, type PromptItem, type PromptMessage, type Prompted } from "./pairs.js";
export { labelRecord, LabelFile, CHOICES, type Choice, type PreferenceRecord } from "./labels.js";
export { LabelSession, LabelConflict, pairsSource, type LabelState, type PairSource } from "./session.js";
export { SampledPairs, type SampleConfig } from "./sample.js";
