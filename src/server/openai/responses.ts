// Response bodies in OpenAI's shapes: text completions (legacy logprobs: tokens, token_logprobs, top_logprobs,
// text_offset), chat completions (logprobs.content with top_logprobs and bytes), stream chunks of both, embeddings
// (float arrays or base64 of little-endian float32, as the openai client asks by default) and the model list.
// Not here: computing any of it (run-job.ts), sending it (app.ts).
import { randomUUID } from "node:crypto";
import type { ChoiceResult, EmbedResult, GenerationResult, TokenAlt, TokenInfo } from "./protocol.js";

export const newId = (prefix: string): string => `${prefix}-${randomUUID().replace(/-/g, "")}`;
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const usage = (r: { promptTokens: number; completionTokens: number }): { prompt_tokens: number; completion_tokens: number; total_tokens: number } => ({
  prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens,
});

/** The legacy completions logprobs of some tokens; `first` tokens (the prompt's first) have null logprobs. A token's
 *  text_offset is its own `offset` when known (echoed prompt tokens), else the running sum of token lengths from
 *  `offset0`, restarting at `generatedFrom` for the first token without one (the generated tokens after the echo). */
export function completionLogprobs(tokens: readonly (TokenInfo & { first?: boolean; offset?: number })[], offset0 = 0, generatedFrom?: number): Record<string, unknown> {
  let offset = offset0;
  const text_offset = tokens.map((t, i) => {
    if (t.offset === undefined && i > 0 && tokens[i - 1]!.offset !== undefined && generatedFrom !== undefined) offset = generatedFrom;
    const o = t.offset ?? offset;
    offset = o + t.token.length;
    return o;
  });
  return {
    tokens: tokens.map((t) => t.token),
    token_logprobs: tokens.map((t) => (t.first === true ? null : t.logprob)),
    top_logprobs: tokens.map((t) => (t.first === true ? null : Object.fromEntries(t.top.map((a) => [a.token, a.logprob])))),
    text_offset,
  };
}

const chatAlt = (a: TokenAlt): Record<string, unknown> => ({ token: a.token, logprob: a.logprob, bytes: a.bytes });
export const chatLogprobs = (tokens: readonly TokenInfo[]): Record<string, unknown> => ({ content: tokens.map((t) => ({ ...chatAlt(t), top_logprobs: t.top.map(chatAlt) })), refusal: null });

export interface ResponseMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function completionResponse(m: ResponseMeta, r: GenerationResult, withLogprobs: boolean): Record<string, unknown> {
  return {
    id: m.id, object: "text_completion", created: m.created, model: m.model,
    choices: r.choices.map((c: ChoiceResult) => ({
      index: c.index, text: c.text, finish_reason: c.finishReason,
      logprobs: withLogprobs ? completionLogprobs([...c.promptTokens, ...c.tokens], 0, c.echoChars) : null,
    })),
    usage: usage(r),
  };
}

export function chatResponse(m: ResponseMeta, r: GenerationResult, withLogprobs: boolean): Record<string, unknown> {
  return {
    id: m.id, object: "chat.completion", created: m.created, model: m.model, system_fingerprint: null,
    choices: r.choices.map((c) => ({
      index: c.index, message: { role: "assistant", content: c.text, refusal: null }, logprobs: withLogprobs ? chatLogprobs(c.tokens) : null, finish_reason: c.finishReason,
    })),
    usage: usage(r),
  };
}

/** One streamed chat chunk for choice `index`. */
export function chatChunk(m: ResponseMeta, index: number, delta: Record<string, unknown>, logprobs: readonly TokenInfo[] | null, finishReason: string | null): Record<string, unknown> {
  return {
    id: m.id, object: "chat.completion.chunk", created: m.created, model: m.model, system_fingerprint: null,
    choices: [{ index, delta, logprobs: logprobs === null ? null : chatLogprobs(logprobs), finish_reason: finishReason }],
  };
}

/** One streamed completion chunk for choice `index`. */
export function completionChunk(m: ResponseMeta, index: number, text: string, logprobs: readonly TokenInfo[] | null, finishReason: string | null): Record<string, unknown> {
  return { id: m.id, object: "text_completion", created: m.created, model: m.model, choices: [{ index, text, logprobs: logprobs === null ? null : completionLogprobs(logprobs), finish_reason: finishReason }] };
}

/** The last chunk of a stream with stream_options.include_usage: no choices, the usage. */
export const usageChunk = (m: ResponseMeta, object: string, r: GenerationResult): Record<string, unknown> => ({ id: m.id, object, created: m.created, model: m.model, choices: [], usage: usage(r) });

export function embeddingResponse(model: string, r: EmbedResult, base64: boolean): Record<string, unknown> {
  return {
    object: "list", model,
    data: r.vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v })),
    usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
  };
}
