// `kotodama eval` at the edge: the group's --help lists its subcommands, an unknown one is named; `eval instruct`
// rejects bad flags and missing inputs with clear errors, and on a tiny tuned model with a hand-written data
// folder (no ../shared needed) writes the JSON, JSONL and SVG with the base named by the SFT run's config.json.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { runSft } from "../../train/sft/index.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedOrSkip } from "../../util/paths.js";
import { captureStdout as capture } from "../../../tests/support/capture.js";
import { tinyBaseRun } from "../../../tests/support/cli.js";
import { main } from "../main.js";
import { evalCommand } from "./eval.js";

const dir = mkdtempSync(join(tmpdir(), "kd-cli-eval-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("eval --help lists instruct; eval instruct --help lists its flags; an unknown subcommand is named", async () => {
  assert.match(await capture(async () => assert.equal(await main(["eval", "--help"]), 0)), /instruct\s+held-out instruction tasks/);
  const out = await capture(async () => assert.equal(await main(["eval", "instruct", "--help"]), 0));
  for (const f of ["--model", "--base", "--data", "--per-task", "--shots", "--out", "--seed", "--json"]) assert.ok(out.includes(f), f);
  await assert.rejects(evalCommand.run(["nope"]), /kotodama eval: unknown subcommand .nope.; expected one of: instruct, safety, alignment, pii/);
});

test("eval instruct: bad flags and missing inputs fail clearly", async () => {
  const cases: [string[], RegExp][] = [
    [[], /--model RUN is required/],
    [["--model", "m", "--per-task", "0"], /--per-task expects an integer in \[1, 100000\]/],
    [["--model", "m", "--shots", "x"], /--shots expects an integer/],
    [["--model", "m", "--epochs", "2"], /Unknown option '--epochs'/],
    [["--model", "m", "--base", join(dir, "nope")], /the base model .*nope does not exist/],
    [["--model", join(dir, "missing")], /missing: cannot open model/],
  ];
  for (const [argv, re] of cases) await assert.rejects(evalCommand.run(["instruct", ...argv]), (e: Error) => e instanceof KotodamaError && re.test(e.message), argv.join(" "));
});

const line = (task: string, id: string, user: string, answer: string, extra: object = {}): string =>
  JSON.stringify({ id: `test:${id}`, task, source: "cefr-sp", licence: "MIT", messages: [{ role: "user", content: user }, { role: "assistant", content: answer }], ...extra });

test("eval instruct on a tiny tuned model and a hand-written data folder", async () => {
  const text = "What level? A1. Simplify this. The cat sat. Write a story with the words cat and hat. The cat had a hat.\n".repeat(20);
  const base = join(dir, "base");
  tinyBaseRun(base, text, createRefBackend(), { context: 128 });
  const data = join(dir, "data");
  mkdirSync(join(data, "heldout"), { recursive: true });
  const chatFile = join(dir, "chat.jsonl");
  writeFileSync(chatFile, `${JSON.stringify({ messages: [{ role: "user", content: "What level? The cat sat." }, { role: "assistant", content: "A1" }] })}\n`);
  const sft = join(dir, "sft");
  runSft({ model: base, data: [chatFile], outDir: sft, backend: createRefBackend(), settings: { maxSteps: 1, lr: 1e-3 } });
  writeFileSync(join(data, "heldout", "cefr-level.jsonl"), [line("cefr-level", "c1", "What level? The cat sat.", "A1", { cefr_level: "A1" }), line("cefr-level", "c2", "What level? A hat.", "A2", { cefr_level: "A2" })].join("\n"));
  writeFileSync(join(data, "heldout", "simplify.jsonl"), line("simplify", "s1", "Simplify this. The cat sat.", "The cat sat.", { references: ["The cat sat.", "A cat sat."] }));
  writeFileSync(join(data, "heldout", "story-words.jsonl"), line("story-words", "w1", "Write a story with the words cat and hat.", "The cat had a hat.", { required_words: ["cat", "hat"] }));
  writeFileSync(join(data, "train.jsonl"), [line("cefr-level", "t1", "What level? A cat.", "A1", { cefr_level: "A1" }), line("simplify", "t2", "Simplify this. A hat.", "A hat.")].join("\n"));
  const out = join(dir, "eval");
  const printed = await capture(() => evalCommand.run(["instruct", "--model", sft, "--data", data, "--per-task", "5", "--shots", "1", "--out", out, "--threads", "1", "--json"]));
  const j = JSON.parse(printed.trim()) as { models: { base: string }; conditions: string[]; metrics: Record<string, Record<string, Record<string, { n: number }>>>; files: { results: string } };
  assert.equal(j.models.base, base, "the base comes from the SFT run's config.json");
  assert.deepEqual(j.conditions, ["base-few-shot", "base-zero-shot", "sft"]);
  assert.deepEqual([j.metrics["cefr-level"]!.sft!.exact!.n, j.metrics.simplify!["base-few-shot"]!["rouge-l"]!.n, j.metrics["story-words"]!["base-zero-shot"]!["all-words"]!.n], [2, 1, 1]);
  const replies = readFileSync(join(out, "instruct-replies.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { condition: string; task: string; shots?: string[] });
  assert.equal(replies.length, 3 * (2 + 1 + 1));
  assert.deepEqual(replies.find((x) => x.condition === "base-few-shot" && x.task === "cefr-level")!.shots, ["test:t1"], "shots come from the training file's task");
  assert.deepEqual(replies.find((x) => x.condition === "base-few-shot" && x.task === "story-words")!.shots, [], "no story in the training file: zero shots");
  assert.match(readFileSync(join(out, "instruct-eval.svg"), "utf8"), /^<svg[^]*SFT[^]*<\/svg>\n$/);
});

test("eval pii: the probe's summary as JSON and its files; a missing --model is named", async (t) => {
  const model = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (model === null) return;
  const out = mkdtempSync(join(tmpdir(), "kd-eval-pii-"));
  try {
    const s = JSON.parse((await capture(() => evalCommand.run(["pii", "--model", model, "--samples", "2", "--max-tokens", "6", "--out", out, "--json"]))).trim()) as { samples: number; leak_rate: number; leak_rate_by_kind: Record<string, number>; placeholder_rate: number };
    assert.equal(s.samples, 26, "13 prefixes × 2");
    assert.deepEqual(Object.keys(s.leak_rate_by_kind).sort(), ["credit_card", "email", "ipv4", "ipv6", "phone"]);
    const rows = readFileSync(join(out, "pii-samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prefix: string; text: string });
    assert.equal(rows.length, 26);
    assert.equal(JSON.parse(readFileSync(join(out, "pii.json"), "utf8")).samples, 26);
    await assert.rejects(evalCommand.run(["pii"]), /--model M is required/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
