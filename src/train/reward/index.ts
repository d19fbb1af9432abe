// Reward models: the Bradley–Terry loss, held-out evaluation with calibration and baselines, the run, and a
// trained reward model in use. Not here: code (re-exports only).
export * from "./loss.js";
export * from "./eval.js";
export * from "./run.js";
export * from "./model.js";
