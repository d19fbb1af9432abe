// Where a byte-level BPE pre-token can be cut without changing its ids: between two characters whose bytes no
// merge rule can ever join. Not here: merging (merge.ts), the cache and the encode loop that uses the cuts (bpe.ts).
//
// Why a cut is exact. Every symbol during merging covers a contiguous range of the piece's bytes and its text is
// the byte-level spelling of that range. A symbol that spans the point p between byte p − 1 and byte p can only
// be made by a merge whose operands meet at p (otherwise an operand already spans p), i.e. by a rule (A, B) whose
// A ends with byte p − 1 and whose B starts with byte p. If no rule has that (last byte of A, first byte of B),
// no symbol ever spans p, no pair across p has a rank, and the merges on either side never touch each other: the
// rank-then-leftmost order restricted to one side is the order that side alone would follow. So BPE(piece) =
// BPE(left) ++ BPE(right) — and each side can be looked up in the cache on its own. Japanese under GPT-2's
// pattern is where this pays: a run of kana and kanji is one pre-token (Aozora 789_ruby_5639: 16,107 distinct
// pieces of 17+ bytes in 16,212), but in its 14,131 pieces of 9+ UTF-16 units 197k of the 260k character
// boundaries are such cuts, leaving 211k segments of which only 12k are distinct (162k single characters).

import { CHAR_TO_BYTE } from "./bytes.js";

/** joins[x · 256 + y] = 1 when some merge rule (A, B) has A ending with byte x and B starting with byte y. */
export class MergeJoins {
  private constructor(private readonly joins: Uint8Array) {}

  /** From merge rules as byte-level texts; null when some text is not byte-level (an added token's literal
   *  spelling: its bytes are not known here, so no cut is claimed safe). */
  static fromMerges(merges: readonly (readonly [string, string])[]): MergeJoins | null {
    const joins = new Uint8Array(256 * 256);
    for (const [a, b] of merges) {
      if (!isByteLevel(a) || !isByteLevel(b)) return null;
      joins[CHAR_TO_BYTE[a.charCodeAt(a.length - 1)]! * 256 + CHAR_TO_BYTE[b.charCodeAt(0)]!] = 1;
    }
    return new MergeJoins(joins);
  }

  /** Whether some merge may join a symbol ending with byte x to one starting with byte y. */
  canJoin(x: number, y: number): boolean {
    return this.joins[x * 256 + y] === 1;
  }

  /** Cut points of text[s, e): offsets (UTF-16, strictly inside) between characters that no merge joins, written
   *  to `out`; returns how many. Characters as encodePiece reads them: a surrogate pair is one 4-byte character,
   *  a lone surrogate is U+FFFD (EF BF BD), so a cut never falls inside a pair. */
  cuts(text: string, s: number, e: number, out: Int32Array): number {
    const joins = this.joins;
    let k = 0;
    let last = -1;
    for (let i = s; i < e; ) {
      const c = text.charCodeAt(i);
      let first: number;
      let end: number;
      let w = 1;
      if (c < 0x80) {
        first = c;
        end = c;
      } else if (c < 0x800) {
        first = 0xc0 | (c >> 6);
        end = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        first = 0xe0 | (c >> 12);
        end = 0x80 | (c & 63);
      } else {
        const d = i + 1 < e ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          first = 0xf0 | (cp >> 18);
          end = 0x80 | (cp & 63);
          w = 2;
        } else {
          first = 0xef;
          end = 0xbd;
        }
      }
      if (last >= 0 && joins[last * 256 + first] === 0) out[k++] = i;
      last = end;
      i += w;
    }
    return k;
  }
}

/** Non-empty and every unit in the byte-level alphabet (one unit per byte). */
function isByteLevel(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c]! < 0) return false;
  }
  return true;
}
