// Bytes and text: GPT-2's byte↔unicode alphabet (byte-level BPE vocabularies store bytes as printable chars),
// UTF-8 encode/decode helpers and the "<0xXX>" byte-token spelling of SentencePiece. Not here: any tokenizer.

/** GPT-2's bytes_to_unicode (openai/gpt-2 encoder.py): printable Latin-1 bytes map to themselves, the other
 *  68 bytes to U+0100.. in byte order, so every byte string is a printable unicode string. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const out: string[] = new Array<string>(256);
  for (const b of bs) out[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (out[b] === undefined) out[b] = String.fromCharCode(256 + n++);
  }
  return out;
})();

/** Inverse of BYTE_TO_CHAR: UTF-16 code unit → byte, or -1 for chars outside the alphabet. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const t = new Int16Array(324).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => {
    t[c.charCodeAt(0)] = b;
  });
  return t;
})();

/** Bytes → GPT-2 alphabet string. */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!]!;
  return s;
}

/** GPT-2 alphabet string → bytes, or null when a char is outside the alphabet (e.g. an added token). */
export function byteLevelToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }); // keep a leading U+FEFF: it is text

export const utf8Encode = (s: string): Uint8Array => encoder.encode(s);
/** Lossy decode: invalid sequences become U+FFFD (as Hugging Face and llama.cpp render them). */
export const utf8Decode = (b: Uint8Array): string => decoder.decode(b);

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** SentencePiece's byte-token spelling: byte 0x0A ↔ "<0x0A>". */
export const byteTokenText = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;

/** The byte a "<0xXX>" token stands for, or -1. */
export function parseByteToken(text: string): number {
  if (text.length !== 6 || !text.startsWith("<0x") || text[5] !== ">") return -1;
  const h = text.slice(3, 5);
  return /^[0-9A-Fa-f]{2}$/.test(h) ? parseInt(h, 16) : -1;
}

/** Length in bytes of the UTF-8 sequence whose lead byte is b (1 for stray continuation bytes, as llama.cpp). */
export function utf8SeqLen(b: number): number {
  if (b < 0x80) return 1;
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 3;
  if ((b & 0xf8) === 0xf0) return 4;
  return 1;
}
