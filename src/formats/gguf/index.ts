// GGUF public API: reader, writer, metadata values and the ggml type table.
// Not here: code — this file only re-exports.
export * from "./ggml-types.js";
export * from "./read.js";
export * from "./value.js";
export * from "./write.js";
export * from "./conventions.js";
