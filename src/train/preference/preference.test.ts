// Preference labelling without a browser: --pairs / --prompts errors name file, line and field; records for each
// choice equal hand-written lines; the --out file resumes, refuses lines of another pairs file, and a failed
// write leaves the old file whole; the session picks the first unlabelled pair; sampled pairs equal
// generateText with the documented seeds and temperatures (stories260K).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../../engine/backend.js";
import { generateText, openInferModel } from "../../infer/index.js";
import { sharedOrSkip } from "../../util/paths.js";
import { LabelFile, labelRecord } from "./labels.js";
import { readPairs, readPrompts } from "./pairs.js";
import { SampledPairs } from "./sample.js";
import { LabelConflict, LabelSession, pairsSource } from "./session.js";

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-pref-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const write = (dir: string, name: string, lines: readonly string[]): string => {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
};

test("--pairs: each bad line is refused naming the file, the line and the field", (t) => {
  const dir = tmp(t);
  const good = '{"id":"a","prompt":"p","a":"x","b":"y"}';
  const cases: [string, RegExp][] = [
    ['{"prompt":"p","a":"x"}', /pairs\.jsonl:2: field "b": expected a string, got nothing/],
    ['{"prompt":"p","a":"x","b":3}', /pairs\.jsonl:2: field "b": expected a string, got number 3/],
    ['{"prompt":"p","a":"x","b":"y","c":1}', /pairs\.jsonl:2: field "c": unknown key \(expected id, prompt, messages, a, b\)/],
    ['{"a":"x","b":"y"}', /pairs\.jsonl:2: field "prompt": missing/],
    ['{"prompt":"p","messages":[],"a":"x","b":"y"}', /pairs\.jsonl:2: field "messages": give either "prompt" or "messages"/],
    ['{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"r"}],"a":"x","b":"y"}', /pairs\.jsonl:2: field "messages\[1\]\.role": the last message must be the user's/],
    ['{"messages":[{"role":"robot","content":"q"}],"a":"x","b":"y"}', /pairs\.jsonl:2: field "messages\[0\]\.role": expected "system", "user" or "assistant", got string "robot"/],
    ['{"id":"a","prompt":"p","a":"x","b":"y"}', /pairs\.jsonl:2: field "id": duplicate id "a" \(first on line 1\)/],
    ['{"id":1.5,"prompt":"p","a":"x","b":"y"}', /pairs\.jsonl:2: field "id": expected a non-empty string or an integer, got number 1.5/],
    ['{"prompt":"p",', /pairs\.jsonl:2: not valid JSON/],
    ['["p","x","y"]', /pairs\.jsonl:2: expected a JSON object, got an array/],
  ];
  for (const [line, re] of cases) assert.throws(() => readPairs(write(dir, "pairs.jsonl", [good, line])), re, line);
  assert.throws(() => readPairs(write(dir, "empty.jsonl", [""])), /empty\.jsonl: no pairs/);
  assert.throws(() => readPairs(join(dir, "absent.jsonl")), /--pairs: cannot read .*absent\.jsonl/);
  assert.throws(() => readPrompts(write(dir, "prompts.jsonl", ['{"prompt":"p","a":"x"}'])), /prompts\.jsonl:1: field "a": unknown key \(expected id, prompt, messages\)/);
  // Blank lines are allowed and keep the numbering; an absent id is the line number.
  const pairs = readPairs(write(dir, "ok.jsonl", ["", good, '{"prompt":"q","a":"1","b":"2"}']));
  assert.deepEqual(pairs.map((p) => p.id), ["a", 3]);
});

test("a record for each choice equals the documented line", () => {
  const pair = { id: 4, prompt: "Q", a: "left answer", b: "right answer" };
  assert.equal(JSON.stringify(labelRecord(pair, "left")), '{"id":4,"prompt":"Q","chosen":"left answer","rejected":"right answer","source":"label"}');
  assert.equal(JSON.stringify(labelRecord(pair, "right", ["correct"])), '{"id":4,"prompt":"Q","chosen":"right answer","rejected":"left answer","source":"label","tags":["correct"]}');
  assert.equal(JSON.stringify(labelRecord(pair, "tie")), '{"id":4,"prompt":"Q","chosen":"left answer","rejected":"right answer","source":"label","tie":true}');
  assert.equal(JSON.stringify(labelRecord(pair, "skip")), '{"id":4,"prompt":"Q","chosen":"left answer","rejected":"right answer","source":"label","skip":true}');
  const chat = { id: "c", messages: [{ role: "user" as const, content: "hi" }], a: "A", b: "B" };
  assert.equal(JSON.stringify(labelRecord(chat, "left")), '{"id":"c","messages":[{"role":"user","content":"hi"}],"chosen":"A","rejected":"B","source":"label"}');
});

test("the --out file: resumed, refused when it belongs to other pairs, and whole after a failed write", (t) => {
  const dir = tmp(t);
  const ids = new Set(['"a"', "2"]);
  const rec = '{"id":"a","prompt":"p","chosen":"x","rejected":"y","source":"label"}';
  const out = write(dir, "out.jsonl", [rec]);
  assert.deepEqual(new LabelFile(out, ids).all().map((r) => r.id), ["a"]);
  assert.throws(() => new LabelFile(write(dir, "o2.jsonl", [rec, rec]), ids), /o2\.jsonl:2: field "id": a second label for "a" \(first on line 1\)/);
  assert.throws(() => new LabelFile(write(dir, "o3.jsonl", ['{"id":"zz","prompt":"p","chosen":"x","rejected":"y","source":"label"}']), ids), /o3\.jsonl:1: field "id": "zz" is not the id of any pair/);
  assert.throws(() => new LabelFile(join(dir, "no-such-folder", "out.jsonl"), ids), /--out .*out\.jsonl: the folder .*no-such-folder does not exist/);
  assert.throws(() => new LabelFile(write(dir, "o4.jsonl", ['{"id":2,"prompt":"p","chosen":"x","rejected":"y","source":"label","tie":false}']), ids), /o4\.jsonl:1: field "tie": expected true/);

  // A write that fails (here: the temp name is taken by a folder) leaves the old file and the records as they were.
  const f = new LabelFile(out, ids);
  mkdirSync(`${out}.tmp-${process.pid}`);
  assert.throws(() => f.append(labelRecord({ id: 2, prompt: "q", a: "1", b: "2" }, "left")), /cannot write .*out\.jsonl/);
  assert.equal(readFileSync(out, "utf8"), `${rec}\n`);
  assert.equal(f.all().length, 1);
  rmSync(`${out}.tmp-${process.pid}`, { recursive: true });
  f.append(labelRecord({ id: 2, prompt: "q", a: "1", b: "2" }, "left"));
  assert.equal(readFileSync(out, "utf8"), `${rec}\n{"id":2,"prompt":"q","chosen":"1","rejected":"2","source":"label"}\n`);
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes(".tmp")), []);
});

test("the session starts at the first pair without a label and refuses a choice on any other pair", (t) => {
  const dir = tmp(t);
  const pairs = readPairs(write(dir, "pairs.jsonl", ["a", "b", "c", "d"].map((id) => JSON.stringify({ id, prompt: `P${id}`, a: `A${id}`, b: `B${id}` }))));
  const out = write(dir, "out.jsonl", [JSON.stringify(labelRecord(pairs[0]!, "left")), JSON.stringify(labelRecord(pairs[2]!, "skip"))]);
  const s = new LabelSession(pairsSource(pairs), out, ["why"]);
  let st = s.state();
  assert.equal(st.done, 2);
  assert.deepEqual(st.counts, { preferred: 1, tie: 0, skip: 1 });
  assert.equal(st.current?.pair?.id, "b");
  assert.throws(() => s.label("d", "left"), LabelConflict);
  assert.throws(() => s.label("b", "left", ["nope"]), /unknown tag "nope" \(tags: why\)/);
  st = s.label("b", "tie", ["why"]);
  assert.equal(st.current?.pair?.id, "d");
  st = s.undo();
  assert.equal(st.current?.pair?.id, "b");
  assert.equal(readFileSync(out, "utf8").split("\n").length, 3); // two lines and the final newline
  s.label("b", "right");
  s.label("d", "left");
  st = s.state();
  assert.equal(st.current, null);
  assert.equal(st.done, 4);
  assert.throws(() => s.label("d", "left"), /every pair is labelled/);
  // A new session on the same file is done too.
  assert.equal(new LabelSession(pairsSource(pairs), out).state().current, null);
});

test("sampled pairs: answer a and b are generateText at the documented temperatures and seeds, and never block the event loop for a whole answer", async (t) => {
  const ref = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (ref === null) return;
  const dir = tmp(t);
  const model = openInferModel(ref, { backend: loadBackend({ threads: 1 }) });
  const items = readPrompts(write(dir, "prompts.jsonl", ['{"prompt":"Once upon a time"}', '{"id":"x","prompt":"The cat"}']));
  const src = new SampledPairs(model, items, { temperatures: [0.7, 1.2], seed: 5, maxTokens: 24 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  await src.waitFor([1]);
  clearInterval(timer);
  assert.equal(src.error, null);
  assert.equal(src.pair(0), null, "only the pairs asked for are generated");
  const p = src.pair(1)!;
  const a = await generateText(model, "The cat", { temperature: 0.7, seed: 5 + 2, maxTokens: 24 });
  const b = await generateText(model, "The cat", { temperature: 1.2, seed: 5 + 3, maxTokens: 24 });
  assert.deepEqual(p, { id: "x", prompt: "The cat", a: a.text, b: b.text });
  assert.notEqual(p.a, p.b);
  assert.ok(ticks > 5, `timers ran ${ticks} times while 48 tokens were generated`);
  assert.throws(() => new SampledPairs(model, readPrompts(write(dir, "chat.jsonl", ['{"messages":[{"role":"user","content":"hi"}]}'])), { temperatures: [1, 1], seed: 0, maxTokens: 1 }), /sampling takes \{prompt\} lines/);
});
