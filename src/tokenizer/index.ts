// Public API of the tokenizer layer: the interface, loaders, trainer, writer and helpers.
// Not here: code — this file only re-exports.
export type { EncodeOptions, SpecialTokens, Tokenizer } from "./tokenizer.js";
export { loadTokenizer, detectTokenizerFile, type TokenizerFileKind } from "./load.js";
export { trainBpe, trainBpeWithStats, type TrainBpeOptions, type TrainStats } from "./train.js";
export { saveHfTokenizer, hfTokenizerJson, loadHfTokenizer, parseHfTokenizer } from "./hf-json.js";
export { loadGgufTokenizer, tokenizerFromGgufMetadata } from "./gguf-vocab.js";
export { loadLlama2cTokenizer, parseLlama2cTokenizer } from "./llama2c.js";
export { ByteLevelBpe, type ByteLevelBpeSpec } from "./bpe.js";
export { SentencePieceBpe, TokenType, type SpmSpec } from "./spm.js";
export { WordPiece, type WordPieceSpec } from "./wordpiece.js";
export { StreamDecoder } from "./stream.js";
export { encodeBatch, encodePadded } from "./batch.js";
export { KOTODAMA_SPECIALS, type AddedToken } from "./special.js";
export { NAMED_PATTERNS, KOTODAMA_PATTERN, GPT2_PATTERN, regexPreTokenizer, type PreTokenizer } from "./pretokenize.js";
export { checkTokenizer, type ConformanceOptions } from "./conformance.js";
export {
  renderChat, compileChatTemplate, parseChatTemplateField, pickChatTemplate, validateMessages, strftime, ChatTemplateError,
  type ChatTemplates, type ChatMessage, type ChatRenderInput, type RenderOptions,
} from "./chat-template.js";
export {
  chatTemplatesFromGguf, chatTemplatesFromHfFolder, ggufChatTemplateEntries, hfTokenizerConfig, saveHfTokenizerConfig, withChatTemplate,
  GGUF_CHAT_TEMPLATE,
} from "./chat-template-source.js";
export { tokenCharStarts } from "./offsets.js";
export { encodeChat, assistantCharSpans, tokenByteOffsets, type AssistantSpan, type EncodedChat, type EncodeChatOptions } from "./chat-encode.js";
export { KOTODAMA_CHAT_TEMPLATE, KOTODAMA_CHAT_TEMPLATES, chatTemplatesFor, hasKotodamaSpecials } from "./kotodama-chat.js";
export { concatBytes } from "./bytes.js";
