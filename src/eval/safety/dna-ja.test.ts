// The Japanese held-out Do-Not-Answer prompts (dna-ja.ts): exactly one translation per held-out id and no other
// (and the training translations, safety/dna-ja-train.ts, exactly one per other id),
// none left in English (every Latin-script word is a name or acronym of the English prompt), none of them in the
// guard's training or calibration data; dnaHeldOutPrompts(…, "ja") keeps ids, areas and harm types; --limit
// samples the same ids in both languages (and, with one language, the same rows as the index-based sample it
// replaced); the language list parser. Needs ../shared/data for the split (skipped visibly without it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { rngFor, shuffled } from "../../data/instruct/split.js";
import { isJapaneseText } from "../../safety/ja-refusal.js";
import { loadGuardData } from "../../safety/guard-data.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedOrSkip } from "../../util/paths.js";
import { DNA_HELD_OUT_JA } from "./dna-ja.js";
import { DNA_TRAIN_JA } from "../../safety/dna-ja-train.js";
import { readDoNotAnswer } from "../../data/instruct/sources.js";
import { join } from "node:path";
import { dnaHeldOutPrompts, dnaHeldOutPromptsIn, limitPrompts, parsePromptLangs, type SafetyPrompt } from "./prompts.js";

/** Latin-script words a translation may carry that its English prompt does not spell the same way. */
const EXTRA_LATIN = new Set(["SNS"]);

test("dna-ja: one Japanese prompt for every held-out id, no other id, none left in English", (t) => {
  const dataDir = sharedOrSkip(t, "data");
  if (dataDir === null) return;
  const en = dnaHeldOutPrompts(dataDir);
  assert.equal(en.length, 187);
  assert.deepEqual(Object.keys(DNA_HELD_OUT_JA).sort(), en.map((p) => p.id).sort(), "the translations' ids are exactly the held-out ids");
  for (const p of en) {
    const ja = DNA_HELD_OUT_JA[p.id]!;
    assert.ok(/[\p{Script=Hiragana}]/u.test(ja) && isJapaneseText(ja), `id ${p.id}: not Japanese: ${ja}`);
    assert.notEqual(ja.trim(), p.prompt.trim(), `id ${p.id}: left in English`);
    for (const w of ja.match(/[A-Za-z][A-Za-z-]*/g) ?? []) {
      const ok = EXTRA_LATIN.has(w) || (/^[A-Z]/.test(w) && w.split("-").every((part) => p.prompt.includes(part)));
      assert.ok(ok, `id ${p.id}: English word '${w}' left in the translation (only names and acronyms of the prompt may stay): ${ja}`);
    }
  }
  const ja = dnaHeldOutPrompts(dataDir, "ja");
  assert.deepEqual(ja.map((p) => [p.id, p.area, p.harmType, p.label, p.set]), en.map((p) => [p.id, p.area, p.harmType, p.label, p.set]));
  assert.ok(ja.every((p) => p.lang === "ja" && p.prompt === DNA_HELD_OUT_JA[p.id]) && en.every((p) => p.lang === "en"));
  assert.deepEqual(dnaHeldOutPromptsIn(dataDir, ["en", "ja"]).map((p) => `${p.lang}:${p.id}`), [...en, ...ja].map((p) => `${p.lang}:${p.id}`));
});

test("dna-ja: no translation is among the guard's training or calibration prompts", (t) => {
  const dataDir = sharedOrSkip(t, "data");
  if (dataDir === null) return;
  const d = loadGuardData(dataDir, { seed: 1, calibFraction: 0.25, maxWiki: 300, maxJa: 100, borderline: true, questionForms: true, contrasts: true });
  const texts = new Set([...d.fit, ...d.calib].map((x) => x.text.normalize("NFKC").trim()));
  for (const [id, ja] of Object.entries(DNA_HELD_OUT_JA)) assert.ok(!texts.has(ja.normalize("NFKC").trim()), `held-out translation ${id} is in the guard's data`);
});

test("dna-ja-train: one Japanese prompt for every non-held-out id, none for a held-out one, none left in English", (t) => {
  const dataDir = sharedOrSkip(t, "data");
  if (dataDir === null) return;
  const rows = readDoNotAnswer(join(dataDir, "do-not-answer", "do_not_answer_en.csv"));
  const held = new Set(dnaHeldOutPrompts(dataDir).map((p) => p.id));
  const train = rows.filter((r) => !held.has(r.id));
  assert.deepEqual(Object.keys(DNA_TRAIN_JA).sort(), train.map((r) => r.id).sort(), "the translations' ids are exactly the non-held-out ids");
  for (const id of Object.keys(DNA_HELD_OUT_JA)) assert.ok(!(id in DNA_TRAIN_JA), `held-out id ${id} is translated for training`);
  for (const r of train) {
    const ja = DNA_TRAIN_JA[r.id]!;
    assert.ok(isJapaneseText(ja), `id ${r.id}: not Japanese: ${ja}`);
    assert.notEqual(ja.trim(), r.question.trim(), `id ${r.id}: left in English`);
  }
  const heldJa = new Set(Object.values(DNA_HELD_OUT_JA).map((x) => x.normalize("NFKC").trim()));
  // Two English prompts can read the same in Japanese; a training translation may not equal a held-out one unless
  // their English prompts are equal too.
  const heldEn = new Set(dnaHeldOutPrompts(dataDir).map((p) => p.prompt.trim().toLowerCase()));
  for (const r of train) if (heldJa.has(DNA_TRAIN_JA[r.id]!.normalize("NFKC").trim())) assert.ok(heldEn.has(r.question.trim().toLowerCase()), `id ${r.id}: its translation equals a held-out prompt's`);
});

test("limitPrompts: the same ids in both languages; one language samples as the index-based sample did", () => {
  const mk = (lang: "en" | "ja", n: number): SafetyPrompt[] => Array.from({ length: n }, (_, i) => ({ set: "dna", id: `d${i}`, prompt: `${lang}${i}`, label: "harmful", lang }));
  const both = [...mk("en", 20), ...mk("ja", 20)];
  const a = limitPrompts(both, 5, 3);
  assert.equal(a.length, 10);
  assert.deepEqual(a.filter((p) => p.lang === "ja").map((p) => p.id), a.filter((p) => p.lang === "en").map((p) => p.id), "paired sample");
  // The reference: the previous limitPrompts, a seeded shuffle of row indices per (set, label) group.
  const xs: SafetyPrompt[] = [...mk("en", 20), ...Array.from({ length: 9 }, (_, i): SafetyPrompt => ({ set: "xstest", id: `s${i}`, prompt: "p", label: "benign" }))];
  const old = (ps: readonly SafetyPrompt[], n: number, seed: number): SafetyPrompt[] => {
    const groups = new Map<string, number[]>();
    ps.forEach((p, i) => groups.set(`${p.set}/${p.label}`, [...(groups.get(`${p.set}/${p.label}`) ?? []), i]));
    const keep = new Set<number>();
    for (const [key, idx] of groups) for (const i of shuffled(idx, rngFor(seed, `safety-limit-${key}`)).slice(0, n)) keep.add(i);
    return ps.filter((_, i) => keep.has(i));
  };
  for (const seed of [1, 2, 7]) assert.deepEqual(limitPrompts(xs, 4, seed), old(xs, 4, seed), `seed ${seed}`);
  assert.deepEqual(limitPrompts(both, 5, 3).filter((p) => p.lang === "en"), old(mk("en", 20), 5, 3), "the English half is the English-only sample");
});

test("parsePromptLangs: en, ja, en,ja; anything else named", () => {
  assert.deepEqual(parsePromptLangs("en", "f"), ["en"]);
  assert.deepEqual(parsePromptLangs("ja, en", "f"), ["ja", "en"]);
  const bad: [string, RegExp][] = [["fr", /f: expected a comma-separated list of en, ja, got 'fr'/], ["en,en", /f: 'en' is listed twice/], ["", /expected a comma-separated list/], ["en,", /got 'en,'/]];
  for (const [x, re] of bad) assert.throws(() => parsePromptLangs(x, "f"), (e: Error) => e instanceof KotodamaError && re.test(e.message), x);
});
