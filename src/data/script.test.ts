import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../util/paths.js";
import { scriptLanguage } from "./script.js";
import { createLanguageIdentifier, LANGID_DEFAULTS } from "./langid.js";

const fixture = (): { lang: string; text: string }[] =>
  readFileSync(join(packageRoot(), "tests", "fixtures", "langid", "multilingual.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { lang: string; text: string });

test("script fast path: plain scripts answer, shared scripts and other Latin languages go to the model", () => {
  assert.equal(scriptLanguage("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"), "ja");
  assert.equal(scriptLanguage("今日はTypeScriptでLLMのデータパイプラインを書きました。"), "ja");
  assert.equal(scriptLanguage("Once upon a time, there was a little girl named Lily. She loved to play."), "en");
  assert.equal(scriptLanguage("오늘은 날씨가 좋아서 친구들과 함께 공원에 갔습니다."), "ko");
  assert.equal(scriptLanguage("Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι."), "el");
  // Han without kana (Chinese, or a Japanese address), Cyrillic, Arabic, accented or non-English Latin: the model.
  assert.equal(scriptLanguage("人人生而自由，在尊严和权利上一律平等。"), null);
  assert.equal(scriptLanguage("東京都千代田区丸の内一丁目"), null); // one kana of 12 letters: below kanaShare
  assert.equal(scriptLanguage("Все люди рождаются свободными и равными."), null);
  assert.equal(scriptLanguage("Il fait beau aujourd'hui, alors nous allons marcher dans le parc."), null);
  assert.equal(scriptLanguage("Het is een mooie dag en de kinderen spelen buiten in de tuin."), null);
  assert.equal(scriptLanguage("Was ist das? Das ist ein Hund, und er ist sehr alt."), null);
  // English words around another script's letters are not "plainly English".
  assert.equal(scriptLanguage("On the Light of the Moon (مقالة في ضوء القمر)"), null);
  // Too few letters or words to say.
  assert.equal(scriptLanguage("第一章"), null);
  assert.equal(scriptLanguage("I love you."), null);
});

test("where the fast path answers, eld (the independent reference) gives the same label", async () => {
  const eld = await createLanguageIdentifier({ ...LANGID_DEFAULTS, fastPath: false });
  const fast = await createLanguageIdentifier(LANGID_DEFAULTS);
  let answered = 0;
  for (const { lang, text } of fixture()) {
    const f = scriptLanguage(text);
    if (f !== null) {
      answered++;
      assert.equal(f, eld.detect(text), `fast path ${f} vs eld on ${lang}: ${text}`);
    }
    assert.equal(fast.detect(text), f ?? eld.detect(text));
  }
  // The fixture's English, Japanese, Korean, Greek, Hebrew, Thai, Georgian, Armenian, Tamil and Bengali lines.
  assert.ok(answered >= 15, `fast path answered ${answered} of the fixture's lines`);
});
