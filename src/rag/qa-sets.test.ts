// Tests of the English reading questions on the English retrieval set (assetReadingQa): on a miniature ASSET
// folder written here, each question's id names the assetSet passage that holds its sentence, and its gold is a
// span of that passage. Not here: the question maker itself (data/instruct/reading.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assetSet } from "./evalsets.js";
import { assetReadingQa } from "./qa-sets.js";

test("assetReadingQa: questions per sentence, ids naming the passage that holds the answer", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-asset-qa-"));
  mkdirSync(join(dir, "dataset"));
  const valid = ["The town lies on a river.", "Rollins retired in 1962 to coach.", "It is small.", "Its mayor is elected.", "Monteux is a commune in France."];
  const testSplit = ["There lived a boy named Kim."];
  for (const [split, orig] of [["valid", valid], ["test", testSplit]] as const) {
    writeFileSync(join(dir, "dataset", `asset.${split}.orig`), `${orig.join("\n")}\n`);
    for (let r = 0; r < 10; r++) writeFileSync(join(dir, "dataset", `asset.${split}.simp.${r}`), `${orig.join("\n")}\n`);
  }
  const qa = assetReadingQa(dir);
  assert.deepEqual(qa, [
    { id: "valid-0/2/0", question: "Who retired in 1962 to coach?", answers: ["Rollins"] },
    { id: "valid-0/2/1", question: "Rollins retired in what year to coach?", answers: ["1962"] },
    { id: "valid-1/5/0", question: "Who is a commune in France?", answers: ["Monteux"] },
    { id: "test-0/1/0", question: "What was the name of the boy?", answers: ["Kim"] },
  ]);
  const passages = new Map(assetSet(dir).passages.map((p) => [p.id, p.text]));
  for (const q of qa) assert.ok(passages.get(q.id.split("/")[0]!)!.includes(q.answers[0]!), q.id);
});
