import { test } from "node:test";
import assert from "node:assert/strict";
import { judgeQuality, cjkShare, QUALITY_DEFAULTS } from "./quality.js";

const EN = "Once upon a time, there was a little girl named Lily. She loved to play outside with her friends in the park. " +
  "One day she found a shiny red ball under a tree and wanted to share it with everyone she knew.";
const JA = "　吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。" +
  "吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。";

test("clean English and a Japanese paragraph are kept; English-only rules would have dropped the Japanese", () => {
  assert.deepEqual(judgeQuality(EN), { keep: true, rule: "", value: 0 });
  assert.equal(judgeQuality(JA).keep, true);
  assert.ok(cjkShare(JA) > 0.9 && cjkShare(EN) === 0);
  // The same paragraph judged as spaced text fails (no spaces: one "word" far too long, no stop words): the
  // script switch is what saves it.
  assert.equal(judgeQuality(JA, { ...QUALITY_DEFAULTS, cjkRatio: 1.01 }).keep, false);
});

test("spaced-language rules: too short, no stop words, symbols, bullets, ellipses, non-alpha words", () => {
  assert.equal(judgeQuality("Buy now cheap").rule, "min-words");
  assert.equal(judgeQuality("Prices: cheap watches, cheap bags, cheap shoes, cheap hats available today only").rule, "stop-words");
  assert.equal(judgeQuality("#deal #sale #win #free #now the best #offer and #more #tags #here").rule, "symbol-word-ratio");
  const bullets = Array.from({ length: 10 }, (_, i) => `- the item number ${["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][i]} of the list`).join("\n");
  assert.equal(judgeQuality(bullets).rule, "bullet-line-ratio");
  const ell = Array.from({ length: 6 }, (_, i) => `The story continues in part ${["one", "two", "three", "four", "five", "six"][i]} of the series and then...`).join("\n");
  assert.equal(judgeQuality(ell).rule, "ellipsis-line-ratio");
  assert.equal(judgeQuality("1234 5678 9012 3456 7890 1234 and the 5678 9012 3456 7890").rule, "alpha-word-ratio");
});

test("repetition rules: duplicate lines and repeated n-grams (spam)", () => {
  const lines = Array.from({ length: 6 }, () => "Click here to win a prize with the best offer").join("\n");
  assert.equal(judgeQuality(lines).rule, "dup-line-ratio");
  const spam = "buy the cheap pills buy the cheap pills buy the cheap pills buy the cheap pills and more of the same";
  assert.match(judgeQuality(spam).rule, /^(top-\dgram-ratio|dup-\d+gram-ratio)$/);
});

test("Japanese rules: repeated characters, no hiragana, too short", () => {
  assert.match(judgeQuality("あああああああああああああああああああああああああああああああああああああああ").rule, /^ja-(top|dup)-\d+gram-ratio$/);
  assert.equal(judgeQuality("東京都千代田区丸の内一丁目、大阪府大阪市北区梅田三丁目、名古屋市中区栄四丁目、福岡市博多区").rule, "ja-hiragana-ratio");
  assert.equal(judgeQuality("猫。").rule, "ja-min-chars");
  assert.equal(judgeQuality("★☆★☆★☆★☆ねこ★☆★☆★☆★☆いぬ★☆★☆★☆★☆").rule, "ja-symbol-ratio");
});
