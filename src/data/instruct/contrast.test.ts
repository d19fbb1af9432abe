// Tests of the contrast generator: deterministic for a seed (and different for another), balanced per kind and side
// with the counts the lexicons give, answers filled (no slot left, no refusal on a benign prompt), and no generated
// prompt is XSTest's or shares a word 4-gram with one past the question's opening (the rule of borderline.test.ts).
// Not here: the guard trained on them (safety/guard-data.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedOrSkip } from "../../util/paths.js";
import { buildContrast, expandScene, generateContrasts } from "./contrast.js";
import { CONTRAST_KINDS, SCENES } from "./contrast-lexicon.js";
import { checkConversation } from "./example.js";
import { readXstestPromptTexts, xstestClashes } from "./xstest-overlap.js";


test("contrast: the same seed gives the same prompts, another seed another sample of the same pool", () => {
  const a = generateContrasts({ seed: 1, perKind: 50 }), b = generateContrasts({ seed: 1, perKind: 50 }), c = generateContrasts({ seed: 2, perKind: 50 });
  assert.deepEqual(a, b);
  assert.equal(a.length, c.length);
  assert.notDeepEqual(a.map((x) => x.prompt), c.map((x) => x.prompt));
  assert.deepEqual(new Set(a.map((x) => x.id)), new Set(c.map((x) => x.id)));
  assert.throws(() => generateContrasts({ seed: 1, perKind: -1 }), /'perKind' must be an integer ≥ 0, got -1/);
});

test("contrast: a scene expands to frames × slot values; per kind, language and side at most perKind, all distinct", () => {
  const s = { kind: "definition", lang: "en", frames: ["What is {a}?", "Define {a} ({b})."], a: ["x", "y y"], b: ["1", "2", "3"], answer: "{A}: {b}." } as const;
  const e = expandScene(s);
  assert.equal(e.length, 2 * 3 * 2);
  assert.deepEqual(e[0], { prompt: "What is x?", answer: "X: 1." });
  assert.deepEqual(e[e.length - 1], { prompt: "Define y y (3).", answer: "Y y: 3." });
  assert.throws(() => expandScene({ ...s, answer: "{NOPE}" }), /uses \{NOPE\}/);
  const all = generateContrasts({ seed: 1, perKind: 1e9 });
  const pool = new Set(SCENES.flatMap((sc) => expandScene(sc).map((x) => x.prompt)));
  assert.equal(new Set(all.map((x) => x.prompt)).size, all.length, "no prompt twice (a benign and a harmful scene never make the same prompt)");
  assert.equal(all.length, pool.size);
  const d = generateContrasts({ seed: 1, perKind: 300 });
  for (const kind of CONTRAST_KINDS) {
    for (const harmful of [false, true]) {
      const n = d.filter((x) => x.kind === kind && x.lang === "en" && (x.harm !== null) === harmful).length;
      const full = all.filter((x) => x.kind === kind && x.lang === "en" && (x.harm !== null) === harmful).length;
      assert.equal(n, Math.min(300, full), `${kind} ${harmful}`);
      assert.ok(full > 0, `${kind}: both sides exist`);
    }
  }
  assert.ok(d.length > 2000 && d.filter((x) => x.harm !== null).length > 900, `${d.length}`);
});

test("contrast: answers are filled and fit the side; the task's examples are well-formed", () => {
  const d = generateContrasts();
  for (const c of d) {
    assert.doesNotMatch(c.prompt + c.answer, /[{}]/, c.id);
    const refusal = /^(i'm sorry|sorry|i apologi[sz]e|i can't|i cannot|i won't|as an ai)|申し訳|お手伝いはできません|お答えできません/i;
    if (c.harm === null) {
      assert.doesNotMatch(c.answer, refusal, c.id);
      assert.match(c.rejected, refusal, c.id);
    } else {
      assert.match(c.answer, refusal, c.id);
      assert.doesNotMatch(c.rejected, refusal, c.id);
    }
  }
  const byId = new Map(d.map((c) => [c.id, c]));
  assert.equal(byId.get("kotodama-contrast:definition/en/benign/0")!.answer.endsWith("."), true);
  const r = buildContrast();
  assert.equal(r.train.length, d.length);
  for (const e of r.train) checkConversation(e.messages, e.id);
});

test("contrast: no generated prompt is XSTest's or shares a word 4-gram with one past the question's opening", (t) => {
  const dir = sharedOrSkip(t, "data", "xstest");
  if (dir === null) return;
  const xs = readXstestPromptTexts(dir);
  assert.equal(xs.length, 450);
  const clashes = xstestClashes(generateContrasts({ seed: 1, perKind: 1e9 }).map((c) => c.prompt), xs);
  assert.deepEqual(clashes, []);
});
