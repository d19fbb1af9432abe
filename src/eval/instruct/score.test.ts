// Scoring replies by hand: CEFR levels parsed (or not) from replies and compared exactly and within one level;
// required words found as whole words in any case; ROUGE-L taking the best ASSET reference; a task's summary
// counting what the replies scored; the few-shot prompt's exact text.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { InstructExample } from "../../data/instruct/example.js";
import { fewShotPrompt } from "./prompts.js";
import { containsWord, majorityLevel, parseCefrLevel, scoreReply, summarize } from "./score.js";

const ex = (task: InstructExample["task"], user: string, answer: string, extra: Partial<InstructExample> = {}): InstructExample => ({
  id: `test:${user}`, task, source: "cefr-sp", licence: "MIT", messages: [{ role: "user", content: user }, { role: "assistant", content: answer }], ...extra,
});

test("a CEFR level is a word of its own, any case; the first one counts", () => {
  const cases: [string, string | null][] = [
    ["B1", "B1"], ["b2.", "B2"], ["Level: C1", "C1"], ["It is A2, maybe B1", "A2"], ["(C2)", "C2"],
    ["A12", null], ["AB1", null], ["B3", null], ["", null], ["Once upon a time", null], ["レベルはB2です", "B2"],
  ];
  for (const [reply, want] of cases) assert.equal(parseCefrLevel(reply), want, JSON.stringify(reply));
});

test("cefr-level: exact, within one level, unparsed", () => {
  const e = ex("cefr-level", "q", "B1", { cefr_level: "B1" });
  assert.deepEqual(scoreReply("cefr-level", e, "B1"), { task: "cefr-level", gold: "B1", parsed: "B1", exact: true, withinOne: true });
  assert.deepEqual(scoreReply("cefr-level", e, "A2"), { task: "cefr-level", gold: "B1", parsed: "A2", exact: false, withinOne: true });
  assert.deepEqual(scoreReply("cefr-level", e, "C1"), { task: "cefr-level", gold: "B1", parsed: "C1", exact: false, withinOne: false });
  assert.deepEqual(scoreReply("cefr-level", e, "no idea"), { task: "cefr-level", gold: "B1", parsed: null, exact: false, withinOne: false });
  assert.throws(() => scoreReply("cefr-level", ex("cefr-level", "q", "B1"), "B1"), /test:q: cefr-level example without a valid cefr_level/);
});

test("story-words: whole words, any case, punctuation around them allowed", () => {
  assert.ok(containsWord("The Girl smiled.", "girl"));
  assert.ok(containsWord("girl,", "girl"));
  assert.ok(!containsWord("The girls smiled.", "girl"));
  assert.ok(!containsWord("a cowgirl", "girl"));
  assert.ok(containsWord("a well-known fact", "known"));
  const e = ex("story-words", "Write", "s", { required_words: ["girl", "helping", "moral"] });
  assert.deepEqual(scoreReply("story-words", e, "A girl was Helping her mom."), { task: "story-words", required: ["girl", "helping", "moral"], present: ["girl", "helping"], all: false, share: 2 / 3 });
  const all = scoreReply("story-words", e, "MORAL: a girl likes helping.");
  assert.ok(all.task === "story-words" && all.all && all.share === 1);
});

test("simplify: the best reference's ROUGE-L", () => {
  const e = ex("simplify", "s", "r", { references: ["police killed the gunman", "a b c d"] });
  assert.deepEqual(scoreReply("simplify", e, "police kill the gunman"), { task: "simplify", rougeL: 0.75, references: 2 });
  assert.throws(() => scoreReply("simplify", ex("simplify", "s", "r"), "x"), /without references/);
});

test("summaries count the replies: 2 of 4 exact, 3 of 4 within one, 1 unparsed; mean ROUGE-L", () => {
  const e = ex("cefr-level", "q", "B1", { cefr_level: "B1" });
  const m = summarize("cefr-level", ["B1", "B1", "B2", "?"].map((r) => scoreReply("cefr-level", e, r)), 1);
  assert.deepEqual([m.exact!.value, m["within-one"]!.value, m.unparsed!.value, m.exact!.n], [0.5, 0.75, 0.25, 4]);
  assert.equal(m.exact!.interval, "wilson");
  const s = ex("simplify", "s", "r", { references: ["a b c d"] });
  const r = summarize("simplify", ["a b c d", "d c b a"].map((x) => scoreReply("simplify", s, x)), 1);
  assert.equal(r["rouge-l"]!.value, (1 + 0.25) / 2);
  assert.equal(r["rouge-l"]!.interval, "bootstrap");
});

test("the few-shot prompt: solved examples, then the query open after 'Answer:'", () => {
  const shots = [ex("cefr-level", "Level?\n\nI am.", "A1"), ex("cefr-level", "Level?\n\nNotwithstanding.", "C1")];
  assert.equal(fewShotPrompt(shots, ex("cefr-level", "Level?\n\nHello.", "A1")), "Level?\n\nI am.\nAnswer: A1\n\nLevel?\n\nNotwithstanding.\nAnswer: C1\n\nLevel?\n\nHello.\nAnswer:");
  assert.equal(fewShotPrompt([], ex("simplify", "Simplify.\n\nX.", "Y")), "Simplify.\n\nX.\nAnswer:");
});

test("the constant-reply baseline: the most common level, ties to the lower one, none without CEFR examples", () => {
  const lv = (l: string): InstructExample => ex("cefr-level", l, l, { cefr_level: l });
  assert.equal(majorityLevel([lv("B1"), lv("A2"), lv("B1"), ex("simplify", "s", "r")]), "B1");
  assert.equal(majorityLevel([lv("C1"), lv("A2")]), "A2");
  assert.equal(majorityLevel([ex("simplify", "s", "r")]), null);
});
