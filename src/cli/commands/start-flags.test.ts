// `kotodama start`'s flags fail before any work, naming the flag and what it expects; a pinned length that a
// finished run directory does not hold is refused rather than silently reused. Not here: the main job
// (start-cache.test.ts, start-brown.test.ts), the fixed-length schedule (train/budget-plan.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../../engine/backend.js";
import { resolveRunConfig, train } from "../../train/index.js";
import { Rng } from "../../util/rng.js";
import { KotodamaError } from "../../util/errors.js";
import { start } from "./start.js";

test("start: a bad --pretrain-steps or --until fails naming the flag and what it takes", async () => {
  for (const bad of ["0", "1.5", "many", "1e3", "", "2000000"]) {
    await assert.rejects(start.run(["--pretrain-steps", bad, "--no-serve", "--out", "/nonexistent/kd-start"]), (e: unknown) => e instanceof KotodamaError && /--pretrain-steps expects a number of steps \(an integer in \[1, 1000000\]\) or auto, got /.test(e.message), bad);
  }
  await assert.rejects(start.run(["--until", "sft", "--no-serve"]), (e: unknown) => e instanceof KotodamaError && /--until must be one of data, tokenizer, pretrain, all/.test(e.message));
});

test("start: --pretrain-steps N on a run directory that holds a finished run of another length fails naming both", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-start-"));
  try {
    // A finished 3-step run (a toy model: start reads only the checkpoint's state before refusing).
    const run = resolveRunConfig("tiny", { model: { vocabSize: 17, dim: 16, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 8 }, train: { batchSize: 2, maxSteps: 3, evalInterval: 1000, evalBatches: 1 } });
    const rng = new Rng(1);
    const tokens = Uint16Array.from({ length: 400 }, () => rng.int(17));
    train({ run, data: { train: tokens.subarray(0, 300), val: tokens.subarray(300), vocabSize: 17, description: "random", tokenizerPath: null }, backend: loadBackend({ threads: 1 }), outDir: dir, evaluate: false });
    await assert.rejects(start.run(["--out", dir, "--pretrain-steps", "5", "--no-serve"]), (e: unknown) => e instanceof KotodamaError && e.message.includes(`${dir} holds a finished pretraining run of 3 steps, not --pretrain-steps 5; pass another --out`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
