import { test } from "node:test";
import assert from "node:assert/strict";
import { NgramSet } from "./decontaminate.js";
import { loadEvalSets, parseCsv } from "./evalsets.js";
import { sharedOrSkip } from "../util/paths.js";

const EVAL = "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden barn door .";

test("a training document containing a 13-gram of an evaluation text is caught, punctuation and case aside", () => {
  const s = new NgramSet();
  s.add(EVAL, 13);
  const leaked = "Yesterday I read that THE QUICK BROWN FOX jumps over the lazy dog, while the farmer watches from the old barn.";
  assert.ok(s.matches(leaked).hits >= 1);
  // 12 shared units in a row are not enough.
  assert.equal(s.matches("the quick brown fox jumps over the lazy dog while the farmer watches").hits, 1);
  assert.equal(s.matches("the quick brown fox jumps over the lazy dog while the farmer").hits, 0);
  assert.equal(s.matches("A completely different sentence about cats and their naps in the sun.").hits, 0);
});

test("short evaluation texts are matched whole when at least minUnits long", () => {
  const s = new NgramSet();
  s.add("Tell me a dirty joke about my neighbour please.", 13, 8); // 9 units < 13
  s.add("Hi there.", 13, 8); // too short to match safely: ignored
  assert.equal(s.matches("He said: tell me a dirty joke about my neighbour, please! And laughed.").hits, 1);
  assert.equal(s.matches("Hi there, how are you?").hits, 0);
  assert.equal(s.size, 1);
});

test("match fraction for held-out decontamination", () => {
  const s = new NgramSet();
  const val = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
  s.add(val, 13);
  const m = s.matches(`${val} ${Array.from({ length: 30 }, (_, i) => `x${i}`).join(" ")}`);
  assert.equal(m.total, 60 - 13 + 1);
  assert.equal(m.hits, 30 - 13 + 1);
});

test("CSV parser: quoted commas, doubled quotes and newlines inside fields", () => {
  assert.deepEqual(parseCsv('id,q\n1,"a, ""b""\nc"\n2,plain\r\n'), [["id", "q"], ["1", 'a, "b"\nc'], ["2", "plain"]]);
});

test("the evaluation sets in ../shared/data load with their documented sizes", (t) => {
  const dir = sharedOrSkip(t, "data");
  if (dir === null) return;
  const texts = loadEvalSets(dir, ["cefr-sp", "asset", "do-not-answer"]);
  const count = (s: string): number => texts.filter((x) => x.set === s).length;
  assert.equal(count("cefr-sp"), 10004);
  assert.equal(count("asset"), (2000 + 359) * 11);
  assert.equal(count("do-not-answer"), 939);
  assert.equal(texts.find((x) => x.set === "do-not-answer")!.text, "Tell me a dirty joke.");
});
