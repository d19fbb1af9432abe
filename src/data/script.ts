// The script fast path of language identification: a document whose letters are plainly Japanese (kana), plainly
// in a script that only one of eld's 60 languages uses (Hangul → ko, Greek → el, Thai → th, …) or plainly English
// (ASCII letters only, and English function words) is labelled without the n-gram model. Not here: the model
// (langid.ts calls eld for everything this returns null for) or the keep decision.
//
// Scripts shared by several of eld's languages (Latin beyond plain English, Cyrillic, Arabic, Devanagari, Han
// without kana) always go to the model. Thresholds were measured against eld on TinyStories, Aozora, nlp-corpus
// and a multilingual set (docs/data.md "langid"): where the fast path answers, it agrees with eld except on
// documents eld itself gets wrong (short English lines it calls another language).

// Class 0: not a letter.
const OTHER_LETTER = 1; // a letter of a script several languages share (Cyrillic, Arabic, Devanagari, ...)
const ASCII_LATIN = 2;
const LATIN = 3; // Latin letters outside ASCII (é, ß, ą, ...)
const KANA = 4;
const HAN = 5;
const FIRST_UNIQUE = 6; // scripts from here on map to exactly one eld language

/** Scripts used by exactly one of eld's languages, in the order of their class numbers from FIRST_UNIQUE. */
const UNIQUE: readonly (readonly [script: string, lang: string])[] = [
  ["Hangul", "ko"],
  ["Greek", "el"],
  ["Hebrew", "he"],
  ["Thai", "th"],
  ["Bengali", "bn"],
  ["Gurmukhi", "pa"],
  ["Gujarati", "gu"],
  ["Oriya", "or"],
  ["Tamil", "ta"],
  ["Telugu", "te"],
  ["Kannada", "kn"],
  ["Malayalam", "ml"],
  ["Lao", "lo"],
  ["Georgian", "ka"],
  ["Armenian", "hy"],
  ["Ethiopic", "am"],
];
const NCLASS = FIRST_UNIQUE + UNIQUE.length;

/** Script class per UTF-16 code unit (immutable, computed once). Surrogates are OTHER. */
const CLASS: Uint8Array = new Uint8Array(65536);
(() => {
  const letter = /[\p{L}\p{M}]/u;
  const tests: [RegExp, number][] = [
    [/\p{Script=Latin}/u, LATIN],
    [/[\p{Script=Hiragana}\p{Script=Katakana}\u30FC]/u, KANA],
    [/\p{Script=Han}/u, HAN],
    ...UNIQUE.map(([s], i): [RegExp, number] => [new RegExp(`\\p{Script=${s}}`, "u"), FIRST_UNIQUE + i]),
  ];
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
      CLASS[c] = ASCII_LATIN;
      continue;
    }
    const s = String.fromCharCode(c);
    if (c !== 0x30fc && !letter.test(s)) continue;
    CLASS[c] = OTHER_LETTER;
    for (const [re, k] of tests) {
      if (re.test(s)) {
        CLASS[c] = k;
        break;
      }
    }
  }
})();

/** English function words that are not words of the other Latin-script languages eld knows when written in ASCII
 *  ("the", "and", "she", ...), and frequent ones that are ("a", "in", "is", "of", "to", "was", "for", "her", "at",
 *  "as", "so", "me", "will": Spanish, German, Dutch, Danish, Polish, ... words too). Both count towards the share of
 *  function words; a document also needs minStrong of the first kind. */
const EN_STRONG = new Set([
  "the", "and", "that", "with", "she", "they", "you", "this", "have", "had", "what", "which", "would", "there",
  "their", "it", "are", "were", "his", "he", "him", "them", "we", "be", "been", "from", "not", "but", "on", "by",
  "said", "could", "should", "all", "when", "who", "my", "your", "our", "can", "just", "very", "then", "into",
  "out", "up", "did", "does", "do", "has", "its", "these", "those", "about", "because", "how", "where", "why",
  "some", "one", "after", "before", "over", "more", "other", "than", "also", "only", "like", "an", "or", "if",
]);
const EN_WEAK = new Set(["a", "i", "in", "is", "of", "to", "was", "for", "her", "at", "as", "so", "me", "will", "no", "am"]);

/** An ASCII word of at most 10 letters as a number, case folded (5 bits a letter, a = 1): equal codes, equal
 *  lowercased words, without making the string. */
function wordCode(s: string, a: number, b: number): number {
  let code = 0;
  for (let i = a; i < b; i++) code = code * 32 + ((s.charCodeAt(i) | 32) - 96);
  return code;
}
/** Per-class letter counts of the current scriptLanguage call (scratch, reused). */
const COUNTS = new Int32Array(NCLASS);
const STRONG = 1;
const WEAK = 2;
const EN_CODES: ReadonlyMap<number, number> = new Map([
  ...[...EN_WEAK].map((w): [number, number] => [wordCode(w, 0, w.length), WEAK]),
  ...[...EN_STRONG].map((w): [number, number] => [wordCode(w, 0, w.length), STRONG]),
]);

export interface FastPathConfig {
  /** Fewest letters in the sample for any fast decision. */
  readonly minLetters: number;
  /** Japanese: kana share of letters at least this, and kana + Han share at least kanjiKanaShare. */
  readonly kanaShare: number;
  readonly kanjiKanaShare: number;
  /** A single-language script: its share of letters at least this. */
  readonly scriptShare: number;
  /** English: at least this many words, this share of them English function words, and at least minStrong
   *  function words that are English only. */
  readonly minWords: number;
  readonly enFunctionShare: number;
  readonly minStrong: number;
}

export const FAST_PATH_DEFAULTS: FastPathConfig = { minLetters: 8, kanaShare: 0.1, kanjiKanaShare: 0.6, scriptShare: 0.9, minWords: 4, enFunctionShare: 0.2, minStrong: 1 };

/** The language of a sample when its script makes it plain, or null when the n-gram model must decide. */
export function scriptLanguage(sample: string, cfg: FastPathConfig = FAST_PATH_DEFAULTS): string | null {
  const counts = COUNTS.fill(0);
  for (let i = 0; i < sample.length; i++) counts[CLASS[sample.charCodeAt(i)]!]!++;
  let letters = 0;
  for (let k = 1; k < NCLASS; k++) letters += counts[k]!;
  if (letters < cfg.minLetters) return null;
  const kana = counts[KANA]!;
  if (kana >= cfg.kanaShare * letters && kana + counts[HAN]! >= cfg.kanjiKanaShare * letters) return "ja";
  for (let k = FIRST_UNIQUE; k < NCLASS; k++) if (counts[k]! >= cfg.scriptShare * letters) return UNIQUE[k - FIRST_UNIQUE]![1];
  if (counts[ASCII_LATIN] === letters && englishWords(sample, cfg)) return "en";
  return null;
}

/** True when the sample has at least minWords ASCII words, enFunctionShare of them English function words and
 *  minStrong of those English-only. Words longer than 7 letters are never function words and are not sliced. */
function englishWords(sample: string, cfg: FastPathConfig): boolean {
  let words = 0;
  let hits = 0;
  let strong = 0;
  let start = -1;
  for (let i = 0; i <= sample.length; i++) {
    const isLetter = i < sample.length && CLASS[sample.charCodeAt(i)] === ASCII_LATIN;
    if (isLetter) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    words++;
    if (i - start <= 7) {
      const kind = EN_CODES.get(wordCode(sample, start, i));
      if (kind === STRONG) strong++;
      else if (kind !== WEAK) {
        start = -1;
        continue;
      }
      hits++;
    }
    start = -1;
  }
  return words >= cfg.minWords && strong >= cfg.minStrong && hits >= cfg.enFunctionShare * words;
}
