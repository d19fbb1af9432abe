// Instruction tuning (SFT): data formats, the response-only targets, batches and the run.
// Not here: code (re-exports only).
export * from "./formats.js";
export * from "./template.js";
export * from "./examples.js";
export * from "./batches.js";
export * from "./run.js";
