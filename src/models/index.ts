// The models layer's public surface: typed configs and presets, the decoder's weights, forward and files, LoRA.
// Not here: training (train/) or generation (infer/).
export * from "./config.js";
export * from "./weights.js";
export * from "./decoder.js";
export * from "./io.js";
export * from "./lora.js";
export * from "./lora-peft.js";
export * from "./lora-gguf.js";
