// The data formats: each one read into the chat messages written out by hand, SNI k-shot sampling seeded and
// distinct, and each malformed input rejected with an error naming the file, the line (or SNI field path) and the
// field. Not here: templates and masks (examples.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSftFile } from "./formats.js";

const dir = mkdtempSync(join(tmpdir(), "kd-sft-formats-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string): string => {
  const p = join(dir, `f${n++}.jsonl`);
  writeFileSync(p, text);
  return p;
};
const lines = (...xs: unknown[]): string => xs.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join("\n");

test("Alpaca, chat and prompt/completion lines become chat messages", () => {
  const a = readSftFile(file(lines({ instruction: "Add.", input: "2 + 3", output: "5" }, "", { instruction: "Greet.", input: "", output: "Hello." }, { instruction: "Wave.", output: "👋" })));
  assert.equal(a.format, "alpaca");
  assert.deepEqual(a.examples.map((e) => e.messages), [
    [{ role: "user", content: "Add.\n\n2 + 3" }, { role: "assistant", content: "5" }],
    [{ role: "user", content: "Greet." }, { role: "assistant", content: "Hello." }],
    [{ role: "user", content: "Wave." }, { role: "assistant", content: "👋" }],
  ]);
  assert.deepEqual(a.examples.map((e) => e.where.replace(/.*:/, "")), ["1", "3", "4"], "blank lines are skipped, line numbers kept");
  const msgs = [{ role: "system", content: "Be brief." }, { role: "user", content: "こんにちは" }, { role: "assistant", content: "やあ" }, { role: "user", content: "元気？" }, { role: "assistant", content: "元気です" }];
  const c = readSftFile(file(lines({ messages: msgs })));
  assert.equal(c.format, "chat");
  assert.deepEqual(c.examples[0]!.messages, msgs);
  const p = readSftFile(file(lines({ prompt: "Q?", completion: "A." })));
  assert.equal(p.format, "prompt-completion");
  assert.deepEqual(p.examples[0]!.messages, [{ role: "user", content: "Q?" }, { role: "assistant", content: "A." }]);
});

const SNI = {
  Contributors: ["x"],
  Definition: ["Answer with the opposite word."],
  "Positive Examples": [{ input: "hot", output: "cold", explanation: "" }, { input: "up", output: "down", explanation: "" }, { input: "big", output: "small", explanation: "" }],
  "Negative Examples": [{ input: "yes", output: "yes", explanation: "not opposite" }],
  Instances: [{ id: "t-1", input: "left", output: ["right"] }, { id: "t-2", input: "open", output: ["closed", "shut"] }],
};

test("SNI task files: definition, k distinct seeded demonstrations, the instance; the first output is the answer", () => {
  const p = join(dir, "task.json");
  writeFileSync(p, JSON.stringify(SNI, null, 2));
  const t = readSftFile(p, { sniShots: 2, seed: 7 });
  assert.equal(t.format, "sni");
  assert.equal(t.examples.length, 2);
  assert.deepEqual(t.examples.map((e) => e.messages[1]), [{ role: "assistant", content: "right" }, { role: "assistant", content: "closed" }]);
  for (const e of t.examples) {
    const u = e.messages[0]!.content;
    assert.ok(u.startsWith("Definition: Answer with the opposite word.\n\nPositive Example 1 -\nInput: "), u);
    const shown = [...u.matchAll(/Input: (\w+)\nOutput: (\w+)/g)].map((m) => m[1]);
    assert.equal(shown.length, 2);
    assert.notEqual(shown[0], shown[1], "distinct demonstrations");
    assert.ok(shown.every((s) => ["hot", "up", "big"].includes(s!)));
    assert.ok(u.endsWith(`Now complete the following example -\nInput: ${e === t.examples[0] ? "left" : "open"}\nOutput:`));
    assert.ok(!u.includes("yes"), "negative examples are not shown");
  }
  assert.deepEqual(readSftFile(p, { sniShots: 2, seed: 7 }).examples, t.examples, "same seed, same shots");
  const seeds = new Set(Array.from({ length: 8 }, (_, s) => readSftFile(p, { sniShots: 2, seed: s }).examples[0]!.messages[0]!.content));
  assert.ok(seeds.size > 1, "the seed changes the shots");
  assert.ok(!readSftFile(p, { sniShots: 0 }).examples[0]!.messages[0]!.content.includes("Positive Example"));
});

test("errors name the file, the line and the field", () => {
  const cases: [string, RegExp][] = [
    [lines({ instruction: "a", output: "b" }, { instruction: "a", output: 3 }), /f\d+\.jsonl:2: field "output": expected a string, got number 3/],
    [lines({ instruction: "a", output: "b", text: "x" }), /:1: field "text": unknown key for the alpaca format/],
    [lines({ instruction: "", output: "b" }), /:1: field "instruction": must not be empty/],
    [lines({ prompt: "a", completion: "b" }, "{oops"), /:2: not valid JSON/],
    [lines({ prompt: "a", completion: "b" }, { instruction: "a", output: "b" }), /:2: field "instruction": this line is not in the file's prompt-completion format/],
    [lines({ prompt: "a" }), /:1: field "completion": expected a string, got nothing/],
    [lines({ question: "a" }), /:1: unknown example format with keys question/],
    [lines([1, 2]), /:1: expected a JSON object, got an array/],
    [lines({ messages: [{ role: "user", content: "a" }, { role: "bot", content: "b" }] }), /:1: field "messages\[1\]\.role": expected "system", "user" or "assistant", got string "bot"/],
    [lines({ messages: [{ role: "user", content: "a" }, { role: "system", content: "b" }, { role: "assistant", content: "c" }] }), /field "messages\[1\]\.role": a system message may only come first/],
    [lines({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] }), /field "messages\[2\]\.role": the last message must be the assistant's/],
    [lines({ messages: [{ role: "user", content: "a" }] }), /field "messages": no assistant message/],
    [lines({ messages: [{ role: "user", content: "a", name: "x" }, { role: "assistant", content: "b" }] }), /field "messages\[0\]\.name": unknown key/],
    [lines({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: null }] }), /field "messages\[1\]\.content": expected a string, got null/],
    ["\n\n", /no examples/],
  ];
  for (const [text, re] of cases) assert.throws(() => readSftFile(file(text)), re, text);
  const sni = (o: unknown): string => {
    const p = join(dir, `t${n++}.json`);
    writeFileSync(p, JSON.stringify(o));
    return p;
  };
  assert.throws(() => readSftFile(sni({ ...SNI, Definition: 3 })), /t\d+\.json:task: field "Definition": expected a string or a non-empty list of strings/);
  assert.throws(() => readSftFile(sni({ ...SNI, Instances: [SNI.Instances[0], { id: "x", input: "a", output: [] }] })), /:task: field "Instances\[1\]\.output": expected a non-empty list of strings/);
  assert.throws(() => readSftFile(sni({ ...SNI, "Positive Examples": [{ input: "a" }] })), /field "Positive Examples\[0\]\.output": expected a string/);
  assert.throws(() => readSftFile(join(dir, "missing.jsonl")), /cannot read data file .*missing\.jsonl/);
});
