// Task files: every shipped tasks/*.json parses; unknown keys, wrong kinds and missing fields are errors naming the
// file and the key; templates render fields and refuse missing ones; shots are seeded per document (the same with
// any --limit, distinct, different for another seed) and never come from the evaluated window of the same file.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { packageRoot } from "../../util/paths.js";
import { parseTaskDefinition, readTaskDefinition } from "./definition.js";
import { checkDisjoint } from "./docs.js";
import { fewShotContext, sampleShots } from "./fewshot.js";
import { goldIndex, renderChoices } from "./template.js";

const MC = { name: "t", kind: "multiple_choice", data: { format: "jsonl", eval: { path: "v.jsonl" }, fewshot: { path: "t.jsonl" } }, template: { context: "Q: {{q}}\nA:", choices: ["{{c0}}", "{{c1}}"], target: "{{label}}" } };

test("the shipped task files parse and record their hash", () => {
  const dir = join(packageRoot(), "tasks");
  const names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  assert.ok(names.length >= 5);
  for (const f of names) {
    const t = readTaskDefinition(join(dir, f));
    assert.match(t.sha256, /^[0-9a-f]{64}$/);
    assert.equal(`${t.name}.json`, f, "a task file is named after its task");
  }
});

test("errors name the file and the key", () => {
  assert.throws(() => parseTaskDefinition(JSON.stringify({ ...MC, shots: 3 }), "x.json"), /x\.json: 'shots' is not a known key/);
  assert.throws(() => parseTaskDefinition(JSON.stringify({ ...MC, kind: "mc" }), "x.json"), /x\.json: 'kind' is "mc"; expected one of: multiple_choice, generate_until/);
  assert.throws(() => parseTaskDefinition(JSON.stringify({ ...MC, template: { ...MC.template, choices: ["{{c0}}"] } }), "x.json"), /'template\.choices' a multiple-choice task needs/);
  assert.throws(() => parseTaskDefinition(JSON.stringify({ ...MC, kind: "generate_until" }), "x.json"), /'generation' expects an object/);
  assert.throws(() => parseTaskDefinition("{", "x.json"), /x\.json: not valid JSON/);
});

test("templates render fields; the gold is an index or a choice's text; a missing field is named", () => {
  const t = parseTaskDefinition(JSON.stringify(MC), "mc.json");
  const doc = { q: "2+2?", c0: "3", c1: "4", label: 1 };
  assert.deepEqual(renderChoices(t, doc), ["3", "4"]);
  assert.equal(goldIndex(t, doc, ["3", "4"]), 1);
  const shot = { q: "1+1?", c0: "2", c1: "5", label: 0 };
  assert.equal(fewShotContext(t, [shot], doc), "Q: 1+1?\nA: 2\n\nQ: 2+2?\nA:");
  assert.throws(() => renderChoices(t, { q: "x", c0: "a" }), /mc\.json template\.choices\[1\]: \{\{c1\}\} is not a field of the document/);
});

test("shots: seeded per document, distinct, independent of the limit", () => {
  const a = Array.from({ length: 50 }, (_, i) => sampleShots(1000, 3, 1234, i));
  const b = Array.from({ length: 10 }, (_, i) => sampleShots(1000, 3, 1234, i));
  assert.deepEqual(a.slice(0, 10), b);
  for (const s of a) assert.equal(new Set(s).size, 3);
  assert.notDeepEqual(sampleShots(1000, 3, 1235, 0), a[0]);
  assert.throws(() => sampleShots(2, 3, 1, 0), /3 shots asked for, but the few-shot split has 2/);
});

test("shots never come from the evaluated window of the same file", () => {
  const same = (fewshot: object) => parseTaskDefinition(JSON.stringify({ ...MC, data: { format: "jsonl", eval: { path: "v.jsonl", skip: 100 }, fewshot: { path: "v.jsonl", ...fewshot } } }), "s.json");
  checkDisjoint(same({ take: 100 }));
  assert.throws(() => checkDisjoint(same({ take: 101 })), /overlapping windows/);
  assert.throws(() => checkDisjoint(same({ skip: 150 })), /overlapping windows/);
});
