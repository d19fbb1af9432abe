// The OpenAI-compatible server's public API: start it, and the pieces the CLI needs to configure it.
// Not here: code — this file only re-exports.
export { startOpenAIServer, builtBundle, SERVE_DEFAULTS, type ServeOptions, type RunningServer } from "./server.js";
export { ApiKeys, readKeyFile } from "./auth.js";
export { resolveModelSpecs, resolveCefrSpec, parseModelFlag, defaultModelName } from "./model-specs.js";
export type { ModelSpec } from "./protocol.js";
export type { ExplorerOptions } from "./explorer-app.js";
