// Where each token of an encoded text starts in that text, in UTF-16 characters (JavaScript string indices): the
// `text_offset` of OpenAI's legacy completions logprobs, and how an evaluation finds a continuation's tokens.
// Control tokens (BOS, EOS) that the text does not spell cover no characters; a SentencePiece dummy-prefix space
// covers none; a token that starts inside a multi-byte character (byte-level and byte-fallback vocabularies split
// them) starts at that character. Not here: byte offsets of chat templates (chat-encode.ts tokenByteOffsets).
import type { Tokenizer } from "./tokenizer.js";

/** For each UTF-8 byte position of `text` (0..length), the string index of the character it falls in (its start;
 *  the end position maps to text.length). */
function byteToCharStart(text: string): Int32Array {
  const enc = new TextEncoder();
  const map = new Int32Array(enc.encode(text).length + 1);
  let b = 0, c = 0;
  for (const ch of text) {
    const n = enc.encode(ch).length;
    for (let k = 0; k < n; k++) map[b + k] = c;
    b += n;
    c += ch.length;
  }
  map[b] = c;
  return map;
}

/** The start of each token of `ids` in `text` (string indices, non-decreasing), or null when the tokens do not spell
 *  the text byte for byte (a normalizing tokenizer changed it); `ids` is what tok.encode(text) gave, BOS included. */
export function tokenCharStarts(tok: Tokenizer, text: string, ids: readonly number[]): number[] | null {
  const enc = new TextEncoder();
  const bytes = enc.encode(text);
  const map = byteToCharStart(text);
  const out: number[] = [];
  let pos = 0;
  const matches = (x: Uint8Array): boolean => pos + x.length <= bytes.length && x.every((v, j) => bytes[pos + j] === v);
  let dummy = tok.addsSpacePrefix === true; // the space encode() put before the text, not yet met
  for (const id of ids) {
    let b = tok.isAdded?.(id) === true ? enc.encode(tok.tokenText(id)) : tok.tokenBytes(id);
    if (dummy && b.length > 0 && tok.isControl?.(id) !== true) {
      dummy = false;
      if (b[0] === 0x20) b = b.subarray(1);
    }
    if (!matches(b)) {
      if (tok.isControl?.(id) === true || b.length === 0) b = new Uint8Array(0); // BOS/EOS: not in the text
      else if (tok.addsSpacePrefix === true && b[0] === 0x20 && matches(b.subarray(1))) b = b.subarray(1);
      else return null;
    }
    out.push(map[pos]!);
    pos += b.length;
  }
  return pos === bytes.length ? out : null;
}
