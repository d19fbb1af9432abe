// The one conformance suite every Tokenizer implementation must pass (STYLE.md principle 12): id ranges,
// BOS handling, reserved special tokens, round trip, streaming decode, batch = single, determinism.
// Not here: agreement with external references (test vectors live in the *.test.ts files).

import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { encodeBatch } from "./batch.js";
import { utf8Encode } from "./bytes.js";
import { StreamDecoder } from "./stream.js";
import type { Tokenizer } from "./tokenizer.js";

export interface ConformanceOptions {
  /** decode(encode(s)) === s for any valid text (byte-level BPE, SentencePiece with byte fallback). */
  readonly lossless: boolean;
  /** Characters the tokenizer cannot round-trip by design (SentencePiece: "▁" decodes to a space). */
  readonly excludeChars?: string;
  /** Random strings to try. Default 200. */
  readonly randomStrings?: number;
  readonly seed?: number;
}

/** Hand-picked hard cases: emoji (ZWJ sequences, flags, skin tones), combining marks, CJK, controls, NUL,
 *  whitespace runs, the line/paragraph separators, a BOM, astral-plane letters. */
export const TRICKY_STRINGS: readonly string[] = [
  "",
  " ",
  "   leading and trailing   ",
  "Hello, world!",
  "\t\n\r\n\u000b\f\u0085\u00a0\u2028\u2029\u3000\ufeff",
  "\u0000\u0001\u001f\u007f",
  "e\u0301 a\u0308 \u1e9b\u0323 Z\u0351\u0352\u0357",
  "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇯🇵",
  "吾輩は猫である。名前はまだ無い。",
  "カタカナとひらがなと漢字、そしてＡＢＣ１２３。",
  "한국어 텍스트 / русский текст / ελληνικά / עברית / العربية",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱𠝹 😀",
  "  def f(x):\n      return x**2  # comment\n",
  "1234567890 3.14159 1,000,000",
  "<|endoftext|> <s> </s> [CLS] <|bos|> <|im_start|>",
  "a".repeat(300),
  "日本語".repeat(100),
];

const RANGES: readonly [number, number][] = [
  [0x20, 0x7e],
  [0x00, 0x1f],
  [0xa0, 0x24f],
  [0x300, 0x36f],
  [0x3040, 0x30ff],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0x1f300, 0x1faff],
  [0x0, 0x10ffff],
];

/** A random valid string (no lone surrogates) mixing scripts, marks, emoji and (unless `anyCodePoint` is
 *  false) any code point at all — unassigned ones included, where regex engines with different Unicode
 *  versions may disagree about \p{L}. */
export function randomUnicode(rng: Rng, maxLen: number, exclude = "", anyCodePoint = true): string {
  const n = rng.int(maxLen + 1);
  const ranges = anyCodePoint ? RANGES.length : RANGES.length - 1;
  let s = "";
  while (Array.from(s).length < n) {
    const [lo, hi] = RANGES[rng.int(ranges)]!;
    const cp = lo + rng.int(hi - lo + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    if (exclude.includes(ch)) continue;
    s += ch;
  }
  return s;
}

const JA_RANGES: readonly [number, number][] = [
  [0x3041, 0x3096], // hiragana
  [0x30a1, 0x30fc], // katakana, ー
  [0x4e00, 0x9fff], // kanji
  [0x3001, 0x3005], // 、。〃〄々
  [0x300c, 0x300f], // 「」『』
  [0xff10, 0xff5a], // full-width digits and letters
  [0x20, 0x7e],
  [0x20000, 0x2a6df], // CJK extension B (surrogate pairs)
  [0x1f600, 0x1f64f], // emoji
];

/** Random Japanese-heavy text: runs of kana, kanji and punctuation (long runs without spaces, the shape that
 *  GPT-2's pattern turns into one long pre-token), some ASCII, astral kanji and emoji, and — with `lone` — lone
 *  surrogates. Half of the strings draw from a dozen characters only, so that pieces repeat (cache hits). */
export function randomJapanese(rng: Rng, maxLen: number, lone = false): string {
  const n = rng.int(maxLen + 1);
  const small = rng.int(2) === 0 ? Array.from({ length: 12 }, () => japaneseChar(rng)) : null;
  let s = "";
  for (let i = 0; i < n; i++) {
    if (lone && rng.int(40) === 0) s += String.fromCharCode(0xd800 + rng.int(0x800));
    else s += small === null ? japaneseChar(rng) : small[rng.int(small.length)]!;
  }
  return s;
}

function japaneseChar(rng: Rng): string {
  const w = rng.int(100);
  const [lo, hi] = JA_RANGES[w < 35 ? 0 : w < 50 ? 1 : w < 85 ? 2 : w < 90 ? 3 : w < 92 ? 4 : w < 94 ? 5 : w < 98 ? 6 : w < 99 ? 7 : 8]!;
  return String.fromCodePoint(lo + rng.int(hi - lo + 1));
}

/** Runs every check; throws an AssertionError naming the tokenizer, the check and the input. */
export function checkTokenizer(tok: Tokenizer, options: ConformanceOptions): void {
  const name = tok.kind;
  const rng = new Rng(options.seed ?? 1234);
  const inputs = [...TRICKY_STRINGS.map((s) => [...s].filter((c) => !(options.excludeChars ?? "").includes(c)).join(""))];
  for (let i = 0; i < (options.randomStrings ?? 200); i++) inputs.push(randomUnicode(rng, 40, options.excludeChars));
  const controls = new Set<number>();
  for (let id = 0; id < tok.vocabSize; id++) if (tok.isControl?.(id) === true) controls.add(id);

  for (const s of inputs) {
    const ids = tok.encode(s, { addBos: false });
    for (const id of ids) {
      assert.ok(Number.isInteger(id) && id >= 0 && id < tok.vocabSize, `${name}: id ${id} out of range for ${JSON.stringify(s)}`);
      assert.ok(!controls.has(id) || id === tok.special.unk, `${name}: plain text ${JSON.stringify(s)} produced control token ${id} (${tok.tokenText(id)})`);
    }
    assert.deepEqual(tok.encode(s, { addBos: false }), ids, `${name}: encode is not deterministic for ${JSON.stringify(s)}`);
    if (tok.special.bos !== undefined) {
      const withBos = tok.encode(s, { addBos: true });
      assert.equal(withBos[0], tok.special.bos, `${name}: addBos did not put BOS first`);
    }
    if (options.lossless) {
      assert.equal(tok.decode(ids), s, `${name}: decode(encode(s)) !== s for ${JSON.stringify(s)}`);
      if (tok.special.bos !== undefined) assert.equal(tok.decode(tok.encode(s, { addBos: true })), s, `${name}: BOS does not decode to ""`);
      // Streaming: token by token, the pieces concatenate to decode(ids), and no piece holds U+FFFD unless s does.
      const sd = new StreamDecoder(tok);
      let streamed = "";
      for (const id of ids) {
        const piece = sd.push(id);
        assert.ok(s.includes("\ufffd") || !piece.includes("\ufffd"), `${name}: streamed mojibake for ${JSON.stringify(s)}`);
        streamed += piece;
      }
      streamed += sd.flush();
      assert.equal(streamed, s, `${name}: streaming decode differs for ${JSON.stringify(s)}`);
      // tokenBytes agree with the text's UTF-8 (after the space a SentencePiece prefix adds; an added token
      // mid-text starts a new prefixed fragment, so only texts without them are checked).
      if (ids.some((id) => tok.isAdded?.(id) === true)) continue;
      const bytes = ids.flatMap((id) => [...tok.tokenBytes(id)]);
      const want = [...utf8Encode(tok.addsSpacePrefix === true && s.length > 0 ? ` ${s}` : s)];
      assert.deepEqual(bytes, want, `${name}: tokenBytes do not spell the input ${JSON.stringify(s)}`);
    }
  }

  // Batch = one by one.
  assert.deepEqual(encodeBatch(tok, inputs.slice(0, 20)), inputs.slice(0, 20).map((s) => tok.encode(s)), `${name}: batch differs`);

  // Control tokens: plain text never yields them; with allowSpecial their text does.
  for (const id of controls) {
    const text = tok.tokenText(id);
    if (text.length === 0) continue;
    const plain = tok.encode(`x${text}y`, { addBos: false });
    assert.ok(!plain.includes(id), `${name}: control token ${JSON.stringify(text)} produced from plain text`);
    const allowed = tok.encode(`x${text}y`, { addBos: false, allowSpecial: true });
    assert.ok(allowed.includes(id), `${name}: control token ${JSON.stringify(text)} not recognized with allowSpecial`);
    assert.equal(tok.tokenBytes(id).length, 0, `${name}: control token ${id} should decode to nothing`);
  }

  // Bad ids are errors, not undefined.
  assert.throws(() => tok.tokenText(tok.vocabSize), /outside the vocabulary/);
  assert.throws(() => tok.decode([-1]), /outside the vocabulary/);
}
