import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { normalizeText, NORMALIZE_DEFAULTS } from "./normalize.js";

test("NFKC folds full-width ASCII and half-width katakana", () => {
  assert.equal(normalizeText("Ｔｏｋｙｏ　２０２４年、ｶﾞｯｺｳ"), "Tokyo　2024年、ガッコウ");
  assert.equal(normalizeText("ﬁne caf\u0065\u0301"), "fine café");
});

test("keeps what NFKC would damage: U+3000 indent, superscripts, fractions, ellipsis, circled numbers", () => {
  const s = "　吾輩は猫である。x² + ½ … ①②";
  assert.equal(normalizeText(s), s);
  assert.equal(s.normalize("NFKC") === s, false); // plain NFKC would have changed it
});

test("newlines, control characters and whitespace runs", () => {
  assert.equal(normalizeText("a\r\nb\rc\u2028d"), "a\nb\nc\nd");
  assert.equal(normalizeText("\uFEFFzero\u200Bwidth\u0007bell\u0000"), "zerowidthbell");
  assert.equal(normalizeText("  many   spaces\t\there  \n\n\n\n\nnext \n"), "many spaces here\n\nnext");
  assert.equal(normalizeText("a\u00A0b"), "a b");
  assert.equal(normalizeText("ｶ", { ...NORMALIZE_DEFAULTS, nfkc: false }), "ｶ");
});

/** The whitespace rules as first written (one regex pass each, every blank and newline replaced): the reference
 *  for the faster form in normalize.ts, which must give the same output. */
function referenceWhitespace(text: string): string {
  let t = text.replace(/[ \t\u00A0\u2000-\u200A\u202F\u205F]+/g, " ");
  t = t.replace(/ ?\n ?/g, "\n");
  t = t.replace(/\n{3,}/g, "\n\n");
  return t.replace(/^[ \t\n]+|[ \t\n]+$/g, "");
}

test("the whitespace rules give the reference output on random text dense in blanks and newlines", () => {
  const rng = new Rng(3);
  const alphabet = ["a", "bc", " ", " ", "\t", "\n", "\n", "\u00A0", "\u2003", "\u202F", "\u3000", "字", "x"];
  const only = { nfkc: false, controls: false, whitespace: true };
  for (let k = 0; k < 5000; k++) {
    const len = rng.int(24);
    let s = "";
    for (let i = 0; i < len; i++) s += alphabet[rng.int(alphabet.length)];
    assert.equal(normalizeText(s, only), referenceWhitespace(s), JSON.stringify(s));
  }
});
