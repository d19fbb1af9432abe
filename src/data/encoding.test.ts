import { test } from "node:test";
import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { firstInvalidUtf8, guessEncoding, lineAt, replaceLoneSurrogates } from "./encoding.js";
import { Rng } from "../util/rng.js";
import { legacy, NEKO } from "./encoding.fixture.js";

test("the hand-built Shift_JIS and EUC-JP bytes decode back through ICU's decoders (the fixture is right)", () => {
  assert.equal(new TextDecoder("shift_jis", { fatal: true }).decode(legacy(NEKO, "shift_jis")), NEKO);
  assert.equal(new TextDecoder("euc-jp", { fatal: true }).decode(legacy(NEKO, "euc-jp")), NEKO);
});

test("guessEncoding names Shift_JIS, EUC-JP, UTF-8 and UTF-16 (BOM), and declines Latin-1", () => {
  assert.equal(guessEncoding(legacy(NEKO, "shift_jis")), "shift_jis");
  assert.equal(guessEncoding(legacy(NEKO, "euc-jp")), "euc-jp");
  assert.equal(guessEncoding(Buffer.from(NEKO, "utf8")), "utf-8");
  assert.equal(guessEncoding(Buffer.from("\ufeffhi", "utf16le")), "utf-16le");
  assert.equal(guessEncoding(Buffer.from("caf\xe9 cr\xe8me br\xfbl\xe9e\n", "latin1")), null);
  // A sample cut inside a character is cut back to its last newline first.
  const sj = legacy(NEKO, "shift_jis");
  assert.equal(guessEncoding(sj.subarray(0, sj.length - 3), false), "shift_jis");
  assert.equal(guessEncoding(Buffer.from(NEKO, "utf8").subarray(0, 40), false), "utf-8");
});

test("firstInvalidUtf8 agrees with Node's isUtf8 and TextDecoder on random and near-valid bytes", () => {
  const rng = new Rng(7);
  const fatal = new TextDecoder("utf-8", { fatal: true });
  for (let n = 0; n < 3000; n++) {
    // Valid text with a few random bytes overwritten: hits truncations, overlongs, surrogates, stray trails.
    const b = Buffer.from(`ab ${"é日😀\u07ff\uffff".repeat(1 + (n % 3))} z`, "utf8");
    for (let k = 0; k < 1 + (n % 3); k++) b[Math.floor(rng.next() * b.length)] = Math.floor(rng.next() * 256);
    const at = firstInvalidUtf8(b);
    assert.equal(at < 0, isUtf8(b), `bytes ${b.toString("hex")}`);
    if (at >= 0) {
      assert.ok(isUtf8(b.subarray(0, at)), `prefix before ${at} is valid: ${b.toString("hex")}`);
      assert.throws(() => fatal.decode(b.subarray(at, Math.min(b.length, at + 4))), `invalid at ${at}: ${b.toString("hex")}`);
    }
  }
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1); // UTF-8 of U+D800
  assert.equal(firstInvalidUtf8(Buffer.from([0xc0, 0xaf])), 0); // overlong "/"
  assert.equal(lineAt(Buffer.from("a\nb\nc"), 4), 3);
});

test("lone surrogates are counted and replaced with U+FFFD; pairs are kept", () => {
  assert.deepEqual(replaceLoneSurrogates("a\ud800b"), { text: "a\ufffdb", count: 1 });
  assert.deepEqual(replaceLoneSurrogates("\udc00x\ud83d"), { text: "\ufffdx\ufffd", count: 2 });
  const emoji = "ok 😀 \ud83d\ude00";
  assert.deepEqual(replaceLoneSurrogates(emoji), { text: emoji, count: 0 });
});
