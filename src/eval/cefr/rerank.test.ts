// levelRerank (simplify.ts): the classifier's level-aware choice among beam hypotheses, with a tiny classifier
// trained here on a keyword signal whose levels are known by construction (cat A1, apple A2, policy B1, budget B2,
// ontology C1), keyword.fixture.ts. Checked by hand: the best-scored hypothesis at or
// below the target wins even when a better-scored one is above it; with none at the target the lowest-judged wins,
// the better-scored on ties; an empty hypothesis (nothing to judge) is never preferred to a judged one.
// Not here: decoding (simplify.ts through beam.ts), the metrics (simplify-eval.ts).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { OpenCefr } from "./model.js";
import { KEYWORD_LEVELS, keywordSentence, trainKeywordCefr } from "./keyword.fixture.js";
import { levelRerank, outputLevel } from "./simplify.js";

const WORDS = KEYWORD_LEVELS;
const s = keywordSentence;

describe("levelRerank: the best-scored hypothesis at or below the target", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-rerank-"));
  let m: OpenCefr;
  before(() => {
    m = trainKeywordCefr(join(dir, "cefr"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the classifier reads the keywords' levels (the premise of the hand-computed choices)", () => {
    assert.deepEqual(WORDS.map(([w], i) => outputLevel(m, s(w, 100 + i))), [0, 1, 2, 3, 4]);
  });

  test("choices", () => {
    const [cat, apple, policy, budget, onto] = WORDS.map(([w], i) => s(w, 200 + i)) as [string, string, string, string, string];
    assert.equal(levelRerank(m, [onto, budget, apple, cat], 1), 2, "the first at or below A2, not the lower-level cat after it");
    assert.equal(levelRerank(m, [cat, apple], 1), 0, "the top hypothesis when it is at the target");
    assert.equal(levelRerank(m, [onto, budget, policy], 1), 2, "none at A2: the lowest-judged");
    assert.equal(levelRerank(m, [onto, policy, `${policy} ${policy}`], 0), 1, "ties on level: the better-scored");
    assert.equal(levelRerank(m, ["", onto, budget], 1), 2, "an empty hypothesis is not preferred");
    assert.equal(levelRerank(m, ["", ""], 1), 0);
  });
});
