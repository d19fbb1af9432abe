// kotodama's library entry point: each layer as a namespace, bottom-up (see docs/architecture.md).
// Not here: any code of its own; import a layer's index directly when you need only that layer.
export * as engine from "./engine/index.js";
export * as tensor from "./tensor/index.js";
export * as tokenizer from "./tokenizer/index.js";
export * as formats from "./formats/index.js";
export * as nn from "./nn/index.js";
export * as models from "./models/index.js";
export * as data from "./data/index.js";
export * as train from "./train/index.js";
export * as infer from "./infer/index.js";
export * as rag from "./rag/index.js";
export * as safety from "./safety/index.js";
