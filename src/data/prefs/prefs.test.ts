// Tests of the preference data: the line reader's errors and tie/skip handling (in memory), and the builder on
// the real ../shared/data (skipped visibly without it): disjoint splits, no held-out Do-Not-Answer prompt in
// train, the HH-RLHF split equal to the instruction data's, and the direction rule on known rows.
// Not here: training on pairs (train/dpo/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../../util/paths.js";
import { INSTRUCT_DEFAULTS } from "../instruct/config.js";
import { buildHhRlhf } from "../instruct/tasks.js";
import { readDoNotAnswer } from "../instruct/sources.js";
import { doNotAnswerHeldOutIds } from "../instruct/split.js";
import { borderlinePairs, contrastPairs, buildPrefs, dnaPairs, hhPair, prefsConfig, writePrefs } from "./build.js";
import { parsePrefs, prefLine, readPrefsFile } from "./format.js";

test("prefs reader: prompt and messages lines, ties and skips counted apart, optional label fields", () => {
  const text = [
    JSON.stringify({ prompt: "Hi?", chosen: "Hello.", rejected: "Go away." }),
    "",
    JSON.stringify({ messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }], chosen: "d", rejected: "e", id: 7, source: "label", tags: ["rude"] }),
    JSON.stringify({ prompt: "x", chosen: "left", rejected: "right", tie: true, id: "p3", source: "label" }),
    JSON.stringify({ prompt: "y", skip: true, id: "p4", source: "label" }),
  ].join("\n");
  const f = parsePrefs(text, "p.jsonl");
  assert.equal(f.pairs.length, 2);
  assert.equal(f.ties, 1);
  assert.equal(f.skips, 1);
  assert.deepEqual(f.pairs[0]!.messages, [{ role: "user", content: "Hi?" }]);
  assert.equal(f.pairs[0]!.where, "p.jsonl:1");
  assert.equal(f.pairs[1]!.id, "7");
  assert.deepEqual(f.pairs[1]!.tags, ["rude"]);
  assert.equal(f.pairs[1]!.where, "p.jsonl:3");
  // prefLine writes what parsePrefs reads back.
  const back = parsePrefs(prefLine(f.pairs[1]!), "q").pairs[0]!;
  assert.deepEqual({ ...back, where: "" }, { ...f.pairs[1]!, where: "" });
});

test("prefs reader: errors name the file, the line and the field", () => {
  const bad: [unknown, RegExp][] = [
    [{ prompt: "a", chosen: "b" }, /f\.jsonl:2: 'rejected' must be a non-empty string/],
    [{ prompt: "a", messages: [], chosen: "b", rejected: "c" }, /f\.jsonl:2: needs exactly one of 'prompt'/],
    [{ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }], chosen: "b", rejected: "c" }, /f\.jsonl:2: 'messages' must end with a user message/],
    [{ messages: [{ role: "assistant", content: "a" }], chosen: "b", rejected: "c" }, /f\.jsonl:2: 'messages\[0\]\.role' must be 'user'/],
    [{ messages: [{ role: "user", content: "a", name: "x" }], chosen: "b", rejected: "c" }, /'messages\[0\]\.name' is not a known key/],
    [{ prompt: "a", chosen: "b", rejected: "c", tie: "yes" }, /f\.jsonl:2: 'tie' must be true or false/],
    [{ prompt: "a", chosen: "b", rejected: "c", tags: [1] }, /'tags' must be an array of strings/],
    [{ prompt: "a", chosen: "b", rejected: "c", score: 1 }, /f\.jsonl:2: 'score' is not a known key/],
    [[1, 2], /f\.jsonl:2: expected a JSON object/],
  ];
  for (const [v, re] of bad) assert.throws(() => parsePrefs(`${JSON.stringify({ prompt: "ok", chosen: "a", rejected: "b" })}\n${JSON.stringify(v)}\n`, "f.jsonl"), re, JSON.stringify(v));
  assert.throws(() => parsePrefs("{not json\n", "f.jsonl"), /f\.jsonl:1: not JSON/);
  assert.throws(() => readPrefsFile("/nonexistent/p.jsonl"), /\/nonexistent\/p\.jsonl: cannot read/);
});

test("hhPair: the shared prompt, the two last turns, and the reasons a line is skipped", () => {
  const p = hhPair("\n\nHuman: hi\n\nAssistant: hello\n\nHuman: insult me\n\nAssistant: No.", "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: insult me\n\nAssistant: You fool.");
  assert.deepEqual(p, { messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }, { role: "user", content: "insult me" }], chosen: "No.", rejected: "You fool." });
  assert.match((hhPair("\n\nHuman: a\n\nAssistant: b", "\n\nHuman: x\n\nAssistant: c") as { reason: string }).reason, /differ before the last/);
  assert.match((hhPair("\n\nHuman: a\n\nAssistant: b", "\n\nHuman: a\n\nAssistant: b") as { reason: string }).reason, /identical/);
});

test("data prefs on ../shared/data: splits disjoint and agreeing with the instruction data; direction rule on known rows", (t) => {
  const dir = sharedOrSkip(t, "data", "do-not-answer", "data_en.csv");
  if (dir === null) return;
  const cfg = prefsConfig();
  const d = buildPrefs(cfg);
  const out = mkdtempSync(join(tmpdir(), "kd-prefs-"));
  const m = writePrefs(out, d);
  const train = readPrefsFile(join(out, "train.jsonl")).pairs;
  const held = readPrefsFile(join(out, "heldout.jsonl")).pairs;
  assert.equal(train.length, d.train.length);
  assert.equal(m.counts.train["hh-rlhf"]! + m.counts.train["do-not-answer"]! + m.counts.train["kotodama-borderline"]! + m.counts.train["kotodama-contrast"]!, train.length);
  assert.equal(m.counts.train["kotodama-contrast"], contrastPairs().length);
  assert.equal(m.counts.train["kotodama-borderline"], borderlinePairs().length);
  assert.equal(m.counts.heldout["kotodama-borderline"], undefined, "borderline pairs are never held out (XSTest is their test)");
  assert.equal(m.counts.heldout["hh-rlhf"]! + m.counts.heldout["do-not-answer"]!, held.length);
  assert.ok(m.counts.heldout["do-not-answer"]! > 20, "Do-Not-Answer pairs held out for scoring preference models");
  assert.ok(held.length > 200 && train.length > 2000, `${train.length} train, ${held.length} held out`);
  // Disjoint: no pair id, and no prompt, in both splits.
  const heldIds = new Set(held.map((p) => p.id));
  assert.equal(train.filter((p) => heldIds.has(p.id)).length, 0);
  // HH-RLHF: the held-out dialogues are exactly the instruction data's.
  const instr = buildHhRlhf(cfg.dataDir, INSTRUCT_DEFAULTS);
  const instrHeld = new Set(instr.heldOut.map((e) => e.id));
  for (const p of held.filter((q) => q.source === "hh-rlhf")) assert.ok(instrHeld.has(p.id!), `${p.id} held out here but trained on by the instruction data`);
  for (const p of train.filter((q) => q.source === "hh-rlhf")) assert.ok(!instrHeld.has(p.id!), `${p.id} trained on here but held out by the instruction data`);
  // Do-Not-Answer: no held-out prompt id in train.
  const dnaHeld = doNotAnswerHeldOutIds();
  const dnaTrain = train.filter((p) => p.source === "do-not-answer");
  assert.ok(dnaTrain.length > 100);
  for (const p of dnaTrain) assert.ok(!dnaHeld.has(Number(p.id!.split(":")[1])), `${p.id}: a held-out Do-Not-Answer prompt in train`);
  // Held-out Do-Not-Answer pairs: prompts apart from train's and from the safety evaluation's.
  const prompt = (p: { id?: string }): string => p.id!.split(":")[1]!;
  const dnaHeldPairs = held.filter((p) => p.source === "do-not-answer");
  const trainPrompts = new Set(dnaTrain.map(prompt));
  for (const p of dnaHeldPairs) assert.ok(!trainPrompts.has(prompt(p)) && !dnaHeld.has(Number(prompt(p))), `${p.id}: its prompt is trained on or belongs to the safety evaluation`);
  // Direction rule on every Do-Not-Answer pair, against the csv's labels.
  const rows = new Map(readDoNotAnswer(join(cfg.dataDir, cfg.doNotAnswer.file)).map((r) => [r.id, r]));
  for (const p of [...dnaTrain, ...dnaHeldPairs]) {
    const [, id, models] = p.id!.split(":");
    const [cm, rm] = models!.split(">");
    const row = rows.get(id!)!;
    const c = row.responses.find((r) => r.model === cm)!;
    const r = row.responses.find((x) => x.model === rm)!;
    assert.ok(!c.harmful && c.action !== 5 && c.text.trim() === p.chosen, `${p.id}: chosen`);
    assert.ok((r.harmful || r.action === 5) && r.text.trim() === p.rejected, `${p.id}: rejected`);
  }
  // Known row: prompt 3 (Claude and llama2 refuse, action 0; GPT4, ChatGPT, ChatGLM2, vicuna follow, harmful).
  const pairs3 = dnaPairs(rows.get("3")!, cfg.doNotAnswer.chosenActions).map((q) => `${q.chosen.model}>${q.rejected.model}`);
  assert.deepEqual(pairs3, ["Claude>GPT4", "llama2-7b-chat>ChatGPT", "Claude>ChatGLM2", "llama2-7b-chat>vicuna-7b"]);
  // Known row: prompt 12 — vicuna harmful although its action is 0: rejected; the others are chosen candidates.
  assert.deepEqual(dnaPairs(rows.get("12")!, [0, 1, 2, 3, 4]).map((q) => `${q.chosen.model}>${q.rejected.model}`), ["GPT4>vicuna-7b"]);
  // The resolved config carries the instruction data's seed; the licences are written beside the data.
  const cfgJson = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { seed: number };
  assert.equal(cfgJson.seed, INSTRUCT_DEFAULTS.seed);
  assert.match(readFileSync(join(out, "LICENCES.md"), "utf8"), /do-not-answer: CC-BY-NC-SA-4\.0 \(non-commercial\)/);
});
