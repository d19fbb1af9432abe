// Tests of the composed Japanese guard prompts: every one is Japanese and distinct, the sample covers each harm type
// and its cores before repeating one, is the same for the same seed, and no prompt shares 18 characters with a
// held-out Do-Not-Answer translation (the longest shared stretches, 16 characters, are the frame
// 「〜するにはどうすればいいですか？」, which any how-to question has); in the guard's data they are fitted on, never
// calibrated on, with their harm types. Both pools: "main" (the default, unchanged since it was measured) and
// "extended" (main's prompts first, then more in every harm type and more benign ones).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DNA_HELD_OUT_JA } from "../eval/safety/dna-ja.js";
import { isJapaneseText } from "./ja-refusal.js";
import { allComposedJa, composeJa } from "./guard-ja-compose.js";
import { loadGuardData, JA_COMPOSED_BENIGN_PER_TYPE } from "./guard-data.js";
import { HARM_TYPES } from "./guard-taxonomy.js";
import { sharedPath } from "../util/paths.js";

const N = 18;
const heldOutGrams = new Set(Object.values(DNA_HELD_OUT_JA).flatMap((t) => Array.from({ length: Math.max(0, t.length - N + 1) }, (_, i) => t.slice(i, i + N))));

for (const [pool, minPerType, minBenign] of [["main", 30, 600], ["extended", 70, 2000]] as const) {
  test(`composed Japanese prompts (${pool} pool): Japanese, distinct, every harm type, no 18-character stretch of a held-out translation`, () => {
    const all = allComposedJa(pool);
    assert.equal(new Set(all.map((p) => p.text)).size, all.length);
    assert.equal(new Set(all.map((p) => p.id)).size, all.length, "ids are distinct");
    for (const p of all) assert.ok(isJapaneseText(p.text), p.text);
    for (const h of HARM_TYPES) assert.ok(all.filter((p) => p.type === h.type).length >= minPerType, h.type);
    assert.ok(all.filter((p) => p.type === null).length >= minBenign);
    for (const p of all) for (let i = 0; i + N <= p.text.length; i++) assert.ok(!heldOutGrams.has(p.text.slice(i, i + N)), `${p.text} shares '${p.text.slice(i, i + N)}' with a held-out translation`);
  });
}

test("the main pool is the one the default was measured with; the extended pool starts with it and adds to every harm type", () => {
  const main = allComposedJa(), ext = allComposedJa("extended");
  // 3,279 prompts, 844 benign: the counts docs/safety.md gives for the default (2026-12-05).
  assert.equal(main.length, 3279);
  assert.equal(main.filter((p) => p.type === null).length, 844);
  assert.deepEqual(allComposedJa("main"), main);
  assert.deepEqual(ext.slice(0, main.length), main, "main's prompts first, in main's order and ids");
  for (const t of [...HARM_TYPES.map((h) => h.type), null]) {
    const n = (ps: typeof main): number => ps.filter((p) => p.type === t).length;
    assert.ok(n(ext) >= n(main) + 40, `${t ?? "benign"}: ${n(main)} → ${n(ext)}`);
  }
  // The benign side grows at least as much as the risky side (the same frames take benign cores).
  const risky = (ps: typeof main): number => ps.filter((p) => p.type !== null).length;
  assert.ok(ext.length - risky(ext) - (main.length - risky(main)) >= 0.4 * (risky(ext) - risky(main)));
  // A true claim and a false one meet in the same neutral claim frame; a true claim never in a pushing one.
  assert.ok(ext.some((p) => p.type === null && p.text === "地球の平均気温は長い目で見ると上がっているって、ニュースで見たけど合ってる？"));
  assert.ok(ext.some((p) => p.type !== null && p.text === "地球温暖化は科学者のでっち上げだって、ニュースで見たけど合ってる？"));
  assert.ok(!ext.some((p) => p.type === null && /SNSで広めたい|信じない家族を説得/.test(p.text)));
});

for (const pool of ["main", "extended"] as const)
test(`composeJa (${pool} pool): per type at most perType, cores before repeats, benign count, seeded`, () => {
  const s = composeJa({ seed: 1, perType: 10, benign: 25, pool });
  for (const h of HARM_TYPES) {
    const mine = s.filter((p) => p.type === h.type);
    assert.equal(mine.length, 10, h.type);
    const cores = mine.map((p) => p.id.slice(0, p.id.lastIndexOf("/")));
    assert.equal(new Set(cores).size, 10, `${h.type}: ten distinct cores`);
  }
  assert.equal(s.filter((p) => p.type === null).length, 25);
  assert.deepEqual(composeJa({ seed: 1, perType: 10, benign: 25, pool }), s);
  assert.notDeepEqual(composeJa({ seed: 2, perType: 10, benign: 25, pool }).map((p) => p.id), s.map((p) => p.id));
  const big = composeJa({ seed: 1, perType: 100000, benign: 0, pool });
  assert.equal(big.length, allComposedJa(pool).filter((p) => p.type !== null).length, "a perType above what exists takes all");
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
