// Tests of `kotodama train` on bad input: each case fails with a clear KotodamaError and leaves no run
// directory behind; and a good tiny run end to end from a text file (BPE trained on the fly), resumed.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KotodamaError } from "../../util/errors.js";
import { parseDuration, trainCommand } from "./train.js";
import { saveHfTokenizer, trainBpe } from "../../tokenizer/index.js";

const TEXT = Array.from({ length: 300 }, (_, i) => `Once upon a time a cat named Tom${i % 7} saw a dog. The dog was happy and they played.`).join("\n");

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "kd-cli-train-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function rejects(argv: string[], re: RegExp, out: string): Promise<void> {
  await assert.rejects(trainCommand.run(argv), (e: Error) => e instanceof KotodamaError && re.test(e.message), argv.join(" "));
  assert.equal(existsSync(out), false, `no run directory for: ${argv.join(" ")}`);
}

test(
  "bad input gives clear errors and writes nothing",
  withDir(async (dir) => {
    const text = join(dir, "a.txt");
    writeFileSync(text, TEXT);
    const out = join(dir, "run");
    let n = 0;
    const cfg = (o: unknown): string => {
      const p = join(dir, `cfg${n++}.json`);
      writeFileSync(p, JSON.stringify(o));
      return p;
    };
    await rejects(["--preset", "huge", "--data", text, "--out", out], /unknown preset "huge"/, out);
    await rejects(["--config", cfg({ model: { layers: 2 } }), "--data", text, "--out", out], /unknown key 'layers'/, out);
    await rejects(["--config", cfg({ train: { lr: 1e-3, epochs: 2 } }), "--data", text, "--out", out], /unknown key 'epochs'/, out);
    await rejects(["--data", join(dir, "missing.txt"), "--out", out], /data '.*missing.txt' does not exist/, out);
    await rejects(["--out", out], /no data given/, out);
    await rejects(["--data", text, "--out", out], /vocabSize 65 is too small for a byte-level BPE/, out);
    const tokPath = join(dir, "tok.json");
    saveHfTokenizer(trainBpe({ texts: [TEXT], vocabSize: 300 }), tokPath);
    await rejects(["--config", cfg({ model: { vocabSize: 512 } }), "--tokenizer", tokPath, "--data", text, "--out", out], /tokenizer .* has 300 tokens but the model's vocabSize is 512/, out);
    await rejects(["--config", cfg({ model: { vocabSize: 300, context: 4096 } }), "--tokenizer", tokPath, "--data", text, "--out", out], /fewer than context \+ 2 = 4098/, out);
    await rejects(["--data", text, "--out", out, "--max-steps", "0"], /--max-steps expects an integer/, out);
    await rejects(["--data", text, "--out", out, "--time-budget", "ten"], /--time-budget expects a duration/, out);
    await rejects(["--data", text, "--out", out, "--epochs", "3"], /Unknown option '--epochs'/, out);
  }),
);

test(
  "a tiny run from a text file trains a tokenizer, writes the run directory, and refuses to resume it with other settings",
  withDir(async (dir) => {
    const text = join(dir, "a.txt");
    writeFileSync(text, TEXT);
    const out = join(dir, "run");
    const cfg = join(dir, "c.json");
    writeFileSync(cfg, JSON.stringify({ model: { vocabSize: 300, context: 16 }, train: { batchSize: 2, evalInterval: 5, evalBatches: 1, checkpointInterval: 5, warmupSteps: 2 } }));
    const write = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    let captured = "";
    process.stdout.write = ((s: string) => ((captured += s), true)) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(await trainCommand.run(["--config", cfg, "--data", text, "--out", out, "--max-steps", "6", "--threads", "1", "--json"]), 0);
    } finally {
      process.stdout.write = write;
      process.stderr.write = err;
    }
    const summary = JSON.parse(captured.trim()) as { steps: number; val_loss: number };
    assert.equal(summary.steps, 6);
    assert.ok(Number.isFinite(summary.val_loss));
    assert.match(readFileSync(join(out, "tokenizer.json"), "utf8"), /"merges"/);
    assert.equal(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).model.vocabSize, 300);
    await assert.rejects(trainCommand.run(["--config", cfg, "--data", text, "--out", out, "--max-steps", "9"]), /holds a run with a different config/);
  }),
);

test("durations", () => {
  assert.equal(parseDuration("t", "90"), 90);
  assert.equal(parseDuration("t", "90s"), 90);
  assert.equal(parseDuration("t", "10m"), 600);
  assert.equal(parseDuration("t", "1.5h"), 5400);
  assert.throws(() => parseDuration("t", "0"), /must be positive/);
});

test(
  "--canaries: a canary written 40 times into the data is memorized (exposure far above the never-seen control's), logged per evaluation, plotted and listed",
  withDir(async (dir) => {
    const text = join(dir, "a.txt");
    writeFileSync(text, TEXT);
    const out = join(dir, "run");
    const cfg = join(dir, "c.json");
    writeFileSync(cfg, JSON.stringify({ model: { vocabSize: 300, context: 48, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, hiddenDim: 128 }, train: { batchSize: 8, evalInterval: 50, evalBatches: 1, lr: 3e-3, warmupSteps: 5 } }));
    const err = process.stderr.write.bind(process.stderr);
    const write = process.stdout.write.bind(process.stdout);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const args = ["--config", cfg, "--data", text, "--out", out, "--max-steps", "150", "--threads", "1", "--canaries", "1", "--canary-repeats", "40", "--canary-digits", "4", "--canary-samples", "63"];
      assert.equal(await trainCommand.run(args), 0);
    } finally {
      process.stderr.write = err;
      process.stdout.write = write;
    }
    const probes = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: number; probes?: Record<string, number> }).filter((r) => r.probes !== undefined);
    assert.deepEqual(probes.map((r) => r.step), [50, 100, 150], "one probe per evaluation");
    const j = JSON.parse(readFileSync(join(out, "canaries.json"), "utf8")) as { canaries: { id: string; repeats: number; starts: number[]; exposure: { rank: number; fit: number } }[] };
    const [canary, control] = j.canaries;
    assert.equal(canary!.starts.length, 40);
    assert.equal(control!.repeats, 0);
    assert.ok(canary!.exposure.fit > control!.exposure.fit + 4, `inserted ${canary!.exposure.fit.toFixed(2)} bits vs control ${control!.exposure.fit.toFixed(2)}`);
    assert.equal(canary!.exposure.rank, 6, "likelier than all 63 sampled secrets: log₂ 64");
    assert.match(readFileSync(join(out, "exposure.svg"), "utf8"), /^<svg[^]*canary exposure/);
  }),
);
