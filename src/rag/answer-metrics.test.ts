// Answer scoring against hand-computed examples: exact match after normalization, character F1, and the support
// check (gold, retrieved span, neither, abstention); a worked unsupported-rate example over a small set; citation
// markers; and the phrase of a sentence a question leaves out (extractive answers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { charF1, exactMatch, normalizeAnswer, support } from "./answer-metrics.js";
import { uncoveredPhrase } from "./extract.js";
import { summarizeRag, type RagRecord } from "./hallucination.js";
import { parseCitations, stripCitations } from "./citations.js";

test("normalization, exact match and character F1 match hand-computed values", () => {
  assert.equal(normalizeAnswer(" 小笠原諸島。"), "小笠原諸島");
  assert.equal(normalizeAnswer("The Ｎｉｌｅ!"), "nile");
  assert.equal(exactMatch("小笠原諸島。", ["小笠原諸島を除く日本", "小笠原諸島"]), 1);
  assert.equal(exactMatch("小笠原", ["小笠原諸島"]), 0);
  // 小笠原 vs 小笠原諸島: 3 shared characters; precision 3/3, recall 3/5, F1 = 2·1·0.6/1.6 = 0.75.
  const near = (x: number, y: number): void => assert.ok(Math.abs(x - y) < 1e-12, `${x} vs ${y}`);
  near(charF1("小笠原", ["小笠原諸島"]), 0.75);
  // Best over golds: vs 小笠原諸島を除く日本 (10 chars) recall 3/10 → F1 = 2·0.3/1.3 = 0.4615…; the max is 0.75.
  near(charF1("小笠原", ["小笠原諸島を除く日本"]), 0.6 / 1.3);
  near(charF1("小笠原", ["小笠原諸島を除く日本", "小笠原諸島"]), 0.75);
  // Repeated characters count as a multiset: ああい vs あいい shares あ once and い once: P = R = 2/3 → F1 2/3.
  assert.ok(Math.abs(charF1("ああい", ["あいい"]) - 2 / 3) < 1e-12);
  assert.equal(charF1("雨季", ["梅雨"]), 0.5); // 雨 shared: P = R = 1/2
  assert.equal(charF1("晴れ", ["梅雨"]), 0);
  assert.equal(charF1("", ["梅雨"]), 0);
});

test("support: gold or retrieved span contains the answer; neither is unsupported; abstentions apart", () => {
  const golds = ["小笠原諸島"];
  const spans = ["梅雨は、北海道と小笠原諸島を除く日本にみられる。"];
  assert.equal(support("小笠原", false, golds, spans), "supported"); // inside the gold
  assert.equal(support("北海道と", false, golds, spans), "supported"); // inside a retrieved span
  assert.equal(support("沖縄", false, golds, spans), "unsupported");
  assert.equal(support("の、、、、", false, golds, ["梅雨の季節"]), "unsupported"); // punctuation is kept for this check
  assert.equal(support("資料には書かれていません。", true, golds, spans), "abstained");
  assert.equal(support("、、。", false, golds, spans), "abstained"); // nothing left to check
  // Spaced scripts: the answer must be whole words of the span ("Se" is not in "these"; "Max" is in "Max, the dog").
  const en = ["These are the days of Max, the dog from the farm."];
  assert.equal(support("Se", false, [], en), "unsupported");
  assert.equal(support("Max", false, [], en), "supported");
  assert.equal(support("the dog", false, [], en), "supported");
  assert.equal(support("he dog", false, [], en), "unsupported");
  assert.equal(support("the   DOG", false, [], en), "supported"); // whitespace runs and case normalised
  assert.equal(support("farm.", false, [], en), "supported"); // ends at punctuation
  assert.equal(support("道と", false, golds, spans), "supported"); // unspaced script: any place
});

test("unsupported rate of a worked example", () => {
  // 5 answers: 2 supported, 2 unsupported, 1 abstained → unsupported 2/5 = 0.4 of all, 2/4 = 0.5 of answered.
  const rec = (s: RagRecord["support"], em: number, f1: number): RagRecord => ({ id: "x", condition: "rag-generate", question: "q", golds: [], answer: "a", em, f1, support: s, belowThreshold: false, relevance: 1, citations: 0, retrieved: [] });
  const m = summarizeRag([rec("supported", 1, 1), rec("supported", 0, 0.5), rec("unsupported", 0, 0), rec("unsupported", 0, 0.25), rec("abstained", 0, 0)], 1);
  assert.equal(m.unsupported.value, 0.4);
  assert.equal(m.unsupportedOfAnswered.value, 0.5);
  assert.equal(m.abstained.value, 0.2);
  assert.equal(m.em.value, 0.2);
  assert.ok(Math.abs(m.f1.value - 0.35) < 1e-12);
});

test("citation markers: forms, several numbers in one, unknown numbers, stripping", () => {
  const src = (n: number): { n: number; docId: string; source: string; start: number; end: number; text: string } => ({ n, docId: `d${n}`, source: "f", start: n * 10, end: n * 10 + 5, text: `t${n}` });
  const p = parseCitations("𠮷 A [1]. B ［２］【3, 1】 C [7]", [src(1), src(2), src(3)]);
  assert.deepEqual(p.citations.map((c) => c.n), [1, 2, 3, 1]);
  assert.deepEqual(p.unknown, [7]);
  assert.deepEqual(p.citations[0]!.marker, { start: 4, end: 7 }); // 𠮷 is one code point
  assert.deepEqual([p.citations[1]!.docId, p.citations[1]!.start, p.citations[1]!.end], ["d2", 20, 25]);
  assert.equal(stripCitations("小笠原諸島 [1]。"), "小笠原諸島 。");
});

test("the phrase a question leaves out", () => {
  const cp = (s: string, r: { start: number; end: number } | null): string | null => (r === null ? null : [...s].slice(r.start, r.end).join(""));
  // Covered by the question's bigrams: 梅雨, 北海道と, 日本; the runs left: "小笠原諸島を除く" (8) wins over "は" etc.
  const s = "梅雨 [SEP] 梅雨は、北海道と小笠原諸島を除く日本にみられる。";
  assert.equal(cp(s, uncoveredPhrase(s, "日本で梅雨がないのは北海道とどこか。")), "小笠原諸島を除く");
  // Code points: a character outside the BMP before the phrase shifts UTF-16 indices, not the offsets.
  const t = "𠮷野家の本店は東京にある。";
  const r = uncoveredPhrase(t, "𠮷野家の本店はどこにある？");
  assert.deepEqual(r, { start: 7, end: 9 });
  assert.equal(cp(t, r), "東京");
  assert.equal(uncoveredPhrase("本店は", "本店は"), null);
  // A number or a spaced-script word is never cut: the question's "19" covers the start of "1991" (the run alone
  // would say "91年", another year), and its "ne" (of "nectar") the middle of "honey" (the run alone: "ho").
  const y = "その予算は1991年には6億210万ドルに膨れ上がった。";
  assert.equal(cp(y, uncoveredPhrase(y, "19年の予算はいくらか？")), "1991年には6億210万ドルに膨れ上がった");
  const h = "Bees make honey from nectar.";
  assert.equal(cp(h, uncoveredPhrase(h, "What do bees make from nectar?")), "honey");
});
