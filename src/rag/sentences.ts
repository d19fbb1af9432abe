// Sentence splitting for Japanese and English: spans [start, end) into the text, so chunks keep source offsets.
// Not here: paragraphs and headings (chunker.ts), term analysis (analyzer.ts).
//
// Rules (tested in sentences.test.ts):
// - 。！？!? end a sentence; following closers (」』）)"”’】〕] …) and further terminators stay with it ("！？"),
//   unless the next word starts lowercase ('"Really?" she asked.').
// - Inside 「」『』（）() a terminator does not end the sentence: 「雨だ。晴れるかな。」と言った。 is one sentence.
//   A quote that closes after a terminator ends the sentence only when a new quote, a line break or the end
//   follows (「はい。」「いいえ。」 is two; 「はい。」と言った。 is one). Bracket depth resets at a blank line so a
//   missing 」 cannot swallow a whole document.
// - '.' and '．' end a sentence only when followed by whitespace (or a closer then whitespace) or the end, and not
//   between digits (3.14, 第1.2条, Ver.2), not after a known abbreviation (Mr., e.g., etc.) or a single-letter
//   initial (J. K. Rowling), and not when the next word starts lowercase (an abbreviation we do not know).
// - An ellipsis (…, ‥, ...) is not a terminator by itself (「それは……」と言った); it ends a sentence before a line
//   break or the end, or in English before whitespace and an uppercase letter.
// - A blank line always ends a sentence.

export interface Span {
  readonly start: number;
  readonly end: number;
}

const TERMINATORS = new Set(["。", "！", "？", "!", "?", "｡"]);
const CLOSERS = new Set(["」", "』", "）", ")", '"', "”", "’", "'", "】", "〕", "］", "]", "〉", "》", "｣"]);
const OPENERS: Readonly<Record<string, string>> = { "「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "〔": "〕", "《": "》", "〈": "〉", "｢": "｣" };
const ELLIPSES = new Set(["…", "‥"]);

/** English abbreviations that take a period without ending a sentence (lowercase, without the final period). */
const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "al", "fig", "figs", "no", "nos",
  "vol", "vols", "pp", "p", "ed", "eds", "inc", "ltd", "co", "corp", "dept", "approx", "est", "gen", "gov", "lt", "col", "sgt",
  "capt", "rev", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "ph.d",
]);

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && /[0-9０-９]/.test(c);
const isUpper = (c: string | undefined): boolean => c !== undefined && /\p{Lu}/u.test(c);
const isLower = (c: string | undefined): boolean => c !== undefined && /\p{Ll}/u.test(c);

/** The word (letters and inner periods) ending just before position i, lowercased. */
function wordBefore(text: string, i: number): string {
  let j = i;
  while (j > 0 && /[\p{L}.]/u.test(text[j - 1] as string)) j--;
  return text.slice(j, i).toLowerCase();
}

/** Index of the next non-space character at or after i, or text.length. */
function nextNonSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

/** Is the period at i the end of a sentence? */
function periodEnds(text: string, i: number): boolean {
  const prev = text[i - 1];
  const next = text[i + 1];
  if (isDigit(prev) && isDigit(next)) return false; // 3.14, 第1.2条
  if (next === "." || next === "．") return false; // part of "..." (handled as an ellipsis)
  let k = i + 1;
  while (k < text.length && CLOSERS.has(text[k] as string)) k++;
  if (k < text.length && !isSpace(text[k])) return text[i] === "．" && !isDigit(next); // ．before Japanese text ends
  const word = wordBefore(text, i);
  if (ABBREVIATIONS.has(word)) return false;
  if (word.length === 1 && isUpper(word.toUpperCase()) && isUpper(prev)) return false; // initials: J. K. Rowling
  const n = nextNonSpace(text, k);
  if (n < text.length && (isLower(text[n]) || isDigit(text[n]))) return false; // unknown abbreviation, "p. 12"
  return true;
}

/** Length of an ellipsis starting at i (…… counts as one), or 0. */
function ellipsisAt(text: string, i: number): number {
  let k = i;
  if (text.startsWith("...", i)) k = i + 3;
  while (k < text.length && (ELLIPSES.has(text[k] as string) || text[k] === ".")) k++;
  if (k === i || (k - i < 3 && !ELLIPSES.has(text[i] as string))) return 0;
  return k - i;
}

function isBlankLineAt(text: string, i: number): boolean {
  return text[i] === "\n" && /^\n[ \t\r]*\n/.test(text.slice(i, i + 64));
}

/** Splits text into sentence spans (leading whitespace excluded; empty sentences dropped). */
export function splitSentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  const closeAt = (end: number): void => {
    const s = nextNonSpace(text, start);
    let e = end;
    while (e > s && isSpace(text[e - 1])) e--;
    if (e > s) out.push({ start: s, end: e });
    start = end;
  };
  const stack: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\n" && isBlankLineAt(text, i)) {
      stack.length = 0;
      closeAt(i);
      i++;
      continue;
    }
    const opener = OPENERS[c];
    if (opener !== undefined) {
      stack.push(opener);
      i++;
      continue;
    }
    if (stack.length > 0 && c === stack[stack.length - 1]) {
      stack.pop();
      // A quote that ended on a terminator ends the sentence before a new quote, a line break or the end.
      if (stack.length === 0 && TERMINATORS.has(text[i - 1] as string)) {
        const n = text[i + 1];
        if (n === undefined || n === "\n" || OPENERS[n] !== undefined || (isSpace(n) && isUpper(text[nextNonSpace(text, i + 1)]))) {
          closeAt(i + 1);
        }
      }
      i++;
      continue;
    }
    const ell = ellipsisAt(text, i);
    if (ell > 0) {
      if (stack.length > 0) {
        i += ell; // inside a quote: the quote decides
        continue;
      }
      let k = i + ell;
      while (k < text.length && (CLOSERS.has(text[k] as string) || TERMINATORS.has(text[k] as string))) k++;
      const n = nextNonSpace(text, k);
      // "……。" or "...?" ends the sentence; a bare ellipsis only before a line break, the end, or (English) a capital.
      if (TERMINATORS.has(text[k - 1] as string) || n === text.length || /\n/.test(text.slice(k, n)) || (n > k && isUpper(text[n]))) closeAt(k);
      i = k;
      continue;
    }
    const ends = TERMINATORS.has(c) || ((c === "." || c === "．") && periodEnds(text, i));
    if (ends && stack.length === 0) {
      let k = i + 1;
      while (k < text.length && (CLOSERS.has(text[k] as string) || TERMINATORS.has(text[k] as string))) k++;
      if (!isLower(text[nextNonSpace(text, k)])) closeAt(k); // '"Really?" she asked.' is one sentence
      i = k;
      continue;
    }
    i++;
  }
  closeAt(text.length);
  return out;
}
