// tokenCharStarts against hand-computed offsets (a byte-level BPE with no merges spells 日本 as six byte tokens, three
// per character, so the starts are 0,0,0,1,1,1 after a BOS at 0) and against decode(): every prefix of tokens that
// ends on a character boundary decodes to the text up to the next token's start, for a byte-level BPE and for
// stories260K's SentencePiece (dummy-prefix space, byte fallback for Japanese; skipped visibly without ../shared).
import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedOrSkip } from "../util/paths.js";
import { loadTokenizer } from "./load.js";
import { tokenCharStarts } from "./offsets.js";
import type { Tokenizer } from "./tokenizer.js";
import { trainBpe } from "./train.js";

const TEXTS = ["Once upon a time, 日本の猫が座った。", "質問：田んぼが広がる風景を何という？\n回答：田園", "a", "  two  spaces\tand é😀 emoji"];

function checkAgainstDecode(tok: Tokenizer, text: string): void {
  const ids = tok.encode(text);
  const starts = tokenCharStarts(tok, text, ids);
  assert.ok(starts !== null, `tokens spell ${JSON.stringify(text)}`);
  assert.equal(starts.length, ids.length);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! >= starts[i - 1]!, "non-decreasing");
  for (let i = 0; i <= ids.length; i++) {
    const prefix = tok.decode(ids.slice(0, i));
    if (prefix.includes("\uFFFD")) continue; // ends inside a character
    const end: number = i < ids.length ? starts[i]! : text.length;
    assert.equal(prefix, text.slice(0, end), `prefix of ${i} tokens of ${JSON.stringify(text)}`);
  }
}

test("byte tokens of a multi-byte character start at that character; BOS covers nothing", () => {
  const tok = trainBpe({ texts: ["abc"], vocabSize: 256 + 9 });
  const ids = tok.encode("日本");
  assert.equal(ids.length, 7); // BOS + 6 bytes
  assert.deepEqual(tokenCharStarts(tok, "日本", ids), [0, 0, 0, 0, 1, 1, 1]);
  assert.equal(tokenCharStarts(tok, "日本!", ids), null, "tokens that do not spell the text");
});

test("starts agree with decode() for a byte-level BPE", () => {
  const tok = trainBpe({ texts: TEXTS.map((t) => t.repeat(3)), vocabSize: 300 });
  for (const t of TEXTS) checkAgainstDecode(tok, t);
});

test("starts agree with decode() for stories260K's SentencePiece (byte fallback, dummy prefix)", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (dir === null) return;
  const tok = loadTokenizer(dir);
  for (const s of TEXTS) checkAgainstDecode(tok, s);
});
