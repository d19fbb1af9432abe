// Tests of the reading-comprehension task: questions made from hand-written sentences (answers and offsets worked
// out by hand), then the task built from the real ../shared/data: every answer is the span its offsets name in the
// cited source, the build is deterministic under a seed, held-out texts stay out of training, and no passage shares
// text with the evaluation documents (JSQuAD v1.3 valid paragraphs, ASSET sentences). Not here: the prompt's
// wording (rag/prompt.test.ts), the SFT stage (train/sft).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../util/rng.js";
import { sharedOrSkip } from "../../util/paths.js";
import { groundedMessages, NOT_IN_SOURCES } from "../grounded-chat.js";
import { INSTRUCT_DEFAULTS } from "./config.js";
import type { InstructExample } from "./example.js";
import { buildReading, englishQuestions, japaneseQuestion, readingExample, sentencesEn, window } from "./reading.js";

test("englishQuestions: name, who, where and year questions with their spans", () => {
  const s = "One day, a boy named Tim went to the park.";
  assert.deepEqual(englishQuestions(s), [{ question: "What was the name of the boy?", answer: "Tim", at: 21 }]);
  assert.equal(s.slice(21, 24), "Tim");
  assert.deepEqual(englishQuestions("Lily found a shiny shell."), [{ question: "Who found a shiny shell?", answer: "Lily", at: 0 }]);
  assert.deepEqual(englishQuestions(" Lily found a shiny shell."), [{ question: "Who found a shiny shell?", answer: "Lily", at: 1 }]);
  const w = englishQuestions("Sam went to the store with his mom.");
  assert.deepEqual(w.map((q) => [q.question, q.answer, q.at]), [["Who went to the store with his mom?", "Sam", 0], ["Where did Sam go?", "the store", 12]]);
  assert.deepEqual(englishQuestions("She walked to the lake."), [{ question: "Where did she go?", answer: "the lake", at: 14 }]);
  const y = englishQuestions("The bridge was opened in 1932 by the mayor.");
  assert.deepEqual(y, [{ question: "The bridge was opened in what year by the mayor?", answer: "1932", at: 25 }]);
  // Not names: sentence-initial function words and -ing words; no sentence end, no question.
  assert.deepEqual(englishQuestions("The dog barks loudly."), []);
  assert.deepEqual(englishQuestions("Fighting is not nice."), []);
  assert.deepEqual(englishQuestions("Lily found a shell"), []);
});

test("japaneseQuestion: a kanji/katakana run before a particle becomes 何, 。 becomes か。", () => {
  const s = "先生は大きな凸レンズを指しました。";
  const q = japaneseQuestion(s, new Rng(1));
  assert.ok(q !== null);
  // The two candidates: 先生 (は) at 0 and 凸レンズ (を) at 6.
  assert.ok((q.answer === "先生" && q.at === 0) || (q.answer === "凸レンズ" && q.at === 6), JSON.stringify(q));
  assert.equal(s.slice(q.at, q.at + q.answer.length), q.answer);
  assert.equal(q.question, q.answer === "先生" ? "何は大きな凸レンズを指しましたか。" : "先生は大きな何を指しましたか。");
  // A leading full-width space (Aozora's indent inside a paragraph) shifts the offset, not the answer.
  const indented = japaneseQuestion(`\u3000${s}`, new Rng(1))!;
  assert.deepEqual([indented.answer, indented.at], [q.answer, q.at + 1]);
  assert.equal(japaneseQuestion("「雨だ。」", new Rng(1)), null);
  assert.equal(japaneseQuestion("ただそれだけだった。", new Rng(1)), null);
});

test("window: whole sentences around the question's sentence, within the limit", () => {
  const text = "A b c. Tim ran far. Then he sat down. The end came.";
  const sents = sentencesEn(text);
  assert.deepEqual(sents.map((s) => s.text), ["A b c.", "Tim ran far.", "Then he sat down.", "The end came."]);
  assert.deepEqual(window(text, sents, 1, 40), { at: 0, text: "A b c. Tim ran far. Then he sat down." });
  assert.deepEqual(window(text, sents, 1, 12), { at: 7, text: "Tim ran far." });
  assert.equal(window(text, sents, 1, 5), null);
});

test("readingExample: the grounded chat rag ask sends, answered with the span and its [n]", () => {
  const item = { id: "kotodama-reading:x#1", lang: "en" as const, licence: "MIT", passage: "Lily found a shell. It was pink.", question: "Who found a shell?", answer: "Lily", at: 0 };
  const other = { ...item, id: "kotodama-reading:x#2", passage: "Tom ate a pie." };
  // unanswerableFraction 0.15: over seeds, both kinds appear; each is checked against its definition.
  const kinds = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const e = readingExample(item, new Rng(seed), [other]);
    const user = e.messages.find((m) => m.role === "user")!.content;
    if (e.answer_span === undefined) {
      kinds.add("none");
      assert.deepEqual(e.messages.slice(0, 2), groundedMessages(item.question, [{ n: 1, text: other.passage }], "en"));
      assert.equal(e.messages[2]!.content, NOT_IN_SOURCES.en);
    } else {
      kinds.add(`[${e.answer_span.source}]`);
      assert.equal(e.messages[2]!.content, `Lily [${e.answer_span.source}]`);
      assert.ok(user.includes(`[${e.answer_span.source}] ${item.passage}`));
      assert.deepEqual([e.answer_span.start, e.answer_span.end], [0, 4]);
    }
  }
  assert.deepEqual([...kinds].sort(), ["[1]", "none"]);
});

/** The text of source [n] in a grounded user message. */
function sourceText(e: InstructExample, n: number): string {
  const user = e.messages.find((m) => m.role === "user")!.content;
  const body = user.slice(user.indexOf("\n") + 1, user.lastIndexOf("\n\n"));
  const lines = body.split(/\n(?=\[\d+\] )/);
  const l = lines.find((x) => x.startsWith(`[${n}] `));
  assert.ok(l !== undefined, `${e.id}: no source [${n}]`);
  return l.slice(`[${n}] `.length);
}

test("buildReading on ../shared/data: spans at their offsets, deterministic, held-out and evaluation texts kept out", (t) => {
  const dataDir = sharedOrSkip(t, "data");
  if (dataDir === null) return;
  const a = buildReading(dataDir, INSTRUCT_DEFAULTS);
  const b = buildReading(dataDir, INSTRUCT_DEFAULTS);
  assert.deepEqual(a, b, "same seed, same examples");
  const c = buildReading(dataDir, { ...INSTRUCT_DEFAULTS, seed: INSTRUCT_DEFAULTS.seed + 1 });
  assert.notDeepEqual(c.train.slice(0, 50).map((e) => e.id), a.train.slice(0, 50).map((e) => e.id), "another seed, other picks");
  assert.ok(a.train.length > 2000 && a.heldOut.length > 100, `${a.train.length} train, ${a.heldOut.length} held out`);
  const all = [...a.train, ...a.heldOut];
  let answered = 0;
  for (const e of all) {
    assert.equal(e.task, "reading");
    if (e.answer_span === undefined) {
      assert.ok(e.messages[2]!.content === NOT_IN_SOURCES.en || e.messages[2]!.content === NOT_IN_SOURCES.ja, e.id);
      continue;
    }
    answered++;
    const s = e.answer_span;
    const src = sourceText(e, s.source);
    assert.equal([...src].slice(s.start, s.end).join(""), s.text, `${e.id}: the span at [${s.start}, ${s.end}) of source [${s.source}]`);
    assert.equal(e.messages[e.messages.length - 1]!.content, `${s.text} [${s.source}]`);
  }
  assert.ok(answered > 0.8 * all.length && answered < all.length, `${answered} of ${all.length} answerable`);
  // The TinyStories validation stories and the held-out Aozora works never reach training.
  const trainIds = new Set(a.train.map((e) => e.id));
  for (const e of a.heldOut) assert.ok(!trainIds.has(e.id) && (e.id.includes("tinystories_val") || INSTRUCT_DEFAULTS.aozora.heldOutWorks.some((w) => e.id.includes(w))), e.id);
  for (const e of a.train) assert.ok(!e.id.includes("tinystories_val") && !INSTRUCT_DEFAULTS.aozora.heldOutWorks.some((w) => e.id.includes(w)), e.id);
  // No passage shares a 60-character stretch with them (40-character windows every 20: shorter stretches are
  // stock phrases such as "in the middle of the") with an evaluation document.
  const evalText: string[] = [];
  const jsq = sharedOrSkip(t, "data", "jglue", "jsquad-v1.3", "valid-v1.3.json");
  if (jsq !== null) {
    const d = JSON.parse(readFileSync(jsq, "utf8")) as { data: { paragraphs: { context: string }[] }[] };
    for (const art of d.data) for (const p of art.paragraphs) evalText.push(p.context);
  }
  for (const split of ["valid", "test"]) evalText.push(readFileSync(join(dataDir, "asset", "dataset", `asset.${split}.orig`), "utf8"));
  const grams = new Set<string>();
  for (const txt of evalText) for (let i = 0; i + 40 <= txt.length; i += 1) grams.add(txt.slice(i, i + 40));
  for (const e of a.train) {
    const user = e.messages.find((m) => m.role === "user")!.content;
    for (let i = 0; i + 40 <= user.length; i += 20) assert.ok(!grams.has(user.slice(i, i + 40)), `${e.id} shares "${user.slice(i, i + 40)}" with an evaluation document`);
  }
});
