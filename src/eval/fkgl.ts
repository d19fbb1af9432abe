// Flesch–Kincaid grade level (Kincaid et al. 1975) as EASSE's corpus_fkgl computes it: each text 13a-tokenized
// (so punctuation tokens count as words of 0 syllables, as in EASSE), split into sentences, then
// max(0, 0.39 · words/sentences + 11.8 · syllables/words − 15.59) over the whole corpus. Syllables: EASSE's
// heuristic (easse/utils/text.py, from nltk_contrib's syllables_en): drop trailing e's, count vowel groups
// (a e i o u y), +1 / −1 for a few spelling patterns. Differences from EASSE, stated: sentences are split at
// . ! ? followed by a space (EASSE uses NLTK's punkt), and EASSE's list of ~70 special-cased words is left out,
// except "the" (1). Not here: SARI, BLEU.
import { tokenize13a } from "./tokenize-13a.js";

const ADD = [/ia/, /riet/, /dien/, /iu/, /io/, /ii/, /[aeiouy]bl$/, /mbl$/, /[aeiou]{3}/, /^mc/, /ism$/, /(.)(?!\1)([aeiouy])\2l$/, /[^l]llien/, /^coad./, /^coag./, /^coal./, /^coax./, /(.)(?!\1)[gq]ua(.)(?!\2)[aeiou]/, /dnt$/];
const SUBTRACT = [/cial/, /tia/, /cius/, /cious/, /gui/, /ion/, /iou/, /sia$/, /.ely$/];

/** Syllables of one word by EASSE's heuristic (0 for a token with no vowel, e.g. punctuation). */
export function syllables(word: string): number {
  let w = word.toLowerCase().trim();
  if (w === "the") return 1;
  w = w.replace(/e+$/, "");
  let count = 0, prev = false;
  for (const ch of w) {
    const v = "aeiouy".includes(ch);
    if (v && !prev) count++;
    prev = v;
  }
  for (const r of ADD) if (r.test(w)) count++;
  for (const r of SUBTRACT) if (r.test(w)) count--;
  return count;
}

/** Sentences of a text: split after . ! ? (and closing quotes) followed by whitespace. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?]["')\]]*)\s+/).map((s) => s.trim()).filter((s) => s !== "");
}

/** Corpus FKGL of the texts. */
export function corpusFkgl(texts: readonly string[]): number {
  let words = 0, syl = 0, sents = 0;
  for (const t of texts) {
    for (const s of splitSentences(tokenize13a(t))) {
      const ws = s.split(" ").filter((x) => x !== "");
      words += ws.length;
      syl += ws.reduce((a, w) => a + syllables(w), 0);
      sents++;
    }
  }
  if (sents === 0 || words === 0) return 0;
  return Math.max(0, 0.39 * (words / sents) + 11.8 * (syl / words) - 15.59);
}
