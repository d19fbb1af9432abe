// The engine's public API: the op table's types, storage dtypes, and choosing a backend.
// Not here: kernels (backends/), validation internals or the conformance suite (imported directly by tests).

export * from "./ops.js";
export * from "./dtype.js";
export { nativeMinHashKernel, type MinHashKernel } from "./hashing.js";
export { loadBackend, alignedF32, nativeAdviseHugePages, nativeBpeMerge, nativeStatus, nativeTopK, unvalidated, withQuantActivations, type BackendKind, type LoadBackendOptions, type NativeStatus } from "./backend.js";
export { withValidation } from "./validate.js";
