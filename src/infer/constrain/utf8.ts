// UTF-8 on a token walk: one byte on a partial character, and whether a partial character can still become one the
// grammar takes. Byte-level BPE tokens may end or start inside a character, so a walk carries (cp so far, bytes to
// come). Shared by the walk (mask.ts), the byte automaton (byte-dfa.ts) and the walk-every-token reference (reference.ts).
// Not here: the grammar's stacks (recognizer.ts), tries and masks (token-trie.ts, mask.ts).
import type { Recognizer, Stack } from "./recognizer.js";

/** One UTF-8 byte on a partial character: (cp << 2 | need) after it, or −1 when the byte cannot come here (packed
 *  in one integer: called per trie node, it must not allocate). */
export function utf8Step(cp: number, need: number, b: number): number {
  if (need === 0) {
    if (b < 0x80) return b << 2;
    if (b >= 0xc2 && b <= 0xdf) return ((b & 0x1f) << 2) | 1;
    if (b >= 0xe0 && b <= 0xef) return ((b & 0x0f) << 2) | 2;
    if (b >= 0xf0 && b <= 0xf4) return ((b & 0x07) << 2) | 3;
    return -1;
  }
  if ((b & 0xc0) !== 0x80) return -1;
  // The second byte of E0, ED, F0 and F4 sequences is narrower (no overlong forms, no surrogates, ≤ U+10FFFF).
  if (need === 2 && cp < 0x10 && ((cp === 0 && b < 0xa0) || (cp === 0xd && b >= 0xa0))) return -1;
  if (need === 3 && ((cp === 0 && b < 0x90) || (cp === 4 && b >= 0x90))) return -1;
  return (((cp << 6) | (b & 0x3f)) << 2) | (need - 1);
}

/** The lowest code point a partial character (cp so far, `need` bytes to come) can still become. */
export function partialLo(cp: number, need: number): number {
  if (cp === 0 && need === 2) return 0x800; // E0: three-byte characters start at U+0800
  if (cp === 0 && need === 3) return 0x10000; // F0: four-byte characters start at U+10000
  return cp << (6 * need);
}

/** The highest code point a partial character can still become. */
export function partialHi(cp: number, need: number): number {
  return Math.min(0x10ffff, (cp << (6 * need)) | ((1 << (6 * need)) - 1));
}

/** Whether some stack can take a code point that a partial character can still become. */
export function partialFits(rec: Recognizer, stacks: readonly Stack[], cp: number, need: number): boolean {
  return rec.canTake(stacks, partialLo(cp, need), partialHi(cp, need));
}
