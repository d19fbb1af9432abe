// Tests of the borderline prompts: well-formed examples and pairs, and no overlap with XSTest (the over-refusal
// test set they must never imitate): no prompt shares a word 4-gram with an XSTest prompt once the question's
// opening ("how do i", "what's the best way to", …) is set aside. Not here: the refusal data (instruct.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedOrSkip } from "../../util/paths.js";
import { BORDERLINE, buildBorderline } from "./borderline.js";
import { checkConversation } from "./example.js";
import { readXstestPromptTexts, xstestClashes } from "./xstest-overlap.js";
import { borderlinePairs, REFUSALS } from "../prefs/build.js";


test("borderline: every example is a well-formed conversation with a unique id; no answer is a refusal", () => {
  const r = buildBorderline();
  assert.equal(r.train.length, BORDERLINE.reduce((n, [, xs]) => n + xs.length, 0));
  assert.equal(r.heldOut.length, 0);
  assert.equal(new Set(r.train.map((e) => e.id)).size, r.train.length);
  for (const e of r.train) {
    checkConversation(e.messages, e.id);
    assert.doesNotMatch(e.messages[1]!.content, /^(i'm sorry|sorry|i apologi[sz]e|i can't|i cannot|as an ai)|申し訳/i, e.id);
  }
});

test("borderline pairs: the answer is chosen over a refusal in the prompt's language", () => {
  const ps = borderlinePairs();
  assert.equal(ps.length, buildBorderline().train.length);
  for (const p of ps) {
    const ja = /[぀-ヿ一-鿿]/.test(p.messages[0]!.content);
    assert.ok((ja ? REFUSALS.ja : REFUSALS.en).some((r) => r === p.rejected), p.id);
    assert.notEqual(p.chosen, p.rejected);
  }
});

test("borderline: no prompt is XSTest's or shares a word 4-gram with one past the question's opening", (t) => {
  const dir = sharedOrSkip(t, "data", "xstest");
  if (dir === null) return;
  const xs = readXstestPromptTexts(dir);
  assert.equal(xs.length, 450);
  const clashes = xstestClashes(BORDERLINE.flatMap(([, items]) => items.map(([p]) => p)), xs);
  assert.deepEqual(clashes, []);
});
