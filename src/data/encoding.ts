// Text encodings of input files: the `encoding` setting (utf-8, shift_jis, euc-jp, auto), a guess of a non-UTF-8
// file's encoding for the error message, the offset of the first invalid UTF-8 byte, and lone UTF-16 surrogates
// (which JSON's \ud800 escapes can put into a string). Not here: reading files (readers.ts, decompress.ts).
//
// Decoding uses the WHATWG TextDecoder (Node 20 ships full ICU: 'shift_jis' is Windows-31J, 'euc-jp' includes
// JIS X 0212). The guess decodes a sample strictly in each candidate encoding and keeps the one whose non-ASCII
// characters are most plausibly Japanese: EUC-JP bytes read as Shift_JIS come out as half-width katakana
// (あ = A4 A2 → "､｢"), and Shift_JIS bytes are almost never valid EUC-JP (lead bytes 0x81–0x9F are not EUC).
import { isUtf8 } from "node:buffer";

export type TextEncodingName = "utf-8" | "shift_jis" | "euc-jp";
export type EncodingSetting = TextEncodingName | "auto";
export const ENCODING_SETTINGS: readonly EncodingSetting[] = ["utf-8", "shift_jis", "euc-jp", "auto"];

/** What a guess can name: an encoding we convert, or UTF-16 (recognised by its byte-order mark, not converted). */
export type GuessedEncoding = TextEncodingName | "utf-16le" | "utf-16be";

/** How to convert, for messages: the flag and the config key. */
export const conversionHint = (e: GuessedEncoding): string =>
  e === "utf-16le" || e === "utf-16be"
    ? `convert it first, e.g. iconv -f ${e.toUpperCase()} -t UTF-8`
    : `re-run with --encoding ${e} (config: sources[].encoding: "${e}"), or --encoding auto`;

/** Byte offset of the first byte that does not start a valid UTF-8 sequence (overlongs, surrogates and code
 *  points above U+10FFFF are invalid); -1 when all of it is valid. A sequence cut by the end counts as invalid. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n >= b.length) return i;
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return i;
    i += n + 1;
  }
  return -1;
}

/** Share of a decoded sample's non-ASCII characters that are kana, CJK ideographs, CJK punctuation or full-width
 *  forms (1 = all of them); half-width katakana and anything else count against. NaN when there is no non-ASCII. */
function japaneseShare(s: string): number {
  let good = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if ((c >= 0x3000 && c <= 0x30ff) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xff01 && c <= 0xff5e)) good++;
    else other++;
  }
  return good + other === 0 ? NaN : good / (good + other);
}

function decodes(b: Uint8Array, enc: "shift_jis" | "euc-jp"): string | null {
  try {
    return new TextDecoder(enc, { fatal: true }).decode(b);
  } catch {
    return null;
  }
}

/** Guesses the encoding of a sample of a file's first bytes. `complete` false means the sample may end inside a
 *  character: it is cut at its last newline first. "utf-8" also when the sample is mostly valid UTF-8 with a few
 *  bad bytes (damage, not another encoding). null: no confident guess (not UTF-8, and neither Shift_JIS nor
 *  EUC-JP decodes it into mostly Japanese). */
export function guessEncoding(sample: Uint8Array, complete = true): GuessedEncoding | null {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return "utf-8";
  if (sample[0] === 0xff && sample[1] === 0xfe) return "utf-16le";
  if (sample[0] === 0xfe && sample[1] === 0xff) return "utf-16be";
  let b = sample;
  // Bytes cut from the end to find a character boundary (a multi-byte character may straddle the sample's end).
  let slack = 0;
  if (!complete) {
    const nl = b.lastIndexOf(10);
    if (nl > 0) b = b.subarray(0, nl + 1);
    else slack = 3;
  }
  const cut = (k: number): Uint8Array => b.subarray(0, Math.max(0, b.length - k));
  for (let k = 0; k <= slack; k++) if (isUtf8(cut(k))) return "utf-8";
  // Mostly valid UTF-8 with a few bad bytes is damaged UTF-8, not a legacy encoding: Shift_JIS or EUC-JP read as
  // UTF-8 gives almost no valid multi-byte character (their trail bytes rarely follow a UTF-8 lead byte's rules).
  const asUtf8 = new TextDecoder("utf-8").decode(b);
  let valid = 0;
  let bad = 0;
  for (let i = 0; i < asUtf8.length; i++) {
    const c = asUtf8.charCodeAt(i);
    if (c === 0xfffd) bad++;
    else if (c >= 0x80) valid++;
  }
  if (valid > bad) return "utf-8";
  let best: TextEncodingName | null = null;
  let bestShare = 0.5; // at least half of the non-ASCII characters must look Japanese
  for (const enc of ["shift_jis", "euc-jp"] as const) {
    let s: string | null = null;
    for (let k = 0; k <= Math.min(slack, 1) && s === null; k++) s = decodes(cut(k), enc);
    if (s === null) continue;
    const share = japaneseShare(s);
    if (share > bestShare) [best, bestShare] = [enc, share];
  }
  return best;
}

/** 1-based line number of a byte offset (newlines before it, plus one). */
export function lineAt(b: Uint8Array, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < b.length; i++) if (b[i] === 10) n++;
  return n;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ANY_SURROGATE = /[\ud800-\udfff]/;

export type LoneSurrogates = "replace" | "skip";

/** Counts the lone surrogates in s and returns s with each replaced by U+FFFD (s itself when there is none). */
export function replaceLoneSurrogates(s: string): { readonly text: string; readonly count: number } {
  if (!ANY_SURROGATE.test(s)) return { text: s, count: 0 };
  let count = 0;
  const text = s.replace(LONE, () => {
    count++;
    return "\ufffd";
  });
  return { text: count === 0 ? s : text, count };
}
