// ChatResponder: anything that answers a batch of conversations greedily and in order — a local kotodama model
// (eval/safety/run.ts localResponder) or an OpenAI-compatible endpoint (endpoint.ts) — so that evaluation code takes
// either. Not here: any implementation, decoding or HTTP.

/** One message of a conversation (the subset of OpenAI's chat message that both sides understand). */
export interface ChatTurn {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** How to answer: greedy decoding (temperature 0), at most maxTokens answer tokens, the seed passed along. */
export interface AnswerOptions {
  readonly maxTokens: number;
  /** Passed to the decoder or the server (greedy answers do not depend on it where the server is deterministic). */
  readonly seed?: number;
  /** Called with the number of conversations answered so far. */
  readonly onProgress?: (done: number) => void;
}

/** The answer's tokens under a local model: what the KL from a reference needs (eval/safety/kl.ts). */
export interface AnswerTokens {
  readonly promptIds: readonly number[];
  readonly ids: readonly number[];
  /** log π(ids[t] | prompt, ids<t) under the model that answered. */
  readonly logprobs: readonly number[];
}

export interface ChatAnswer {
  /** The answer, trimmed. */
  readonly text: string;
  /** Tokens generated (the server's usage.completion_tokens for an endpoint; 0 when it reports none). */
  readonly generatedTokens: number;
  /** Present for local models only: an endpoint gives neither its token ids nor their log-probabilities. */
  readonly tokens?: AnswerTokens;
}

export interface ChatResponder {
  /** What answered, for reports ("kotodama model runs/sft", "endpoint http://…/v1 model x"). */
  readonly name: string;
  /** Settings worth writing beside the results (batch, concurrency, URL, …; never a key). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** One answer per conversation, in order. */
  answer(conversations: readonly (readonly ChatTurn[])[], options: AnswerOptions): Promise<ChatAnswer[]>;
}
