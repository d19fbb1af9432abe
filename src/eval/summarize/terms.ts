// Content terms of Japanese and English text, for attributing a summary sentence to the source sentences it came
// from: English words (NFKC, lowercased, stop words dropped, a plural "s" stripped) and, in Japanese, character
// bigrams of kanji/katakana runs (a lone kanji stays a unigram). Hiragana is left out on purpose: it carries the
// endings and particles (「った。」「ている」「の」) that every sentence shares, not content.
// Not here: the attribution itself (attribute.ts), BM25 analyzers for retrieval (rag/analyzer.ts, whose scanner this
// shares).
import { scanRunsAndWords } from "../../rag/analyzer.js";

const CONTENT_CJK = /[\p{Script=Han}\p{Script=Katakana}ー々〆ヶ]/u;
const HAN = /\p{Script=Han}/u;
const LATIN_OR_DIGIT = /[\p{Script=Latin}\p{N}]/u;

/** Common English function words (articles, pronouns, auxiliaries, prepositions, conjunctions). */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  ("a an the and or but nor so yet if then than that this these those there here of in on at to for from by with " +
    "about into onto over under after before between through during without within as is are was were be been being " +
    "am do does did done have has had having it its it's he she they them their theirs his her hers him we us our you " +
    "your i me my mine who whom whose which what when where why how not no all any some each every both more most " +
    "other such only own same too very can could will would shall should may might must also just one ones").split(" "),
);

/** The content terms of text, with repeats (callers that need a set make one). */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  scanRunsAndWords(
    text.normalize("NFKC").toLowerCase(),
    (ch) => CONTENT_CJK.test(ch),
    (ch, word) => LATIN_OR_DIGIT.test(ch) || (ch === "'" && word !== ""),
    (run) => {
      if (run.length === 1 && HAN.test(run[0]!)) out.push(run[0]!);
      for (let i = 0; i + 1 < run.length; i++) out.push(run[i]! + run[i + 1]!);
    },
    (word) => {
      if (word.length >= 2 && !ENGLISH_STOPWORDS.has(word)) out.push(word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word);
    },
  );
  return out;
}
