// What grounded answering needs from a language model, as two small function types, so that a kotodama model
// and an OpenAI-compatible endpoint plug into the same pipeline: complete a chat, count a chat's prompt tokens.
// Not here: any implementation (local-model.ts for a kotodama model; the endpoint client lives in src/infer).
import type { ChatMessage } from "../tokenizer/index.js";

export type { ChatMessage };

/** Greedy (or the implementation's default) completion of a chat; resolves to the assistant's reply text. */
export type Complete = (messages: readonly ChatMessage[], options: { readonly maxTokens: number }) => Promise<string>;

/** A copy-constrained reply (infer/copy-span.ts): its text, a span of copyFrom[source]. */
export interface CopiedReply {
  readonly text: string;
  readonly source: number | null;
}

/** A chat model as grounded answering uses it. */
export interface Generator {
  readonly complete: Complete;
  /** Copy-constrained completion (absent: the generator cannot constrain its decoder, e.g. an endpoint). */
  readonly copy?: (messages: readonly ChatMessage[], options: { readonly maxTokens: number; readonly copyFrom: readonly string[] }) => Promise<CopiedReply>;
  /** Prompt tokens the chat takes, as the model will see it (template included). */
  countTokens(messages: readonly ChatMessage[]): number;
  /** Tokens the model can attend to: prompt + reply must fit. */
  readonly contextTokens: number;
}

/** A continuation to score after a prefix. */
export interface ContinuationPair {
  readonly prefix: string;
  readonly continuation: string;
}

/** log p(continuation | prefix) under a language model for each pair, summed over the continuation's tokens, and how
 *  many tokens were scored (the continuation may be cut to fit the context). Batched and async, so that a local model
 *  (local-model.ts) and an endpoint's /v1/completions echo (endpoint-scorer.ts: one request for all pairs) both fit.
 *  Used by the model-scored extractive mode. */
export type ScoreContinuation = (pairs: readonly ContinuationPair[]) => Promise<{ readonly logprob: number; readonly tokens: number }[]>;
