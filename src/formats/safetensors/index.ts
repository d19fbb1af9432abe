// safetensors public API. Not here: code — this file only re-exports.
export * from "./read.js";
export * from "./write.js";
