// `kotodama summarize` and `eval summarize` end to end: a tiny chat model built here summarizes a document longer
// than its context, locally and through a kotodama server on loopback (the endpoint path, --api-model taken from
// GET /v1/models), with identical summaries and citations both ways (the local model is the independent reference
// for the endpoint path); the extractive mode quotes the source; the evaluation writes its files; bad flags fail
// clearly. Not here: the summarizer's logic (src/eval/summarize/summarize.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { startOpenAIServer, type RunningServer } from "../../server/openai/server.js";
import { runSft } from "../../train/sft/index.js";
import { captureStdout as capture } from "../../../tests/support/capture.js";
import { runCli } from "../../../tests/support/cli-process.js";
import { tinyBaseRun } from "../../../tests/support/cli.js";
import { evalCommand } from "./eval.js";
import { summarizeCommand } from "./summarize.js";

const STORY = [
  "Mia has a red kite. She flies it in the park.",
  "The wind is strong. The kite goes up high.",
  "Tom has a blue boat. He sails it on the pond.",
  "The boat is fast. Tom is happy.",
];
const DOC = Array.from({ length: 6 }, (_, k) => `Part ${k + 1}\n\n${STORY.join("\n")}`).join("\n\n");

interface Out {
  sentences: { text: string; citations: { start: number; end: number; line: number; text: string }[]; supported: boolean }[];
  chunks: number;
  levels: number;
  calls: number;
  check: { total: number; exists: number; sentencesValid: number; sentences: number };
}

describe("summarize: local model, endpoint and extractive", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-summarize-"));
  const sft = join(dir, "sft");
  const doc = join(dir, "doc.txt");
  let server: RunningServer;

  before(async () => {
    const backend = createRefBackend();
    const text = `${STORY.join(" ")}\nSummarize the following part of a longer document in at most 2 sentences.\nMia flies a red kite. Tom sails a blue boat.\n`;
    tinyBaseRun(join(dir, "base"), text.repeat(8), backend, { context: 256, vocabSize: 360 });
    const data = join(dir, "chat.jsonl");
    writeFileSync(data, [
      { messages: [{ role: "user", content: `Summarize the following part of a longer document in at most 2 sentences. Use only facts stated in it.\n\n${STORY.slice(0, 2).join("\n")}` }, { role: "assistant", content: "Mia flies a red kite." }] },
      { messages: [{ role: "user", content: `Summarize the following part of a longer document in at most 2 sentences. Use only facts stated in it.\n\n${STORY.slice(2).join("\n")}` }, { role: "assistant", content: "Tom sails a blue boat." }] },
    ].map((x) => JSON.stringify(x)).join("\n"));
    runSft({ model: join(dir, "base"), data: [data], valData: [data], outDir: sft, backend, settings: { maxSteps: 30, lr: 1e-2, batchSize: 2 } });
    writeFileSync(doc, DOC);
    server = await startOpenAIServer({ models: [{ name: "tiny", path: sft }], threads: 1, port: 0 });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--model and --endpoint (exact token counts) give the same summary and citations, over several chunks", async () => {
    const common = ["--json", "--quiet", "--part-tokens", "24", "--final-tokens", "32", "--sentences", "3"];
    const local = JSON.parse(await capture(() => summarizeCommand.run([...common, "--model", sft, "--threads", "1", doc]))) as Out;
    const remote = JSON.parse(await capture(() => summarizeCommand.run([...common, "--endpoint", `${server.url}/v1`, "--tokenizer", sft, "--context", "256", doc]))) as Out;
    assert.ok(local.chunks >= 2, `chunks ${local.chunks}: the document must exceed the context`);
    assert.ok(local.calls >= local.chunks + 1);
    assert.deepEqual(remote.sentences, local.sentences);
    assert.deepEqual([remote.chunks, remote.levels, remote.calls], [local.chunks, local.levels, local.calls]);
    // Whatever the tiny model wrote, every citation it got exists in the document as quoted.
    assert.equal(local.check.exists, local.check.total);
    for (const s of local.sentences) for (const c of s.citations) assert.equal(DOC.slice(c.start, c.end), c.text);
  });

  test("--extractive quotes the document; the text output numbers its citations by line", async () => {
    const out = JSON.parse(await capture(() => summarizeCommand.run(["--extractive", "--json", "--sentences", "2", doc]))) as Out;
    assert.equal(out.calls, 0);
    assert.equal(out.sentences.length, 2);
    for (const s of out.sentences) assert.ok(STORY.some((l) => l.includes(s.text)) && s.citations[0]!.text === s.text);
    assert.deepEqual([out.check.sentencesValid, out.check.sentences], [2, 2]);
    const text = await capture(() => summarizeCommand.run(["--extractive", "--sentences", "2", doc]));
    assert.match(text, /^[^\n]+ \[1\]\n[^\n]+ \[2\]\n\n\[1\] line \d+: /u);
  });

  test("eval summarize --extractive FILES writes rows, summary and config; all citations valid", async () => {
    const out = join(dir, "ev");
    const s = JSON.parse(await capture(() => evalCommand.run(["summarize", "--extractive", "--json", "--out", out, doc, doc]))) as { documents: number; citationExists: number; sentencesValid: number };
    assert.deepEqual([s.documents, s.citationExists, s.sentencesValid], [2, 1, 1]);
    assert.equal(readFileSync(join(out, "summaries.jsonl"), "utf8").trim().split("\n").length, 2);
    assert.equal((JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { command: string }).command, "eval summarize");
  });

  test("bad input gets clear errors", () => {
    assert.match(runCli(["summarize", doc]).err, /--model M, --endpoint URL or --extractive is required/);
    assert.match(runCli(["summarize", "--extractive", "--model", sft, doc]).err, /--extractive uses no model/);
    assert.match(runCli(["summarize", "--extractive", join(dir, "nope.txt")]).err, /cannot read .*nope\.txt: ENOENT/);
    writeFileSync(join(dir, "empty.txt"), "  \n");
    assert.match(runCli(["summarize", "--extractive", join(dir, "empty.txt")]).err, /empty\.txt is empty/);
    assert.match(runCli(["summarize", "--extractive", "--lang", "fr", doc]).err, /--lang must be ja, en or auto/);
    assert.match(runCli(["summarize", "--endpoint", "http://127.0.0.1:1/v1", doc]).err, /without --api-model: cannot list http:\/\/127\.0\.0\.1:1\/v1\/models/);
  });
});
