// Code-point string helpers: offsets in the rag layer count Unicode code points (as Python's str does), while
// JavaScript strings index UTF-16 units; these convert. And which code points are word characters of a spaced script. Not here: UTF-16 → code-point index maps (chunker.ts).

/** Length in code points. */
export const cpLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** The code points [start, end) of s (end exclusive, clamped to the length). */
export function cpSlice(s: string, start: number, end: number = Infinity): string {
  if (!/[\uD800-\uDBFF]/.test(s)) return s.slice(start, end);
  return Array.from(s).slice(start, end).join("");
}

/** A letter or digit of a script that separates words with spaces: a match may not start or end inside such a word
 *  ("se" is not supported by "these"). Han, kana and other unspaced scripts have no word edges to respect. */
export const spacedWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c) && !/[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u.test(c);
