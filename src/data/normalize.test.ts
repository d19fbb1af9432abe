import { test } from "node:test";
import assert from "node:assert/strict";
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
