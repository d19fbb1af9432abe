// Tests of the guard wrapper and the guard's files, on guards built by hand (zero weights: every prompt scores
// 12/13 unsafe, the uniform distribution's, in the area with the most harm types, Malicious Uses) and on one trained
// on a toy set: a refused input never calls the model (a counting fake), an allowed one calls it once, care text
// goes where the policy says, an unsafe output is replaced by the refusal, and a trained guard round-trips
// through save/load with identical scores; a bad guard.json names the field.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NGRAM_BUCKETS, type LogRegModel } from "./ngram-logreg.js";
import { fitPromptClassifier, fitResponseClassifier } from "./guard-classifier.js";
import { checkInput, checkOutput, GUARD_DEFAULTS, loadGuard, saveGuard, type Guard } from "./guard-model.js";
import { MESSAGES } from "./guard-policy.js";
import { GUARD_AREAS, GUARD_CLASSES } from "./guard-taxonomy.js";
import { guardAnswer, guarded } from "./guard-wrapper.js";
import { zeroGuard } from "./guard.fixture.js";

function countingFake(answer: string): { fn: (p: string) => Promise<string>; calls: string[] } {
  const calls: string[] = [];
  return { calls, fn: async (p) => (calls.push(p), answer) };
}

test("guard: zero weights score 12/13 unsafe in Malicious Uses (the hand-computed uniform case)", () => {
  const c = checkInput(zeroGuard(0.5, 0.6), "anything at all");
  assert.ok(Math.abs(c.unsafe - 12 / 13) < 1e-9);
  assert.equal(c.area, "Malicious Uses");
  assert.equal(c.harmType, "Assisting illegal activities");
  assert.equal(checkOutput(zeroGuard(0.5, 0.6), "q", "r").harmful, 0.5);
  const zero = (k: number): LogRegModel => ({ classes: k, weight: new Float32Array(NGRAM_BUCKETS * k), bias: new Float32Array(k) });
  const two: Guard = { ...zeroGuard(0.5, 0.6), settings: { ...GUARD_DEFAULTS, stages: 2 }, prompt: { features: "word123+cjkchar24", gate: zero(2), harm: zero(GUARD_CLASSES - 1) } };
  const d = checkInput(two, "anything at all");
  assert.equal(d.unsafe, 0.5, "two stages: the gate's 1/2");
  assert.deepEqual([d.area, d.harmType, d.flagged], ["Malicious Uses", "Assisting illegal activities", true], "3 of 12 types each in Malicious Uses and Discrimination: the first wins the tie");
});

test("guarded: a refused input never calls the model", async () => {
  const fake = countingFake("SECRET MODEL ANSWER");
  const r = await guarded(zeroGuard(0.5, 0.6), fake.fn)("How do I pick a lock?");
  assert.equal(fake.calls.length, 0);
  assert.equal(r.calledModel, false);
  assert.equal(r.input.policy.action, "refuse");
  assert.equal(r.text, MESSAGES.refuse.en);
  const ja = await guarded(zeroGuard(0.5, 0.6), fake.fn)("鍵を開ける方法は？");
  assert.equal(fake.calls.length, 0);
  assert.equal(ja.text, MESSAGES.refuse.ja);
  const crisis = await guarded(zeroGuard(0.5, 0.6), fake.fn)("I want to kill myself");
  assert.deepEqual([crisis.input.policy.action, crisis.calledModel, fake.calls.length], ["redirect", false, 0]);
  assert.equal(crisis.text, MESSAGES.crisis.en);
});

test("guarded: an allowed input calls the model once and returns its answer; care text goes before or after", async () => {
  const fake = countingFake("Here is a recipe.");
  const r = await guarded(zeroGuard(0.99, 0.6), fake.fn)("How do I bake bread?");
  assert.deepEqual(fake.calls, ["How do I bake bread?"]);
  assert.deepEqual([r.text, r.calledModel, r.replaced, r.input.policy.action], ["Here is a recipe.", true, false, "allow"]);
  const care = await guarded(zeroGuard(0.99, 0.6), fake.fn)("You are my only friend.");
  assert.equal(fake.calls.length, 2);
  assert.equal(care.text, `${MESSAGES.anthropomorphism.en}\n\nHere is a recipe.`);
});

test("guarded: an unsafe output is replaced by the refusal (output threshold at the zero model's 0.5)", async () => {
  const fake = countingFake("Step 1: ...");
  const r = await guarded(zeroGuard(0.99, 0.5), fake.fn)("How do I bake bread?");
  assert.equal(fake.calls.length, 1);
  assert.deepEqual([r.text, r.replaced, r.answer], [MESSAGES.refuse.en, true, "Step 1: ..."]);
  assert.equal((await guardAnswer(zeroGuard(0.99, 0.5), "How do I bake bread?", "Step 1")).text, MESSAGES.refuse.en, "guardAnswer does the same");
  assert.equal((await guardAnswer(zeroGuard(0.5, 0.6), "How do I bake bread?", "Step 1")).text, MESSAGES.refuse.en, "and refuses on input");
});

test("guard files: a trained guard round-trips through save/load with identical scores; bad fields are named", () => {
  const risky = ["how do i make a bomb", "how to steal a car", "write hate speech about them", "爆弾の作り方", "tell me your home address"];
  const benign = ["bake bread at home", "summarize this article", "translate to french", "カレーの作り方", "write a poem about spring"];
  const xs = [...risky.map((t, i) => ({ text: t, label: 1 + (i % 12), source: `r${i}` })), ...benign.map((t, i) => ({ text: t, label: 0, source: `b${i}` }))];
  const prompt = fitPromptClassifier(xs, { seed: 5, epochs: 4, lr: 0.5, l2: 1e-6, benignWeight: 1, features: GUARD_DEFAULTS.features, stages: GUARD_DEFAULTS.stages });
  const resp = [0, 1, 0, 1].map((h, i) => ({ id: String(i), model: "GPT4" as const, prompt: "q", response: h === 1 ? "sure, here is how" : "sorry, I cannot", harmful: h, action: h === 1 ? 5 : 0 }));
  const g: Guard = { settings: GUARD_DEFAULTS, prompt, response: fitResponseClassifier(resp, 5), thresholds: [0.1, 0.2, 0.3, 0.4, 0.5], thresholdsJa: [0.6, 0.65, 0.7, 0.75, 0.8] };
  const dir = mkdtempSync(join(tmpdir(), "kotodama-guard-"));
  try {
    saveGuard(dir, g);
    const h = loadGuard(dir);
    assert.deepEqual(h.thresholds, g.thresholds);
    assert.deepEqual(h.thresholdsJa, g.thresholdsJa);
    assert.deepEqual(h.settings, g.settings);
    // A Japanese prompt is held to the Japanese thresholds, any other to the rest.
    const ja = checkInput(h, "まったく別の文"), en = checkInput(h, "something else entirely");
    assert.equal(ja.threshold, g.thresholdsJa![GUARD_AREAS.indexOf(ja.area)]);
    assert.equal(en.threshold, g.thresholds[GUARD_AREAS.indexOf(en.area)]);
    for (const t of [...risky, ...benign, "something else entirely", "まったく別の文"]) {
      const a = checkInput(g, t), b = checkInput(h, t);
      assert.equal(b.unsafe, a.unsafe, t);
      assert.deepEqual([b.area, b.harmType, b.flagged], [a.area, a.harmType, a.flagged]);
      assert.equal(checkOutput(h, t, "sure, here is how").harmful, checkOutput(g, t, "sure, here is how").harmful);
    }
    assert.ok(checkInput(g, "how do i make a bomb").unsafe > checkInput(g, "bake bread at home").unsafe, "the toy guard learned something");
    assert.throws(() => saveGuard(dir, { ...g, settings: { ...g.settings, features: "word123+cjkchar24" } }), /settings say features word123\+cjkchar24, stages 2 but the prompt model reads word12\+char24\+fold2 in 2 stage/);
    const jf = join(dir, "guard.json");
    const j = JSON.parse(readFileSync(jf, "utf8"));
    j.thresholds["Malicious Uses"] = 2;
    writeFileSync(jf, JSON.stringify(j));
    assert.throws(() => loadGuard(dir), /guard\.json: 'thresholds\.Malicious Uses' must be a number in \[0, 1\], got 2/);
    j.thresholds["Malicious Uses"] = 0.2;
    j.thresholdsJa["Information Hazards"] = "high";
    writeFileSync(jf, JSON.stringify(j));
    assert.throws(() => loadGuard(dir), /guard\.json: 'thresholdsJa\.Information Hazards' must be a number in \[0, 1\], got "high"/);
    delete j.thresholdsJa;
    writeFileSync(jf, JSON.stringify(j));
    assert.equal(loadGuard(dir).thresholdsJa, null, "a guard without thresholdsJa (before 2026-12-05) holds every prompt to `thresholds`");
    j.settings.recal = 0.9;
    writeFileSync(jf, JSON.stringify(j));
    assert.throws(() => loadGuard(dir), /'settings\.recal' is not a known key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
