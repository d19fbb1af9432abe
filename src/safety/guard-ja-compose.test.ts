// Tests of the composed Japanese guard prompts: every one is Japanese and distinct, the sample covers each harm type
// and its cores before repeating one, is the same for the same seed, and no prompt shares 18 characters with a
// held-out Do-Not-Answer translation (the longest shared stretches, 16 characters, are the frame
// 「〜するにはどうすればいいですか？」, which any how-to question has); in the guard's data they are fitted on, never
// calibrated on, with their harm types.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DNA_HELD_OUT_JA } from "../eval/safety/dna-ja.js";
import { isJapaneseText } from "./ja-refusal.js";
import { allComposedJa, composeJa } from "./guard-ja-compose.js";
import { loadGuardData, JA_COMPOSED_BENIGN_PER_TYPE } from "./guard-data.js";
import { HARM_TYPES } from "./guard-taxonomy.js";
import { sharedPath } from "../util/paths.js";

test("composed Japanese prompts: Japanese, distinct, every harm type, no 18-character stretch of a held-out translation", () => {
  const all = allComposedJa();
  assert.equal(new Set(all.map((p) => p.text)).size, all.length);
  for (const p of all) assert.ok(isJapaneseText(p.text), p.text);
  for (const h of HARM_TYPES) assert.ok(all.filter((p) => p.type === h.type).length >= 30, h.type);
  assert.ok(all.filter((p) => p.type === null).length >= 600);
  const N = 18;
  const grams = new Set(Object.values(DNA_HELD_OUT_JA).flatMap((t) => Array.from({ length: Math.max(0, t.length - N + 1) }, (_, i) => t.slice(i, i + N))));
  for (const p of all) for (let i = 0; i + N <= p.text.length; i++) assert.ok(!grams.has(p.text.slice(i, i + N)), `${p.text} shares '${p.text.slice(i, i + N)}' with a held-out translation`);
});

test("composeJa: per type at most perType, cores before repeats, benign count, seeded", () => {
  const s = composeJa({ seed: 1, perType: 10, benign: 25 });
  for (const h of HARM_TYPES) {
    const mine = s.filter((p) => p.type === h.type);
    assert.equal(mine.length, 10, h.type);
    const cores = mine.map((p) => p.id.slice(0, p.id.lastIndexOf("/")));
    assert.equal(new Set(cores).size, 10, `${h.type}: ten distinct cores`);
  }
  assert.equal(s.filter((p) => p.type === null).length, 25);
  assert.deepEqual(composeJa({ seed: 1, perType: 10, benign: 25 }), s);
  assert.notDeepEqual(composeJa({ seed: 2, perType: 10, benign: 25 }).map((p) => p.id), s.map((p) => p.id));
  const big = composeJa({ seed: 1, perType: 100000, benign: 0 });
  assert.equal(big.length, allComposedJa().filter((p) => p.type !== null).length, "a perType above what exists takes all");
});

const dataDir = sharedPath("data");
test("guard data: the composed Japanese prompts are fitted on with their labels, never calibrated on; off at 0", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const opts = { seed: 1, calibFraction: 0.25, maxWiki: 100, maxJa: 50, borderline: false, questionForms: false, contrasts: false };
  const d = loadGuardData(dataDir!, { ...opts, jaComposed: 20 });
  const mine = d.fit.filter((x) => x.source.startsWith("ja-composed:"));
  const want = composeJa({ seed: 1, perType: 20, benign: 20 * JA_COMPOSED_BENIGN_PER_TYPE });
  assert.equal(mine.length, want.length);
  assert.equal(d.calib.filter((x) => x.source.startsWith("ja-composed:")).length, 0);
  const byText = new Map(mine.map((x) => [x.text, x.label]));
  for (const p of want) assert.equal(byText.get(p.text), p.type === null ? 0 : 1 + HARM_TYPES.findIndex((h) => h.type === p.type), p.text);
  const off = loadGuardData(dataDir!, { ...opts, jaComposed: 0 });
  assert.equal([...off.fit, ...off.calib].filter((x) => x.source.startsWith("ja-composed:")).length, 0);
  assert.deepEqual(off.calib.map((x) => x.source), d.calib.map((x) => x.source), "the other sources' split does not move");
});
