import { test } from "node:test";
import assert from "node:assert/strict";
import { createToxicityMatcher, TOXICITY_DEFAULTS } from "./toxicity.js";

const m = createToxicityMatcher();

test("toxic English and Japanese text is removed", () => {
  const en = m.judge("You are a fucking idiot and a piece of shit.");
  assert.equal(en.keep, false);
  assert.equal(en.hits, 2);
  assert.deepEqual(m.matches("You are a fucking idiot and a piece of shit.", 5), ["fucking", "piece of shit"]);
  const ja = m.judge("このレイプ動画とポルノの宣伝です。");
  assert.equal(ja.keep, false);
  assert.deepEqual(m.matches("このレイプ動画とポルノの宣伝です。", 5).sort(), ["ポルノ", "レイプ"]);
  // Multi-word entries match as whole phrases.
  assert.equal(m.judge("He showed me two girls one cup yesterday.").keep, false);
});

test("clean text, whole-word matching and the allow-list keep ordinary prose", () => {
  assert.equal(m.hits("Once upon a time, there was a little girl named Lily who loved her cat."), 0);
  // No substring matches inside English words (Scunthorpe problem): "class", "assume", "cocktail".
  assert.equal(m.hits("The class will assume the cocktail party starts at Scunthorpe station."), 0);
  // Allow-listed everyday Japanese words: 嫌い (dislike), 女の子 (girl), カント (Kant).
  assert.equal(m.hits("女の子はカントの本が嫌いでした。"), 0);
  assert.ok(createToxicityMatcher({ ...TOXICITY_DEFAULTS, allow: [] }).hits("女の子はカントの本が嫌いでした。") >= 3);
});

test("density threshold: one hit in a long document is kept, in a short one it is dropped", () => {
  const long = `${"The children played in the garden and laughed all afternoon long. ".repeat(10)}Then someone said shit.`;
  assert.equal(m.judge(long).hits, 1);
  assert.equal(m.judge(long).keep, true);
  assert.equal(m.judge("Then someone said shit.").keep, false);
  const strict = createToxicityMatcher({ ...TOXICITY_DEFAULTS, minRatio: 0 });
  assert.equal(strict.judge(long).keep, false);
});
