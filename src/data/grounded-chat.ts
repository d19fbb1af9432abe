// The grounded chat's wording: the system message that asks for an answer from numbered sources citing [n], the
// "Sources:"/"Question:" labels, the fixed "the sources do not say" text, and the message list built from them.
// It sits below rag so that the reading-comprehension training task (data/instruct/reading.ts) teaches exactly the
// prompt `rag ask` and `eval rag` send. Not here: trimming to a context (rag/prompt.ts), language detection and
// recognising the fixed text in a reply (rag/language.ts).

export type Lang = "ja" | "en";

export interface GroundedMessage {
  readonly role: "system" | "user";
  readonly content: string;
}

/** The answer given when the sources do not hold one. */
export const NOT_IN_SOURCES: Readonly<Record<Lang, string>> = { en: "The sources do not say.", ja: "資料には書かれていません。" };

export const GROUNDED_SYSTEM: Readonly<Record<Lang, string>> = {
  en: `Answer the question using only the numbered sources. Cite each source you use as [n]. If the sources do not contain the answer, reply exactly: ${NOT_IN_SOURCES.en}`,
  ja: `番号付きの資料だけを使って質問に答えてください。使った資料は [n] の形で示してください。資料に答えがなければ「${NOT_IN_SOURCES.ja}」とだけ答えてください。`,
};
export const GROUNDED_LABELS: Readonly<Record<Lang, { readonly sources: string; readonly question: string }>> = {
  en: { sources: "Sources:", question: "Question:" },
  ja: { sources: "資料:", question: "質問:" },
};

/** The chat for a question and its numbered sources: a system message, then `Sources:\n[1] …\n[2] …\n\nQuestion: Q`. */
export function groundedMessages(question: string, sources: readonly { readonly n: number; readonly text: string }[], lang: Lang): GroundedMessage[] {
  const l = GROUNDED_LABELS[lang];
  const body = sources.map((s) => `[${s.n}] ${s.text}`).join("\n");
  return [
    { role: "system", content: GROUNDED_SYSTEM[lang] },
    { role: "user", content: `${l.sources}\n${body}\n\n${l.question} ${question}` },
  ];
}
