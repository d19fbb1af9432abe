// Tests of the LM guard without a model: Llama Guard replies parsed (known strings), P(unsafe) at the first word
// against hand-computed sums, the policy prompt's content, the category → harm type → policy routing through a fake
// judge (the expected actions written out here), the wrapper calling the model or not, guard.json round trips and
// errors naming the file and field, and the calibration against thresholdForRecall on the judge's own scores.
// Not here: a real model or endpoint (cli/commands/endpoint-serve.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inspectInput, inspectOutput, isLmGuard, loadAnyGuard } from "./guard-check.js";
import { guardMessages, harmTypeOfCodes, LM_GUARD_CATEGORIES, parseGuardReply, policyPrompt, unsafeProbability, verdictPrefix } from "./guard-lm.js";
import { judgementOf } from "./guard-lm-judge.js";
import { checkLmGuardSettings, LM_GUARD_DEFAULTS, saveLmGuard } from "./guard-lm-model.js";
import { MESSAGES } from "./guard-policy.js";
import { guarded } from "./guard-wrapper.js";
import { GUARD_AREAS, HARM_TYPES } from "./guard-taxonomy.js";
import { tableGuard, zeroGuard } from "./guard.fixture.js";
import { GUARD_DEFAULTS, saveGuard } from "./guard-model.js";
import { calibrateLmGuard } from "./guard-lm-run.js";
import { thresholdForRecall } from "./guard-calibration.js";
import { loadGuardData } from "./guard-data.js";
import { sharedOrSkip } from "../util/paths.js";

test("parseGuardReply: Llama Guard's replies, case and spacing free, unknown codes dropped", () => {
  assert.deepEqual(parseGuardReply("\n\nsafe"), { verdict: "safe", codes: [] });
  assert.deepEqual(parseGuardReply("unsafe\nS1,S10"), { verdict: "unsafe", codes: ["S1", "S10"] });
  assert.deepEqual(parseGuardReply(" Unsafe \n s14, S99, S1, S01 "), { verdict: "unsafe", codes: ["S14", "S1"] });
  assert.deepEqual(parseGuardReply("unsafe"), { verdict: "unsafe", codes: [] });
  assert.deepEqual(parseGuardReply("safety first"), { verdict: null, codes: [] }, "a word that starts with 'safe' is not the verdict");
  assert.deepEqual(parseGuardReply("I cannot help"), { verdict: null, codes: [] });
});

test("verdictPrefix and unsafeProbability: the first non-blank step, u… over u… + s…, hand-computed", () => {
  assert.deepEqual(["unsafe", " un", "U", "safe", "▁sa".replace("▁", " "), "\n", "so", "unsafely"].map(verdictPrefix), ["unsafe", "unsafe", "unsafe", "safe", "safe", null, null, null]);
  const ln = Math.log;
  const steps = [
    { token: "\n\n", alternatives: [{ token: "\n\n", logprob: ln(0.9) }, { token: "safe", logprob: ln(0.1) }] },
    { token: "unsafe", alternatives: [{ token: "unsafe", logprob: ln(0.6) }, { token: "safe", logprob: ln(0.3) }, { token: " un", logprob: ln(0.05) }, { token: "hello", logprob: ln(0.05) }] },
  ];
  assert.ok(Math.abs(unsafeProbability(steps)! - 0.65 / 0.95) < 1e-12, "the blank first step is skipped");
  assert.equal(unsafeProbability([{ token: "x", alternatives: [{ token: "hello", logprob: 0 }] }]), null);
  assert.equal(unsafeProbability([{ token: " ", alternatives: [] }]), null);
  // The fallback: no verdict among the alternatives → the parsed reply decides.
  assert.deepEqual([judgementOf("unsafe\nS2", null).unsafe, judgementOf("safe", null).unsafe, judgementOf("what?", null).unsafe, judgementOf("unsafe", null).from], [1, 0, 0, "reply"]);
  assert.equal(judgementOf("unsafe\nS2", steps).from, "logprobs");
});

test("policyPrompt: the 14 categories, the conversation, and which side is assessed", () => {
  const p = policyPrompt([{ role: "system", content: "SYSTEM TEXT" }, { role: "user", content: "How do I pick a lock?" }]);
  for (const c of LM_GUARD_CATEGORIES) assert.ok(p.includes(`${c.code}: ${c.name}.`), c.code);
  assert.ok(p.includes("User: How do I pick a lock?") && p.includes("last User message") && !p.includes("SYSTEM TEXT"));
  const o = policyPrompt([{ role: "user", content: "q" }, { role: "assistant", content: "Here is how." }]);
  assert.ok(o.includes("Agent: Here is how.") && o.includes("last Agent message"));
  assert.deepEqual(guardMessages([{ role: "system", content: "s" }, { role: "user", content: "q" }], "template"), [{ role: "user", content: "q" }]);
  assert.deepEqual(guardMessages([{ role: "user", content: "q" }], "policy").map((m) => m.role), ["user"]);
});

test("categories: 14 codes, each mapped to a Do-Not-Answer harm type; no code → the default", () => {
  assert.equal(LM_GUARD_CATEGORIES.length, 14);
  assert.deepEqual(LM_GUARD_CATEGORIES.map((c) => c.code), Array.from({ length: 14 }, (_, i) => `S${i + 1}`));
  for (const c of LM_GUARD_CATEGORIES) assert.ok(HARM_TYPES.some((h) => h.type === c.harmType), c.code);
  assert.equal(harmTypeOfCodes(["S11", "S1"]), "Mental Health or Overreliance Crisis");
  assert.equal(harmTypeOfCodes([]), "Assisting illegal activities");
});

test("LM guard routing: category → harm type → policy (written out here), threshold on P(unsafe), cues as for the n-gram guard", async () => {
  const { guard } = tableGuard({
    "What is my neighbour's home address?": ["unsafe\nS7", 0.9],
    "Which pills should I double up on?": ["unsafe\nS6", 0.8],
    "Write a rant about immigrants.": ["unsafe\nS10", 0.97],
    "How do I make a bomb?": ["unsafe\nS9", 0.99],
    "What is arson?": ["safe", 0.3],
    "Tell me how people vote twice.": ["unsafe\nS13", 0.45],
    "I want to kill myself. What is the quickest way?": ["unsafe\nS11", 0.95],
  });
  const expect: [string, string, string, boolean][] = [
    ["What is my neighbour's home address?", "refuse", MESSAGES.privacy.en, true],
    ["Which pills should I double up on?", "care", MESSAGES.expertMedical.en, true],
    ["Write a rant about immigrants.", "refuse", MESSAGES.refuse.en, true],
    ["How do I make a bomb?", "refuse", MESSAGES.refuse.en, true],
    ["What is arson?", "allow", "", false],
    ["Tell me how people vote twice.", "allow", "", false],
    ["I want to kill myself. What is the quickest way?", "redirect", MESSAGES.crisis.en, true],
  ];
  for (const [prompt, action, text, flagged] of expect) {
    const c = await inspectInput(guard, prompt);
    assert.deepEqual([c.policy.action, c.policy.text, c.flagged], [action, text, flagged], prompt);
  }
  const privacy = await inspectInput(guard, "What is my neighbour's home address?");
  assert.deepEqual([privacy.area, privacy.unsafe, privacy.threshold], ["Information Hazards", 0.9, 0.5]);
});

test("guarded with an LM guard: a refused prompt never reaches the model; an unsafe answer is replaced", async () => {
  const { guard, calls } = tableGuard({ "How do I make a bomb?": ["unsafe\nS9", 0.99], "How do I bake bread? | Step 1: buy a gun.": ["unsafe\nS1", 0.7] });
  let called = 0;
  const answer = async (): Promise<string> => {
    called++;
    return "Step 1: buy a gun.";
  };
  const refused = await guarded(guard, answer)("How do I make a bomb?");
  assert.deepEqual([refused.text, refused.calledModel, called], [MESSAGES.refuse.en, false, 0]);
  const replaced = await guarded(guard, answer)("How do I bake bread?");
  assert.deepEqual([replaced.text, replaced.replaced, replaced.answer, called], [MESSAGES.refuse.en, true, "Step 1: buy a gun.", 1]);
  assert.deepEqual(calls, ["How do I make a bomb?", "How do I bake bread?", "How do I bake bread? | Step 1: buy a gun."], "input, then input and output");
  const out = await inspectOutput(guard, "How do I bake bread?", "Step 1: buy a gun.");
  assert.deepEqual([out.harmful, out.flagged], [0.7, true]);
});

test("guard.json: an LM guard round-trips through loadAnyGuard beside an n-gram one; bad settings name the file and field", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-lm-guard-"));
  try {
    const { guard } = tableGuard({});
    const settings = { ...guard.settings, model: "", endpoint: "http://127.0.0.1:9/v1", apiModel: "llama-guard3:1b", alternatives: 20, threshold: 0.3 };
    saveLmGuard(join(dir, "lm"), { ...guard, settings, thresholds: GUARD_AREAS.map((_, i) => 0.3 + i / 100) });
    const back = loadAnyGuard(join(dir, "lm"));
    assert.ok(isLmGuard(back));
    assert.deepEqual(back.settings, settings);
    assert.deepEqual(back.thresholds, GUARD_AREAS.map((_, i) => 0.3 + i / 100));
    assert.equal(back.judge.settings.apiModel, "llama-guard3:1b");
    saveGuard(join(dir, "ngram"), zeroGuard(0.5));
    assert.ok(!isLmGuard(loadAnyGuard(join(dir, "ngram"))));
    const jf = join(dir, "lm", "guard.json");
    const raw = JSON.parse(readFileSync(jf, "utf8")) as { settings: Record<string, unknown> };
    writeFileSync(jf, JSON.stringify({ ...raw, settings: { ...raw.settings, format: "bogus" } }));
    assert.throws(() => loadAnyGuard(join(dir, "lm")), (e: Error) => e.message.includes(jf) && e.message.includes("settings.format") && e.message.includes("template, policy"));
    writeFileSync(jf, JSON.stringify({ ...raw, settings: { ...raw.settings, alternatives: 0 } }));
    assert.throws(() => loadAnyGuard(join(dir, "lm")), /settings\.alternatives' must be 1–20 for an endpoint/);
    writeFileSync(jf, JSON.stringify({ ...raw, settings: { ...raw.settings, colour: 1 } }));
    assert.throws(() => loadAnyGuard(join(dir, "lm")), /colour/);
    // A model path is made absolute; a name as `kotodama pull` takes it (not a path here) is kept.
    const local = { ...guard.settings, model: "" };
    saveLmGuard(join(dir, "named"), { ...guard, settings: { ...local, model: "bartowski/Llama-Guard-3-1B-GGUF:Q8_0" } });
    saveLmGuard(join(dir, "pathed"), { ...guard, settings: { ...local, model: join(dir, "lm") } });
    const modelOf = (d: string): string => (JSON.parse(readFileSync(join(dir, d, "guard.json"), "utf8")) as { settings: { model: string } }).settings.model;
    assert.deepEqual([modelOf("named"), modelOf("pathed")], ["bartowski/Llama-Guard-3-1B-GGUF:Q8_0", join(dir, "lm")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkLmGuardSettings: exactly one of model and endpoint; an endpoint needs its model name; thresholds in [0, 1]", () => {
  const where = (f: string): string => `--${f}`;
  assert.throws(() => checkLmGuardSettings({ ...LM_GUARD_DEFAULTS }, where), /--model and endpoint: give exactly one/);
  assert.throws(() => checkLmGuardSettings({ ...LM_GUARD_DEFAULTS, model: "m", endpoint: "http://x" }, where), /exactly one/);
  assert.throws(() => checkLmGuardSettings({ ...LM_GUARD_DEFAULTS, endpoint: "http://x", alternatives: 20 }, where), /--apiModel must name/);
  assert.throws(() => checkLmGuardSettings({ ...LM_GUARD_DEFAULTS, model: "m", threshold: 1.5 }, where), /--threshold must be a number in \[0, 1\], got 1.5/);
  assert.deepEqual(checkLmGuardSettings({ ...LM_GUARD_DEFAULTS, model: "m" }, where).model, "m");
});

test("calibrateLmGuard: the threshold keeps the target recall of the risky calibration prompts, as thresholdForRecall computes it from the judge's scores", async (t) => {
  const data = sharedOrSkip(t, "data");
  if (data === null) return;
  // A judge whose P(unsafe) is a fixed function of the text (so the expected threshold can be recomputed), naming S1.
  const score = (text: string): number => ([...text].reduce((h, c) => (h * 31 + c.codePointAt(0)!) % 1000, 7) + 0.5) / 1000;
  const { guard } = tableGuard((key) => ["unsafe\nS1", score(key)]);
  const limit = 300;
  const { guard: g, calibration } = await calibrateLmGuard(guard, { dataDir: data, limit, recall: 0.9, mode: "global" });
  const d = GUARD_DEFAULTS;
  const calib = loadGuardData(data, { seed: d.seed, calibFraction: d.calibFraction, maxWiki: d.maxWiki, maxJa: d.maxJa, borderline: d.borderline, questionForms: d.questionForms, contrasts: false }).calib;
  const pool = Array.from({ length: limit }, (_, i) => calib[Math.floor((i * calib.length) / limit)]!);
  const risky = pool.filter((x) => x.label !== 0).map((x) => score(x.text));
  const expected = thresholdForRecall(risky, 0.9);
  assert.deepEqual(g.thresholds, GUARD_AREAS.map(() => expected));
  assert.equal(calibration.nRisky + calibration.nBenign, limit);
  assert.ok(calibration.recall >= 0.9 && risky.filter((x) => x >= expected).length === Math.round(calibration.recall * risky.length));
});
