// The one Tokenizer interface every tokenizer implements (trained BPE, tokenizer.json, GGUF vocab, llama2.c).
// Not here: any algorithm; see the implementations beside this file and the conformance suite.

import type { ChatTemplates } from "./chat-template.js";

/** Special tokens a tokenizer may define. Ids are absent when the vocabulary has no such token. */
export interface SpecialTokens {
  readonly bos?: number;
  readonly eos?: number;
  readonly pad?: number;
  readonly unk?: number;
}

export interface EncodeOptions {
  /** Prepend BOS (when the tokenizer has one and its format asks for it by default). Default: the format's own
   *  default (llama SPM: true; GPT-2: false). */
  readonly addBos?: boolean;
  /** Recognize special-token strings (e.g. "<|endoftext|>") in the text. Default false: they are plain text. */
  readonly allowSpecial?: boolean;
}

export interface Tokenizer {
  /** Short description, e.g. "bpe (byte-level, 8192 tokens)". */
  readonly kind: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[]): string;
  /** The token's text as stored in the vocabulary (for display). */
  tokenText(id: number): string;
  /** The raw bytes a token stands for when decoded alone (byte-fallback and byte-level tokens included).
   *  Control tokens (BOS, EOS, PAD, chat roles) stand for no bytes: decode() renders them as "". */
  tokenBytes(id: number): Uint8Array;
  /** True when encode() prefixes a space to the text, and to text after an added token, that decode()
   *  removes again (SentencePiece's dummy prefix, as llama.cpp applies it). */
  readonly addsSpacePrefix?: boolean;
  /** True for added tokens (control and user-defined): literal strings matched before the model's algorithm. */
  isAdded?(id: number): boolean;
  /** True for control tokens (BOS, EOS, PAD, chat roles): never produced from plain text unless allowSpecial. */
  isControl?(id: number): boolean;
  /** The chat templates the tokenizer's file carries (GGUF tokenizer.chat_template, tokenizer_config.json
   *  chat_template), attached by the loaders (chat-template-source.ts); absent when the file has none. */
  readonly chatTemplate?: ChatTemplates;
}

