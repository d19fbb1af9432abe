// Constrained decoding's public API: GBNF grammars and JSON Schemas compiled to token masks for generate's logits
// hook. Not here: code — this file only re-exports.
export { parseGbnf, type Grammar } from "./gbnf.js";
export { Recognizer } from "./recognizer.js";
export { buildTokenTrie, type TokenTrie } from "./token-trie.js";
export { GrammarMasker, type WalkState } from "./mask.js";
export { jsonSchemaToGbnf, jsonObjectGbnf, gbnfLiteral } from "./json-schema.js";
export { grammarConstraint, readConstraintFile, checkSpec, specGbnf, ConstraintCache, type ConstraintSpec, type GrammarConstraint } from "./constraint.js";
