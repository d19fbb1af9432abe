import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildEvalNgrams, loadUserEvalFile } from "./userevals.js";
import { DECONTAMINATE_DEFAULTS } from "./decontaminate.js";
import { parseConfig } from "./config.js";
import { runPipeline } from "./pipeline.js";
import { legacy } from "./encoding.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kd-userevals-"));
const put = (name: string, body: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

const Q1 = "Which planet in our solar system has the longest day, measured in Earth hours from one sunrise to the next?";
const Q2 = "A farmer has seventeen sheep and all but nine run away through a hole in the fence; how many are left?";

test("user evaluation files: JSONL (fields or every string), JSON, CSV, TSV, plain text, gzip", () => {
  const jl = put("bench.jsonl", `${JSON.stringify({ id: 1, question: Q1, choices: ["Venus", "Mars"], meta: { src: "x" } })}\n\n${JSON.stringify({ id: 2, question: Q2, choices: [] })}\n`);
  assert.deepEqual(loadUserEvalFile(jl, ["question"]).map((t) => [t.text, t.line]), [[Q1, 1], [Q2, 3]]);
  assert.deepEqual(loadUserEvalFile(jl, []).map((t) => t.text), [Q1, "Venus", "Mars", "x", Q2]);
  assert.deepEqual(loadUserEvalFile(jl, ["question", "choices"]).map((t) => t.text), [Q1, "Venus", "Mars", Q2]);
  assert.deepEqual(loadUserEvalFile(put("bench.json", JSON.stringify([{ q: { text: Q1 } }, { q: { text: Q2 } }])), ["q.text"]).map((t) => t.text), [Q1, Q2]);
  assert.deepEqual(loadUserEvalFile(put("bench.csv", `id,question\n1,"${Q1}"\n2,"${Q2}"\n`), ["question"]).map((t) => [t.text, t.line]), [[Q1, 2], [Q2, 3]]);
  assert.deepEqual(loadUserEvalFile(put("bench2.csv", `prompt,id\n"${Q2}",7\n`), ["question", "prompt"]).map((t) => t.text), [Q2]);
  assert.deepEqual(loadUserEvalFile(put("bench.tsv", `question\tanswer\r\n${Q1}\tJupiter\n`), []).map((t) => t.text), [Q1, "Jupiter"]);
  assert.deepEqual(loadUserEvalFile(put("bench.txt.gz", gzipSync(`${Q1}\r\n\n${Q2}\n`)), []).map((t) => [t.text, t.line]), [[Q1, 1], [Q2, 3]]);
});

test("a bad user evaluation file is an error naming the file and the line", () => {
  assert.throws(() => loadUserEvalFile(put("b1.jsonl", `{"question": "ok"}\n{"question": oops}\n`), ["question"], "b1.jsonl"), /^FormatError: b1\.jsonl: line 2: not JSON/);
  assert.throws(() => loadUserEvalFile(put("b2.jsonl", `{"question": "ok"}\n{"prompt": "no"}\n`), ["question"], "b2.jsonl"), /b2\.jsonl: line 2: no string field 'question' \(decontaminate\.fields/);
  assert.throws(() => loadUserEvalFile(put("b3.csv", "id,prompt\n1,x\n"), ["question", "text"], "b3.csv"), /b3\.csv: line 1: no column 'question' or 'text' in the header \(id, prompt\)/);
  assert.throws(() => loadUserEvalFile(put("b4.txt", legacy("吾輩は猫である。\n", "shift_jis")), [], "b4.txt"), /b4\.txt: line 1: not UTF-8 \(byte 0\); it looks like shift_jis/);
  assert.throws(() => loadUserEvalFile(join(dir, "missing.jsonl"), [], "missing.jsonl"), /missing\.jsonl: cannot read evaluation file/);
  assert.throws(() => loadUserEvalFile(put("b5.txt", "\n  \n"), [], "b5.txt"), /b5\.txt: evaluation file holds no text/);
});

test("matches are labelled by the evaluation file they came from", () => {
  const a = put("a.txt", `${Q1}\n`);
  const b = put("b.txt", `${Q2}\n`);
  const e = buildEvalNgrams({ ...DECONTAMINATE_DEFAULTS, evalSets: [] }, null, [{ path: a, shown: "a.txt" }, { path: b, shown: "b.txt" }])!;
  assert.deepEqual(e.labels, ["eval-file:a.txt", "eval-file:b.txt"]);
  const m = e.set.matches(`Riddle time. ${Q2.toUpperCase()} Think first.`);
  assert.deepEqual([m.hits > 0, e.labels[m.tag]], [true, "eval-file:b.txt"]);
  assert.equal(e.set.matches("Which planet in our solar system has the shortest year of all?").hits, 0);
  assert.equal(buildEvalNgrams({ ...DECONTAMINATE_DEFAULTS, evalSets: [] }, null, []), null);
});

test("data prepare with decontaminate.files drops the planted contaminated documents and reports them per file", async () => {
  const corpus = Array.from({ length: 20 }, (_, i) => `Story ${i}: the little fox number ${i} ran to the river, drank cold water with a friend named ${"abcdefghijklmnopqrst"[i]}ob, and then they both went home to sleep under the old oak tree.`);
  corpus[5] = `A quiz for the class. ${Q1} The children thought hard about it and then they all guessed Venus, which was right.`;
  corpus[11] = `Grandpa told an old riddle: ${Q2.toLowerCase()} Nobody in the room could answer it quickly.`;
  corpus[17] = `${Q1.split(" ").slice(0, 12).join(" ")} is a question the little fox asked, but that is only twelve words of it.`;
  put("corpus.txt", corpus.join("\n\n"));
  put("quiz.jsonl", `${JSON.stringify({ question: Q1, answer: "Venus" })}\n`);
  put("riddles.csv", `riddle,answer\n"${Q2}",nine\n`);
  const cfg = parseConfig({ sources: [{ name: "s", paths: ["corpus.txt"] }], langid: { enabled: false }, quality: { enabled: false }, decontaminate: { evalSets: [], files: ["quiz.jsonl", "riddles.csv"], heldOut: false }, split: { valFraction: 0 } }, "test");
  const out = join(dir, "out");
  const r = await runPipeline(cfg, { outDir: out, baseDir: dir, tokenizer: null });
  const st = r.stats.stages.find((s) => s.name === "decontaminate-eval")!;
  assert.deepEqual(st.reasons, { "eval-file:quiz.jsonl": 1, "eval-file:riddles.csv": 1 });
  assert.deepEqual([st.docsIn, st.docsOut], [20, 18]);
  const kept = readFileSync(join(out, "text", "train.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { text: string }).text);
  assert.equal(kept.length, 18);
  assert.ok(kept.includes(corpus[17]!) && !kept.includes(corpus[5]!) && !kept.includes(corpus[11]!));
  // A bad evaluation file fails the run up front, naming the file and line.
  put("broken.jsonl", `{"question": "fine"}\n{broken\n`);
  const bad = parseConfig({ sources: [{ name: "s", paths: ["corpus.txt"] }], decontaminate: { files: ["broken.jsonl"] } }, "test");
  await assert.rejects(runPipeline(bad, { outDir: join(dir, "out2"), baseDir: dir, tokenizer: null }), /broken\.jsonl: line 2: not JSON/);
});
