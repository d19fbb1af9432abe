// `kotodama sft` at the edge: --help lists the flags, bad flags and missing inputs fail with clear errors and write
// nothing (LoRA flags need --lora-rank); and a tiny run from a kotodama run directory (kotodama's own template) writes
// a run directory that keeps that template. Not here: training quality (tests/sft.test.ts).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { KOTODAMA_CHAT_TEMPLATE } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { capture, tinyBaseRun } from "../../../tests/support/cli.js";
import { main } from "../main.js";
import { sftCommand } from "./sft.js";

const dir = mkdtempSync(join(tmpdir(), "kd-cli-sft-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("--help lists every flag", async () => {
  const out = await capture(async () => assert.equal(await main(["sft", "--help"]), 0));
  for (const f of ["--model", "--data", "--val-data", "--out", "--max-steps", "--lr", "--batch-size", "--context", "--drop-long", "--sni-shots", "--time-budget", "--seed", "--lora-rank", "--lora-alpha", "--lora-dropout", "--lora-targets", "--pack"]) assert.ok(out.includes(f), f);
});

test("bad flags and missing inputs fail clearly and write nothing", async () => {
  const out = join(dir, "bad");
  const data = join(dir, "d.jsonl");
  writeFileSync(data, JSON.stringify({ prompt: "a", completion: "b" }));
  const cases: [string[], RegExp][] = [
    [["--model", "m", "--data", data, "--out", out, "--lora-alpha", "8"], /--lora-alpha needs --lora-rank R/],
    [["--model", "m", "--data", data, "--out", out, "--lora-rank", "0"], /--lora-rank expects an integer/],
    [["--data", data, "--out", out], /--model RUN_OR_FILE is required/],
    [["--model", "m", "--data", data], /--out DIR is required/],
    [["--model", "m", "--out", out], /no data given/],
    [["--model", "m", "--data", data, "--out", out, "--epochs", "3"], /Unknown option '--epochs'/],
    [["--model", "m", "--data", data, "--out", out, "--lr", "fast"], /--lr expects a number/],
    [["--model", "m", "--data", data, "--out", out, "--batch-size", "0"], /--batch-size expects an integer/],
    [["--model", "m", "--data", data, "--out", out, "--sni-shots", "99"], /--sni-shots expects an integer/],
    [["--model", join(dir, "missing.gguf"), "--data", data, "--out", out], /missing\.gguf: cannot open model/],
    [["--model", "m", "--data", data, "--out", out, "stray"], /unexpected argument 'stray'/],
  ];
  for (const [argv, re] of cases) {
    await assert.rejects(sftCommand.run(argv), (e: Error) => e instanceof KotodamaError && re.test(e.message), argv.join(" "));
    assert.equal(existsSync(out), false, argv.join(" "));
  }
});

test("a tiny run from a kotodama run directory keeps kotodama's template", async () => {
  const text = "Hello there. How are you? I am fine, thank you. What is two plus two? Four.\n".repeat(30);
  const base = join(dir, "base");
  tinyBaseRun(base, text, createRefBackend());
  const data = join(dir, "chat.jsonl");
  writeFileSync(data, [["How are you?", "I am fine."], ["What is two plus two?", "Four."]].map(([q, a]) => JSON.stringify({ messages: [{ role: "user", content: q }, { role: "assistant", content: a }] })).join("\n"));
  const out = join(dir, "sft");
  const captured = await capture(() => sftCommand.run(["--model", base, "--data", data, "--out", out, "--max-steps", "3", "--lr", "1e-3", "--batch-size", "2", "--threads", "1", "--json"]));
  const summary = JSON.parse(captured.trim()) as { steps: number; train_examples: number; val_examples: number; truncated: number };
  assert.deepEqual([summary.steps, summary.train_examples, summary.val_examples, summary.truncated], [3, 2, 2, 0]);
  const cfg = JSON.parse(readFileSync(join(out, "tokenizer_config.json"), "utf8")) as { chat_template: string };
  assert.equal(cfg.chat_template, KOTODAMA_CHAT_TEMPLATE);
  const runCfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { kind: string; model: { dim: number }; sft: { template: string } };
  assert.deepEqual([runCfg.kind, runCfg.model.dim, runCfg.sft.template], ["sft", 32, "kotodama's chat template"]);
  await assert.rejects(sftCommand.run(["--model", base, "--data", data, "--out", out, "--max-steps", "4"]), /holds a run with a different config/);
});
