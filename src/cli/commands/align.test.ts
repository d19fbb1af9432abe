// `kotodama align` at the edge: --help lists the flags; ppo/grpo without --reward fail clearly; bad flags and missing
// inputs fail with clear errors and write nothing; a tiny DPO run through the CLI prints its JSON summary.
// Not here: DPO's numbers (train/dpo/dpo.test.ts).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { hfTokenizerJson, trainBpe } from "../../tokenizer/index.js";
import { resolveRunConfig, train } from "../../train/index.js";
import { KotodamaError } from "../../util/errors.js";
import { main } from "../main.js";
import { alignCommand } from "./align.js";
import { captureStdout } from "../../../tests/support/capture.js";

const dir = mkdtempSync(join(tmpdir(), "kd-cli-align-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("--help lists every flag", async () => {
  const out = await captureStdout(async () => assert.equal(await main(["align", "--help"]), 0));
  for (const f of ["--method", "--model", "--prefs", "--val-prefs", "--out", "--beta", "--max-steps", "--lr", "--batch-size", "--context", "--drop-long", "--time-budget", "--seed", "--lora-rank", "--lora-alpha", "--lora-dropout", "--lora-targets", "--threads", "--json"]) assert.ok(out.includes(f), f);
});

test("ppo and grpo need --reward; bad flags and missing inputs fail clearly and write nothing", async () => {
  const out = join(dir, "bad");
  const prefs = join(dir, "p.jsonl");
  writeFileSync(prefs, `${JSON.stringify({ prompt: "a", chosen: "b", rejected: "c" })}\n`);
  const ok = ["--model", "m", "--prefs", prefs, "--out", out];
  const cases: [string[], RegExp][] = [
    [["--method", "ppo", ...ok], /--method ppo: --reward RUN .* is required/],
    [["--method", "grpo", ...ok], /--method grpo: --reward RUN .* is required/],
    [["--method", "rlhf", ...ok], /--method expects one of dpo, ppo, grpo/],
    [ok, /--method expects one of dpo, ppo, grpo, got null/],
    [["--method", "dpo", "--prefs", prefs, "--out", out], /--model RUN_OR_FILE is required/],
    [["--method", "dpo", "--model", "m", "--out", out], /--prefs FILE is required/],
    [["--method", "dpo", "--model", "m", "--prefs", prefs], /--out DIR is required/],
    [["--method", "dpo", ...ok, "--beta=-1"], /--beta expects a number/],
    [["--method", "dpo", ...ok, "--beta", "0"], /--beta expects a number/],
    [["--method", "dpo", ...ok, "--lora-alpha", "8"], /--lora-alpha needs --lora-rank R/],
    [["--method", "dpo", ...ok, "--epochs", "1"], /--epochs applies to --method ppo and grpo, not dpo/],
    [["--method", "dpo", ...ok, "--nonsense", "1"], /Unknown option '--nonsense'/],
    [["--method", "dpo", ...ok, "stray"], /unexpected argument 'stray'/],
    [["--method", "dpo", ...ok.slice(0, 1), join(dir, "missing.gguf"), ...ok.slice(2)], /missing\.gguf: cannot open model/],
  ];
  for (const [argv, re] of cases) {
    await assert.rejects(alignCommand.run(argv), (e: Error) => e instanceof KotodamaError && re.test(e.message), argv.join(" "));
    assert.equal(existsSync(out), false, argv.join(" "));
  }
});

test("a tiny DPO run through the CLI: run directory, summary, a bad pairs line named", async () => {
  const text = "Hello there. Be kind. Go away, fool! Thank you, friend. What do you say?\n".repeat(20);
  const tok = trainBpe({ texts: [text], vocabSize: 300 });
  const base = join(dir, "base");
  const run = resolveRunConfig("tiny", { model: { vocabSize: 300, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 64 }, train: { batchSize: 1, maxSteps: 1, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode(text, { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: 300, description: "", tokenizerPath: null }, backend: createRefBackend(), outDir: base, tokenizerJson: hfTokenizerJson(tok) });
  const prefs = join(dir, "train.jsonl");
  writeFileSync(prefs, [["What do you say?", "Thank you, friend.", "Go away, fool!"], ["Hello there.", "Be kind.", "Go away!"]].map(([prompt, chosen, rejected]) => JSON.stringify({ prompt, chosen, rejected })).join("\n"));
  writeFileSync(join(dir, "heldout.jsonl"), `${JSON.stringify({ messages: [{ role: "user", content: "Hello there." }], chosen: "Thank you.", rejected: "Fool!" })}\n`);
  const out = join(dir, "dpo");
  const captured = await captureStdout(() => alignCommand.run(["--method", "dpo", "--model", base, "--prefs", prefs, "--out", out, "--max-steps", "2", "--batch-size", "2", "--threads", "1", "--json"]));
  const s = JSON.parse(captured.trim()) as { method: string; steps: number; train_pairs: number; val_pairs: number; heldout_accuracy: number; reference_cached: boolean };
  assert.deepEqual([s.method, s.steps, s.train_pairs, s.val_pairs, s.reference_cached], ["dpo", 2, 2, 1, false]);
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { kind: string; dpo: { beta: number; valPrefs: { path: string } } };
  assert.deepEqual([cfg.kind, cfg.dpo.beta, cfg.dpo.valPrefs.path], ["dpo", 0.1, join(dir, "heldout.jsonl")]);
  writeFileSync(join(dir, "bad.jsonl"), `${JSON.stringify({ prompt: "a", chosen: "b", rejected: "c" })}\n${JSON.stringify({ prompt: "a", chosen: "b" })}\n`);
  await assert.rejects(alignCommand.run(["--method", "dpo", "--model", base, "--prefs", join(dir, "bad.jsonl"), "--out", join(dir, "dpo-bad")]), /bad\.jsonl:2: 'rejected' must be a non-empty string/);
});
