// The train layer's public surface: run configs, token data, schedule, checkpoints, metrics, plots, the loop.
// Not here: code (re-exports only).
export * from "./config.js";
export * from "./data.js";
export * from "./schedule.js";
export * from "./checkpoint.js";
export * from "./metrics.js";
export * from "./plot.js";
export * from "./loop.js";
export * from "./prepare.js";
