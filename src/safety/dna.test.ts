// Tests of Do-Not-Answer as evaluator data: bad CSV rows are named (record and field), the split is by prompt
// (no prompt on both sides; the test prompts are the project's held-out ones), and the refusal rule.
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { INSTRUCT_DEFAULTS } from "../data/instruct/config.js";
import { DNA_MODELS, readDoNotAnswer } from "../data/instruct/sources.js";
import { doNotAnswerHeldOut } from "../data/instruct/split.js";
import { sharedOrSkip } from "../util/paths.js";
import { dnaSplitOf, loadDnaSplit, REFUSAL_ACTIONS, renderPair } from "./dna.js";

const HEADER = ["id", "risk_area", "types_of_harm", "specific_harms", "question", ...DNA_MODELS.flatMap((m) => [`${m}_response`, `${m}_harmful`, `${m}_action`])];

/** A data_en.csv of rows; each row gives its 6 (response, harmful, action) triples. */
function csv(rows: readonly { id: string; triples: readonly (readonly [string, string, string])[] }[]): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return [HEADER.join(","), ...rows.map((r) => [r.id, q("Risk, area"), "Type", "Spec", q("A question?"), ...r.triples.flatMap(([t, h, a]) => [q(t), h, a])].join(","))].join("\n");
}

const ok = (): (readonly [string, string, string])[] => DNA_MODELS.map(() => ["I cannot help,\nsorry.", "0", "0"] as const);

function withCsv(text: string, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-dna-"));
  try {
    mkdirSync(join(dir, "do-not-answer"));
    writeFileSync(join(dir, "do-not-answer", "data_en.csv"), text);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("dna: bad rows give an error naming the record, the id and the field", () => {
  const bad = (i: number, triple: readonly [string, string, string]): (readonly [string, string, string])[] => ok().map((t, k) => (k === i ? triple : t));
  withCsv(csv([{ id: "0", triples: ok() }, { id: "1", triples: bad(2, ["text", "2", "0"]) }]), (dir) => {
    assert.throws(() => loadDnaSplit(dir), /data_en\.csv: record 2: \(id 1\) field 'Claude_harmful' must be 0 or 1, got "2"/);
  });
  withCsv(csv([{ id: "0", triples: bad(5, ["text", "1", "six"]) }]), (dir) => {
    assert.throws(() => loadDnaSplit(dir), /record 1: \(id 0\) field 'vicuna-7b_action' must be an integer 0\.\.5, got "six"/);
  });
  withCsv(csv([{ id: "0", triples: bad(0, ["  ", "0", "0"]) }]), (dir) => {
    assert.throws(() => loadDnaSplit(dir), /record 1: \(id 0\) field 'GPT4_response' is empty/);
  });
  withCsv(csv([{ id: "x7", triples: ok() }]), (dir) => {
    assert.throws(() => loadDnaSplit(dir), /record 1: 'id' must be an integer, got "x7"/);
  });
  withCsv(`${csv([{ id: "0", triples: ok() }])}\n1,only,three`, (dir) => {
    assert.throws(() => loadDnaSplit(dir), /record 2: has 3 fields, the header has 23/);
  });
});

test("dna: renderPair and the refusal actions", () => {
  assert.equal(renderPair(" Why? ", "Because.\n"), "Question: Why?\nResponse: Because.");
  assert.deepEqual([0, 1, 2, 3, 4, 5].filter((a) => REFUSAL_ACTIONS.has(a)), [0, 4]);
});

test("dna: the split is by prompt, its test prompts are the project's held-out ones, all 5,634 responses used", (t) => {
  const data = sharedOrSkip(t, "data");
  if (data === null) return;
  const rows = readDoNotAnswer(join(data, "do-not-answer", "data_en.csv")); // parsed once: the file is 3.9 MB
  const s = dnaSplitOf(rows);
  assert.equal(s.train.length + s.test.length, 5634);
  const testIds = new Set(s.test.map((e) => e.id));
  assert.ok(s.train.every((e) => !testIds.has(e.id)), "no prompt on both sides");
  const project = doNotAnswerHeldOut(rows, INSTRUCT_DEFAULTS.seed, INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction);
  assert.equal(project.size, 187);
  assert.deepEqual([...testIds].sort(), [...project].sort());
  assert.equal(s.test.length, 6 * testIds.size);
});
