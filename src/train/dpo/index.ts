// Preference optimization with DPO: the loss, pair batches, the cached reference and the run.
// Not here: code (re-exports only).
export * from "./loss.js";
export * from "./pairs.js";
export * from "./reference.js";
export * from "./run.js";
