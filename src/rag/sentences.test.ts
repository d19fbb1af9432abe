import { test } from "node:test";
import assert from "node:assert/strict";
import { splitSentences } from "./sentences.js";

const split = (text: string): string[] => splitSentences(text).map((s) => text.slice(s.start, s.end));

test("Japanese: 。！？, quotes that hold terminators, quotes that end a sentence", () => {
  assert.deepEqual(split("今日は雨だ。明日は晴れる！本当か？"), ["今日は雨だ。", "明日は晴れる！", "本当か？"]);
  // A quote with terminators inside, continued by と言った, is one sentence.
  assert.deepEqual(split("彼は「雨だ。傘を持って行こう。」と言った。私は頷いた。"), ["彼は「雨だ。傘を持って行こう。」と言った。", "私は頷いた。"]);
  // Two quoted utterances back to back are two sentences; so is one that ends the line.
  assert.deepEqual(split("「はい。」「いいえ、違います。」\n『そうか。』"), ["「はい。」", "「いいえ、違います。」", "『そうか。』"]);
  // Closing brackets and stacked terminators stay with their sentence.
  assert.deepEqual(split("えっ、本当に！？（冗談だよ。）次へ。"), ["えっ、本当に！？", "（冗談だよ。）次へ。"]);
});

test("Japanese: ellipses, numbers with periods, full-width periods", () => {
  // An ellipsis inside a quote or mid-sentence does not end it; one before a line break does.
  assert.deepEqual(split("「それは……」と彼は言葉を濁した。そうか……\n次の日。"), ["「それは……」と彼は言葉を濁した。", "そうか……", "次の日。"]);
  assert.deepEqual(split("待って……。もう行くの？"), ["待って……。", "もう行くの？"]);
  // Periods between digits: 3.14, 第1.2条, Ver.2.0.
  assert.deepEqual(split("円周率は3.14である。第1.2条を参照。Ver.2.0で直った。"), ["円周率は3.14である。", "第1.2条を参照。", "Ver.2.0で直った。"]);
  // Full-width period used as a sentence end in academic style, but not in a number (１．５).
  assert.deepEqual(split("結果を示す．値は１．５であった．"), ["結果を示す．", "値は１．５であった．"]);
  // A blank line ends a sentence even without a terminator, and resets an unclosed 「.
  assert.deepEqual(split("見出し\n\n「閉じない引用。本文。\n\n次の段落。"), ["見出し", "「閉じない引用。本文。", "次の段落。"]);
});

test("English: abbreviations, decimals, initials, quotes, ellipses", () => {
  assert.deepEqual(split("Mr. Smith paid $3.50 for it. He left at 5 p.m. yesterday. Then he slept."), [
    "Mr. Smith paid $3.50 for it.",
    "He left at 5 p.m. yesterday.",
    "Then he slept.",
  ]);
  assert.deepEqual(split("Use a tool, e.g. a hammer. J. K. Rowling wrote it. \"Really?\" she asked. Yes!"), [
    "Use a tool, e.g. a hammer.",
    "J. K. Rowling wrote it.",
    '"Really?" she asked.',
    "Yes!",
  ]);
  assert.deepEqual(split('He said "Go home." Then he left... Nobody knew why.'), ['He said "Go home."', "Then he left...", "Nobody knew why."]);
  assert.deepEqual(split("Visit example.com today. Born in 1990. Died 2020"), ["Visit example.com today.", "Born in 1990.", "Died 2020"]);
});

test("spans point at the text and skip leading whitespace", () => {
  const text = "  一つ目。  二つ目。\n三つ目";
  const spans = splitSentences(text);
  assert.deepEqual(spans, [
    { start: 2, end: 6 },
    { start: 8, end: 12 },
    { start: 13, end: 16 },
  ]);
});
