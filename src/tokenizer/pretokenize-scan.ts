// Hand-written pre-tokenizer scanners that cut text exactly as the GPT-2, Llama-3 and Qwen2 regexes do
// (pretokenize.ts holds those regexes and stays the specification; pretokenize-scan.test.ts fuzzes the two
// against each other), without a regex engine or a string per piece. Not here: other patterns (they run as
// regexes), BPE merging, special tokens.
//
// Why: on English the regex alone ran at ~10 MB/s, slower than tiktoken's whole encode (2026-12-05 profile,
// docs/tokenizer.md). A scanner reads one code point class per step from a table built from the same JS
// Unicode properties the regex uses, so the two cannot disagree on what a letter is.

import { GPT2_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN, type PreTokenizer, WHITE_SPACE_CLASS } from "./pretokenize.js";

/** Code point classes, as the patterns see them: \p{L}, \p{N}, Oniguruma's \s (split into \r\n and the rest),
 *  and everything else (including lone surrogates and unassigned code points). */
const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3; // White_Space other than \r and \n
const NEWLINE = 4; // \r, \n

/** One class per code point (1.1 MB), derived from the JS engine's own Unicode tables by the same property
 *  escapes the regexes use. Built on first use and never changed after: a pure function of the engine. */
let classTable: Uint8Array | null = null;

function classes(): Uint8Array {
  if (classTable !== null) return classTable;
  const t = new Uint8Array(0x110000);
  const letter = /\p{L}+/gu;
  const number = /\p{N}+/gu;
  const space = new RegExp(`[${WHITE_SPACE_CLASS}]+`, "gu");
  // Every code point but the surrogates (a lone surrogate is OTHER, as in a `u` regex), one plane per string.
  // Code points are consecutive in each string except across the surrogate gap, which no run can span
  // (U+D7FF and U+E000 are neither letters, numbers nor spaces), so a match fills its code point range.
  const utf16 = new TextDecoder("utf-16le");
  for (let plane = 0; plane < 17; plane++) {
    const units = new Uint16Array(plane === 0 ? 0x10000 - 0x800 : 0x20000);
    let n = 0;
    for (let cp = plane << 16; cp < (plane + 1) << 16; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (cp < 0x10000) units[n++] = cp;
      else {
        units[n++] = 0xd800 + ((cp - 0x10000) >> 10);
        units[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
      }
    }
    const s = utf16.decode(units);
    for (const [re, cls] of [[letter, LETTER], [number, NUMBER], [space, SPACE]] as const) {
      for (const m of s.matchAll(re)) {
        const run = m[0];
        const last = run.codePointAt(run.length - (plane === 0 ? 1 : 2))!;
        t.fill(cls, run.codePointAt(0)!, last + 1);
      }
    }
  }
  t[0x0a] = NEWLINE;
  t[0x0d] = NEWLINE;
  classTable = t;
  return t;
}

/** A pre-tokenizer that also reports piece ends by offset, so that callers need not slice strings. */
export interface ScanningPreTokenizer extends PreTokenizer {
  /** End (exclusive, in UTF-16 units) of the piece that starts at i; i < text.length. */
  next(text: string, i: number): number;
}

type Next = (text: string, i: number, cls: Uint8Array) => number;

/** The scanner equal to this pattern (Oniguruma spelling, as pretokenize.ts names them), or null. */
export function scanningPreTokenizer(pattern: string | readonly string[]): ScanningPreTokenizer | null {
  const p = typeof pattern === "string" ? pattern : pattern.length === 1 ? pattern[0]! : null;
  const next: Next | null = p === GPT2_PATTERN ? gpt2Next : p === LLAMA3_PATTERN ? llama3Next : p === QWEN2_PATTERN ? qwen2Next : null;
  if (next === null || p === null) return null;
  const cls = classes();
  return {
    pattern: p,
    next: (text, i) => next(text, i, cls),
    split(text: string): string[] {
      const out: string[] = [];
      for (let i = 0; i < text.length; ) {
        const j = next(text, i, cls);
        out.push(text.slice(i, j));
        i = j;
      }
      return out;
    },
  };
}

const width = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** End of the run of class k starting at j. */
function runOf(text: string, j: number, k: number, cls: Uint8Array): number {
  const n = text.length;
  while (j < n) {
    const cp = text.codePointAt(j)!;
    if (cls[cp] !== k) break;
    j += width(cp);
  }
  return j;
}

/** End of the White_Space run starting at j (all White_Space code points are in the BMP). */
function spaceRun(text: string, j: number, cls: Uint8Array): number {
  const n = text.length;
  while (j < n && cls[text.charCodeAt(j)]! >= SPACE) j++;
  return j;
}

/** `\s+(?!\S)|\s+` at i (a White_Space char): the run, less its last char when a non-space follows it and the
 *  run is longer than one. */
function spaceTail(text: string, i: number, e: number): number {
  return e === text.length || e - i === 1 ? e : e - 1;
}

/** GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
function gpt2Next(text: string, i: number, cls: Uint8Array): number {
  const n = text.length;
  let cp = text.codePointAt(i)!;
  if (cp === 0x27 && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2; // s t m d
    if (i + 2 < n) {
      const e = text.charCodeAt(i + 2);
      if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (e === 0x6c && d === 0x6c)) return i + 3; // re ve ll
    }
  }
  let j = i;
  let k = cls[cp]!;
  if (cp === 0x20 && i + 1 < n) {
    const cp2 = text.codePointAt(i + 1)!;
    const k2 = cls[cp2]!;
    if (k2 < SPACE) {
      j = i + 1;
      cp = cp2;
      k = k2;
    }
  }
  if (k < SPACE) return runOf(text, j + width(cp), k, cls);
  return spaceTail(text, i, spaceRun(text, i + 1, cls));
}

/** Contractions, case-insensitive ASCII as llama.cpp spells them: '[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD].
 *  Returns the end, or -1. */
function contraction(text: string, i: number): number {
  const n = text.length;
  if (i + 1 >= n) return -1;
  const d = text.charCodeAt(i + 1) | 0x20;
  if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2;
  if (i + 2 >= n) return -1;
  const e = text.charCodeAt(i + 2) | 0x20;
  if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (e === 0x6c && d === 0x6c)) return i + 3;
  return -1;
}

/** Llama-3 (maxDigits 3) and Qwen2 (maxDigits 1):
 *  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
function llamaNext(text: string, i: number, cls: Uint8Array, maxDigits: number): number {
  const n = text.length;
  const cp = text.codePointAt(i)!;
  const k = cls[cp]!;
  if (cp === 0x27) {
    const e = contraction(text, i);
    if (e >= 0) return e;
  }
  if (k === LETTER) return runOf(text, i + width(cp), LETTER, cls);
  const w = width(cp);
  if (k !== NUMBER && k !== NEWLINE && i + w < n) {
    const cp2 = text.codePointAt(i + w)!;
    if (cls[cp2] === LETTER) return runOf(text, i + w + width(cp2), LETTER, cls);
  }
  if (k === NUMBER) {
    let j = i + w;
    for (let d = 1; d < maxDigits && j < n; d++) {
      const c = text.codePointAt(j)!;
      if (cls[c] !== NUMBER) break;
      j += width(c);
    }
    return j;
  }
  let o = -1; // start of the ` ?[^\s\p{L}\p{N}]+` run
  if (k === OTHER) o = i;
  else if (cp === 0x20 && i + 1 < n && cls[text.codePointAt(i + 1)!] === OTHER) o = i + 1;
  if (o >= 0) {
    let j = runOf(text, o, OTHER, cls);
    while (j < n && cls[text.charCodeAt(j)] === NEWLINE) j++;
    return j;
  }
  // White_Space at i: `\s*[\r\n]+` up to the run's last \r or \n, else `\s+(?!\S)|\s+`.
  const e = spaceRun(text, i + 1, cls);
  for (let p = e - 1; p >= i; p--) if (cls[text.charCodeAt(p)] === NEWLINE) return p + 1;
  return spaceTail(text, i, e);
}

const llama3Next: Next = (text, i, cls) => llamaNext(text, i, cls, 3);
const qwen2Next: Next = (text, i, cls) => llamaNext(text, i, cls, 1);
