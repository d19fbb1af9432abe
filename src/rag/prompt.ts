// The grounded prompt: numbered sources [1] … [k] and the question, in a chat that asks for an answer citing [n],
// trimmed to the model's context by keeping the best-ranked sources (and cutting the best one when even it alone
// does not fit); and the closed-book prompt (the question alone) it is compared with.
// Not here: retrieval (lexical.ts), calling the model (answer.ts), parsing citations (citations.ts).
import { KotodamaError } from "../util/errors.js";
import { cpLength, cpSlice } from "./codepoints.js";
import type { ChatMessage } from "./generator.js";
import type { Lang } from "./language.js";
import { groundedMessages as sharedGroundedMessages } from "../data/grounded-chat.js";
import type { Chunk } from "./types.js";

/** A chunk as it went into the prompt: number n (1-based), and the span of its document the prompt holds —
 *  the whole chunk, or its first code points when it was cut to fit (truncated). */
export interface PromptSource {
  readonly n: number;
  readonly docId: string;
  readonly source: string;
  /** Code points into the document's text, end exclusive; text is exactly that span. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly score: number;
  readonly truncated: boolean;
}

export interface GroundedPrompt {
  readonly messages: ChatMessage[];
  readonly sources: PromptSource[];
  /** Retrieved chunks left out for lack of room. */
  readonly dropped: number;
}

/** How much room there is: the prompt must leave answerTokens of contextTokens free. */
export interface PromptBudget {
  countTokens(messages: readonly ChatMessage[]): number;
  readonly contextTokens: number;
  readonly answerTokens: number;
}

/** The chat for a question and its numbered sources (the wording lives in data/grounded-chat.ts, which the
 *  reading-comprehension training task shares, so a tuned model sees at training time what it is asked here). */
export const groundedMessages = (question: string, sources: readonly { readonly n: number; readonly text: string }[], lang: Lang): ChatMessage[] => sharedGroundedMessages(question, sources, lang).map((m) => ({ role: m.role, content: m.content }));

const CLOSED_BOOK: Readonly<Record<Lang, string>> = { en: "Answer the question briefly.", ja: "質問に簡潔に答えてください。" };

/** The chat for a question with no sources (closed book). */
export const closedBookMessages = (question: string, lang: Lang): ChatMessage[] => [
  { role: "system", content: CLOSED_BOOK[lang] },
  { role: "user", content: question },
];

const asSource = (c: Chunk & { readonly score: number }, n: number, len: number, total: number): PromptSource => ({
  n, docId: c.docId, source: c.source, start: c.start, end: c.start + len, text: len === total ? c.text : cpSlice(c.text, 0, len), score: c.score, truncated: len < total,
});

/** The prompt for `ranked` (best first): the longest prefix of the ranking whose chat fits the budget; when not
 *  even the best chunk fits whole, its longest leading part that fits (found by bisection on code points).
 *  Throws when the question leaves no room for any source. */
export function buildGroundedPrompt(question: string, ranked: readonly (Chunk & { readonly score: number })[], budget: PromptBudget, lang: Lang): GroundedPrompt {
  const room = budget.contextTokens - budget.answerTokens;
  const fits = (srcs: readonly PromptSource[]): boolean => budget.countTokens(groundedMessages(question, srcs, lang)) <= room;
  const kept: PromptSource[] = [];
  for (const c of ranked) {
    const total = cpLength(c.text);
    const whole = asSource(c, kept.length + 1, total, total);
    if (fits([...kept, whole])) {
      kept.push(whole);
      continue;
    }
    if (kept.length === 0) {
      let lo = 0; // fits
      let hi = total; // does not fit
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (fits([asSource(c, 1, mid, total)])) lo = mid;
        else hi = mid;
      }
      if (lo === 0) {
        throw new KotodamaError(`rag: the question and instructions take ${budget.countTokens(groundedMessages(question, [], lang))} tokens, leaving no room for a source within the ${budget.contextTokens}-token context (${budget.answerTokens} kept for the answer)`);
      }
      kept.push(asSource(c, 1, lo, total));
    }
    break;
  }
  return { messages: groundedMessages(question, kept, lang), sources: kept, dropped: ranked.length - kept.length };
}
