// ROUGE-L F1 (Lin 2004: precision and recall of the longest common subsequence of words) of a candidate against
// one or several references, taking the best reference. The LCS and F-measure are js-rouge's (the maintained
// ROUGE package on npm, MIT, by promptfoo): it is used with a plain lower-cased word tokenizer and one segment
// per text, so the score is sentence-level ROUGE-L on words, not its default Penn-Treebank, sentence-split
// summary-level variant. Not here: other ROUGE variants, SARI, stemming (rouge-score's optional Porter stemmer
// is off here, as in its default).
import { l as rougeLcsF } from "js-rouge";

/** Lower-cased words: runs of letters, digits and inner apostrophes (rouge-score's tokenizer keeps [a-z0-9]
 *  runs; apostrophes are kept here so that "don't" stays one word). Punctuation is not a word. */
export function rougeWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? [];
}

const asSentence = (text: string): string[] => [text];

/** ROUGE-L F1 of `candidate` against one reference; 0 when either has no word. */
export function rougeL(candidate: string, reference: string): number {
  if (rougeWords(candidate).length === 0 || rougeWords(reference).length === 0) return 0; // js-rouge throws on empty text
  return rougeLcsF(candidate, reference, { beta: 1, caseSensitive: false, tokenizer: rougeWords, segmenter: asSentence });
}

/** The best ROUGE-L F1 over the references (multi-reference ROUGE as rouge-score's score_multi: the max). */
export function rougeLMax(candidate: string, references: readonly string[]): number {
  return references.reduce((best, r) => Math.max(best, rougeL(candidate, r)), 0);
}
