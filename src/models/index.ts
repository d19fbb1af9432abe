// The models layer's public surface: typed configs and presets, the decoder's weights, forward and files.
// Not here: training (train/) or generation (infer/).
export * from "./config.js";
export * from "./weights.js";
export * from "./decoder.js";
export * from "./io.js";
