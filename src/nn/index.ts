// The nn layer's public surface: typed weight records of the decoder's modules with init and forward.
// Not here: the decoder that composes them (models/); optimizer code (nn/optim/, re-exported here).
export { biasName, createLinear, f32Weight, linearForward, type LinearWeights, type LinearInit } from "./linear.js";
export { createLoraAdapter, loraAdapterFrom, loraDelta, loraForward, type LoraAdapter, type LoraAdapterInit, type LoraDropout, type LoraInit } from "./lora.js";
export { createEmbedding, embeddingForward } from "./embedding.js";
export { createNorm, normForward, type NormKind, type NormWeights } from "./norm.js";
export { packedPositions, positions, ropeForward, type RopeSettings } from "./rope.js";
export { mlpForward, type MlpWeights } from "./mlp.js";
export { attentionForward, projectQkv, type AttentionWeights, type AttentionShape, type QkvWeights } from "./attention.js";
export { AdamW, ADAMW_DEFAULTS, resolveAdamWConfig, type AdamWConfig, type AdamWState, type ParamGroup } from "./optim/adamw.js";
export { clipGradNorm, gradNorm } from "./optim/clip.js";
