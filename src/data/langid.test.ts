import { test } from "node:test";
import assert from "node:assert/strict";
import { createLanguageIdentifier, keepLanguage, LANGID_DEFAULTS } from "./langid.js";

test("identifies Japanese, English and other languages; keep ja/en by default", async () => {
  const id = await createLanguageIdentifier();
  const ja = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";
  const en = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.";
  const fr = "Il était une fois une petite fille qui aimait beaucoup jouer dans le jardin avec ses amis.";
  const de = "Es war einmal ein kleines Mädchen, das sehr gerne mit seinen Freunden im Garten spielte.";
  assert.equal(id.detect(ja), "ja");
  assert.equal(id.detect(en), "en");
  assert.equal(id.detect(fr), "fr");
  assert.equal(id.detect(de), "de");
  // A Japanese text with some English words is still Japanese.
  assert.equal(id.detect("今日はTypeScriptでLLMのデータパイプラインを書きました。とても楽しかったです。"), "ja");
  assert.equal(keepLanguage("ja", LANGID_DEFAULTS), true);
  assert.equal(keepLanguage("fr", LANGID_DEFAULTS), false);
  assert.equal(keepLanguage("fr", { ...LANGID_DEFAULTS, keep: ["en", "other"] }), true);
});
