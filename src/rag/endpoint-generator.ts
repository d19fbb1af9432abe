// A ChatResponder (an OpenAI-compatible endpoint, src/infer/endpoint.ts) as grounded answering's Generator: each
// chat is one greedy /chat/completions request. The server does not say how many tokens a prompt takes or how long
// its context is, so the prompt is sized either exactly, by the chat template and tokenizer of the served model
// when the caller has them, or by an upper bound (UTF-8 bytes plus a per-message allowance for the template).
// The copy mode sends kotodama serve's `copy_from` field and checks the answer is a span of a source.
// Not here: HTTP (src/infer), the model-scored extractive mode (endpoint-scorer.ts), the pipeline (answer.ts).
import { EndpointResponder } from "../infer/endpoint.js";
import type { ChatResponder, ChatTurn } from "../infer/responder.js";
import { copySpanText } from "../infer/copy-span.js";
import { KotodamaError } from "../util/errors.js";
import type { ChatMessage, Generator } from "./generator.js";

/** Template tokens allowed per message and per chat by the byte bound (kotodama's template takes 2–3 per
 *  message; Llama 3's 4–5; ChatML's 4). */
export const BYTE_BOUND_ALLOWANCE = { perMessage: 16, perChat: 16 } as const;

export interface EndpointGeneratorOptions {
  /** Tokens the served model attends to (prompt + reply). */
  readonly contextTokens: number;
  /** Exact prompt tokens (the served model's template and tokenizer); absent: the byte bound. */
  readonly countTokens?: (messages: readonly ChatMessage[]) => number;
}

const utf8 = new TextEncoder();

/** An upper bound of a chat's prompt tokens for byte-level BPE and SentencePiece-with-byte-fallback vocabularies
 *  (no token is shorter than one byte of text), with BYTE_BOUND_ALLOWANCE for the template around the messages. */
export function byteBoundTokens(messages: readonly ChatMessage[]): number {
  let n = BYTE_BOUND_ALLOWANCE.perChat;
  for (const m of messages) n += utf8.encode(textOf(m)).length + BYTE_BOUND_ALLOWANCE.perMessage;
  return n;
}

function textOf(m: ChatMessage): string {
  if (typeof m.content === "string") return m.content;
  throw new KotodamaError(`rag endpoint: message with role '${m.role}' has no plain-text content`);
}

function turnOf(m: ChatMessage): ChatTurn {
  if (m.role !== "system" && m.role !== "user" && m.role !== "assistant") throw new KotodamaError(`rag endpoint: message role '${m.role}' is not system, user or assistant`);
  return { role: m.role, content: textOf(m) };
}

/** The responder as a Generator: one greedy answer per chat, at most maxTokens tokens. */
export function endpointGenerator(responder: ChatResponder, o: EndpointGeneratorOptions): Generator {
  if (!Number.isSafeInteger(o.contextTokens) || o.contextTokens < 8) throw new KotodamaError(`rag endpoint: contextTokens must be an integer ≥ 8, got ${o.contextTokens}`);
  return {
    contextTokens: o.contextTokens,
    countTokens: o.countTokens ?? byteBoundTokens,
    async complete(messages, { maxTokens }) {
      const [a] = await responder.answer([messages.map(turnOf)], { maxTokens });
      if (a === undefined) throw new KotodamaError(`rag endpoint: ${responder.name} gave no answer`);
      return a.text;
    },
    ...(responder instanceof EndpointResponder ? {
      // Copy-constrained decoding happens on the server: kotodama serve takes `copy_from`. A server that ignores the
      // field answers freely, which is caught here (the answer must be a span of a source).
      async copy(messages: readonly ChatMessage[], { maxTokens, copyFrom }: { readonly maxTokens: number; readonly copyFrom: readonly string[] }) {
        const a = await responder.answerOne(messages.map(turnOf), { maxTokens }, undefined, { copy_from: copyFrom });
        const text = copySpanText(a.text);
        if (text === "") return { text, source: null };
        const source = copyFrom.findIndex((s) => s.includes(text));
        if (source < 0) throw new KotodamaError(`rag endpoint: ${responder.name} ignored copy_from (its answer is not a span of any source); the copy mode needs a server that constrains its decoder, such as kotodama serve`);
        return { text, source };
      },
    } : {}),
  };
}
