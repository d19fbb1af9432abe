// Text → index terms for BM25, Japanese-aware. Three analyzers, compared on JSQuAD in docs/rag.md:
//   bigram: runs of CJK characters (kanji, kana, ー) become overlapping character bigrams (a lone character stays
//           a unigram), as Lucene's CJKAnalyzer does; other letters and digits become whole words.
//   word:   Intl.Segmenter("ja", { granularity: "word" }) (ICU's dictionary segmentation), word-like segments only.
//   union:  the word list plus the CJK bigrams, bigrams prefixed with "\u0002" so that a word and a bigram with the same characters
//           stay different terms.
// All first apply NFKC and lowercase (全角ＡＢＣ → abc, ｶﾀｶﾅ → カタカナ). Not here: scoring (bm25.ts).
import { KotodamaError } from "../util/errors.js";

export type AnalyzerName = "bigram" | "word" | "union";
export const ANALYZERS: readonly AnalyzerName[] = ["bigram", "word", "union"];

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆ヶ]/u;
const WORDCHAR = /[\p{L}\p{N}]/u;

export const normalizeForTerms = (text: string): string => text.normalize("NFKC").toLowerCase();

/** Splits text into runs of `isRun` characters (each given as its characters) and words of `isWord` characters
 *  (given whole), in order; anything else separates. `isWord` sees the word so far (an apostrophe may continue one). */
export function scanRunsAndWords(text: string, isRun: (ch: string) => boolean, isWord: (ch: string, word: string) => boolean, onRun: (run: readonly string[]) => void, onWord: (word: string) => void): void {
  let run: string[] = [];
  let word = "";
  const endRun = (): void => {
    if (run.length > 0) onRun(run);
    run = [];
  };
  const endWord = (): void => {
    if (word !== "") onWord(word);
    word = "";
  };
  for (const ch of text) {
    if (isRun(ch)) {
      endWord();
      run.push(ch);
    } else if (isWord(ch, word)) {
      endRun();
      word += ch;
    } else {
      endRun();
      endWord();
    }
  }
  endRun();
  endWord();
}

/** CJK bigrams and non-CJK words of already-normalized text. */
function bigrams(text: string, prefix: string, keepWords: boolean, out: string[]): void {
  scanRunsAndWords(
    text,
    (ch) => CJK.test(ch),
    (ch) => WORDCHAR.test(ch),
    (run) => {
      if (run.length === 1) out.push(prefix + (run[0] as string));
      for (let i = 0; i + 1 < run.length; i++) out.push(prefix + (run[i] as string) + (run[i + 1] as string));
    },
    (word) => {
      if (keepWords) out.push(word);
    },
  );
}

/** A word analyzer owns its Intl.Segmenter (built once per analyzer, not per call). */
function words(segmenter: Intl.Segmenter, text: string, out: string[]): void {
  for (const s of segmenter.segment(text)) if (s.isWordLike === true) out.push(s.segment);
}

export type Analyzer = (text: string) => string[];

export function makeAnalyzer(name: AnalyzerName): Analyzer {
  const segmenter = name === "bigram" ? null : new Intl.Segmenter("ja", { granularity: "word" });
  return (text) => {
    const t = normalizeForTerms(text);
    const out: string[] = [];
    if (segmenter !== null) words(segmenter, t, out);
    if (name !== "word") bigrams(t, name === "union" ? "\u0002" : "", name === "bigram", out);
    return out;
  };
}

export function parseAnalyzer(v: string, where: string): AnalyzerName {
  if ((ANALYZERS as readonly string[]).includes(v)) return v as AnalyzerName;
  throw new KotodamaError(`${where}: unknown analyzer '${v}'; expected one of ${ANALYZERS.join(", ")}`);
}
