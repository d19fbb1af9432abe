// The hand-written scanners against their regexes (the specification): hand-cut known answers, a seeded fuzz
// over tricky characters and over uniformly random code points, and real English and Japanese text.
// Not here: BPE ids (bpe.test.ts, vectors.test.ts compare whole encodes with llama.cpp and tiktoken).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Rng } from "../util/rng.js";
import { sharedPath } from "../util/paths.js";
import { GPT2_PATTERN, GPT4_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN, regexPreTokenizer } from "./pretokenize.js";
import { scanningPreTokenizer } from "./pretokenize-scan.js";

const PATTERNS = { gpt2: GPT2_PATTERN, llama3: LLAMA3_PATTERN, qwen2: QWEN2_PATTERN } as const;

const scanner = (p: string) => {
  const s = scanningPreTokenizer(p);
  assert.ok(s !== null, p);
  return s;
};

test("scanners cut known strings as worked out by hand", () => {
  const text = "Hello  world's 1234!!\n\n\tIt'S ok";
  assert.deepEqual(scanner(GPT2_PATTERN).split(text), ["Hello", " ", " world", "'s", " 1234", "!!", "\n\n", "\t", "It", "'", "S", " ok"]);
  assert.deepEqual(scanner(LLAMA3_PATTERN).split(text), ["Hello", " ", " world", "'s", " ", "123", "4", "!!\n\n", "\tIt", "'S", " ok"]);
  assert.deepEqual(scanner(QWEN2_PATTERN).split(text), ["Hello", " ", " world", "'s", " ", "1", "2", "3", "4", "!!\n\n", "\tIt", "'S", " ok"]);
  assert.deepEqual(scanner(LLAMA3_PATTERN).split("a \n  b"), ["a", " \n", " ", " b"]);
  assert.deepEqual(scanner(GPT2_PATTERN).split("吾輩は猫である。名前はまだ無い。"), ["吾輩は猫である", "。", "名前はまだ無い", "。"]);
  assert.deepEqual(scanner(GPT2_PATTERN).split(""), []);
});

test("patterns without a scanner get null (they run as regexes)", () => {
  assert.equal(scanningPreTokenizer(GPT4_PATTERN), null);
  assert.equal(scanningPreTokenizer([GPT2_PATTERN, GPT2_PATTERN]), null);
});

const POOL = [
  "a", "Z", "s", "S", "t", "re", "RE", "ve", "ll", "Ll", "d", "m", "é", "ß", "ſ", "K", " ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f",
  "\u3000", "\u00a0", "\u0085", "\u2028", "\u1680", "\u180e", "\ufeff", "1", "٣", "²", "Ⅻ", ".", "!", "'", "'s", "'LL", "’", "吾", "輩",
  "は", "カ", "ー", "々", "😀", "𝐀", "𝟙", "가", "Ω", "–", "$", "<", "\u200b", "\u0301", "\ud800", "\udc00", "\ud83d",
];

function fuzzText(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    // One time in four a uniformly random code point (astral and unassigned included), else a tricky one.
    s += rng.int(4) === 0 ? String.fromCodePoint(rng.int(0x110000)) : POOL[rng.int(POOL.length)]!;
  }
  return s;
}

for (const [name, pattern] of Object.entries(PATTERNS)) {
  test(`${name} scanner equals its regex on 4000 random strings`, () => {
    const rng = new Rng(16);
    const scan = scanner(pattern);
    const re = regexPreTokenizer(pattern);
    for (let k = 0; k < 4000; k++) {
      const s = fuzzText(rng, 1 + rng.int(40));
      assert.deepEqual(scan.split(s), re.split(s), JSON.stringify(s));
    }
  });
}

test("scanners equal their regexes on every code point, alone and between letters and spaces", () => {
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    const scan = scanner(pattern);
    const re = regexPreTokenizer(pattern);
    // Many code points per string keeps this fast; the contexts put each one after a letter, a space, a digit.
    for (let base = 0; base < 0x110000; base += 512) {
      let s = "";
      for (let cp = base; cp < base + 512; cp++) s += `a${String.fromCodePoint(cp)} ${String.fromCodePoint(cp)}1${String.fromCodePoint(cp)}`;
      const a = scan.split(s);
      const b = re.split(s);
      if (a.length !== b.length || a.some((p, i) => p !== b[i])) assert.deepEqual(a, b, `${name}, code points from U+${base.toString(16)}`);
    }
  }
});

test("scanners equal their regexes on English and Japanese corpus text", (t) => {
  const en = sharedPath("data", "tinystories", "tinystories_val.txt");
  const ja = sharedPath("data", "aozora", "clean", "789_ruby_5639.txt");
  if (en === null || ja === null) return void t.skip("../shared/data is absent");
  const texts = [readFileSync(en, "utf8").slice(0, 300000), readFileSync(ja, "utf8").slice(0, 200000)];
  for (const pattern of Object.values(PATTERNS)) {
    for (const s of texts) assert.deepEqual(scanner(pattern).split(s), regexPreTokenizer(pattern).split(s));
  }
});
