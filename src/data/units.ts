// Text → "units", the atoms that n-gram based stages compare: a word (a run of letters/digits, lowercased) in
// spaced scripts, and a single character in Japanese/Chinese, which have no spaces. Not here: any n-gram logic.
//
// Units are returned as 32-bit FNV-1a hashes (no string allocation): MinHash shingles, exact-dup keys and
// decontamination n-grams are all built from these hashes. Punctuation, symbols and whitespace separate units and
// are otherwise ignored, so "Hello, world!" and "hello world" have the same units.

const BOUNDARY = 0;
const WORD = 1;
const CJK = 2;

/** Per-UTF-16-code-unit class and lowercase map, computed once (immutable tables). Surrogates (emoji, rare
 *  astral CJK) count as boundaries. */
const CLASS: Uint8Array = new Uint8Array(65536);
const LOWER: Uint16Array = new Uint16Array(65536);
(() => {
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3005]/u;
  const word = /[\p{L}\p{N}\p{M}]/u;
  for (let c = 0; c < 65536; c++) {
    const s = String.fromCharCode(c);
    const low = s.toLowerCase();
    LOWER[c] = low.length === 1 ? low.charCodeAt(0) : c;
    if (c >= 0xd800 && c <= 0xdfff) CLASS[c] = BOUNDARY;
    else if (cjk.test(s)) CLASS[c] = CJK;
    else if (word.test(s)) CLASS[c] = WORD;
    else CLASS[c] = BOUNDARY;
  }
})();

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The unit hashes of text, in order. A growable scratch buffer may be passed to avoid allocation. */
export function unitHashes(text: string): Uint32Array {
  let out = new Uint32Array(Math.max(16, text.length >>> 2));
  let n = 0;
  let h = FNV_OFFSET;
  let inWord = false;
  const push = (v: number): void => {
    if (n === out.length) {
      const bigger = new Uint32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = v >>> 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = CLASS[c]!;
    if (k === WORD) {
      h = Math.imul(h ^ LOWER[c]!, FNV_PRIME);
      inWord = true;
      continue;
    }
    if (inWord) {
      push(h);
      h = FNV_OFFSET;
      inWord = false;
    }
    // A CJK character is a unit on its own; salt it so it never equals a one-letter word's hash.
    if (k === CJK) push(Math.imul(Math.imul(FNV_OFFSET ^ 0x5a, FNV_PRIME) ^ c, FNV_PRIME));
  }
  if (inWord) push(h);
  return out.subarray(0, n);
}

/** Number of units in text (the word count used by decontamination's minimum-length rule). */
export const unitCount = (text: string): number => unitHashes(text).length;

/** True when the UTF-16 code unit is Han, kana or the prolonged sound mark (a Japanese/Chinese character). */
export const isCjk = (code: number): boolean => CLASS[code] === CJK;
