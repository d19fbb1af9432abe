// Which language a question is in (Japanese when it holds kana or kanji, else English), and the fixed texts that
// depend on it: the answer when the sources do not hold one
// (its text lives in data/grounded-chat.ts, beside the prompt wording). Not here: prompts (prompt.ts).
import type { Lang } from "../data/grounded-chat.js";

export type { Lang };
export { NOT_IN_SOURCES } from "../data/grounded-chat.js";

/** Japanese when the text holds any hiragana, katakana or CJK ideograph. */
export const langOf = (text: string): Lang => (/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(text) ? "ja" : "en");

/** True when a reply is (or contains) the fixed "the sources do not say" text of either language. */
export const saysNotInSources = (reply: string): boolean => {
  const r = reply.normalize("NFKC").toLowerCase();
  return r.includes("the sources do not say") || r.includes("資料には書かれていません");
};
