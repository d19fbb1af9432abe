// A training process killed with SIGKILL at arbitrary moments (checkpoint writes included: one is written
// every step) resumes from its last checkpoint and ends with weights identical to an uninterrupted run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRefBackend } from "../engine/backends/ref/index.js";
import { resolveRunConfig, type RunConfig } from "./config.js";
import { train } from "./loop.js";
import type { TokenData } from "./data.js";
import { checkpointState } from "./checkpoint.js";

const RUN: RunConfig = resolveRunConfig("tiny", {
  model: { vocabSize: 13, dim: 32, nLayers: 2, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 16 },
  train: { batchSize: 4, warmupSteps: 5, maxSteps: 60, evalInterval: 50, evalBatches: 2, checkpointInterval: 1 },
});

// The child rebuilds the same data from this expression (no shared state but the run directory).
const DATA_SRC = "Uint16Array.from({ length: 4000 }, (_, i) => (i * 7 + ((i >> 3) % 5)) % 13)";
const data = (): TokenData => {
  const all = Uint16Array.from({ length: 4000 }, (_, i) => (i * 7 + ((i >> 3) % 5)) % 13);
  return { train: all.subarray(0, 3600), val: all.subarray(3600), vocabSize: 13, description: "", tokenizerPath: null };
};

/** Starts a training child on dir and SIGKILLs it `delayMs` after its checkpoint reaches step `atStep`. */
function runChild(dir: string, atStep: number, delayMs: number): Promise<string> {
  const here = new URL(".", import.meta.url).href;
  const code = `
    const { train } = await import(${JSON.stringify(`${here}loop.js`)});
    const { createRefBackend } = await import(${JSON.stringify(`${here}../engine/backends/ref/index.js`)});
    const all = ${DATA_SRC};
    train({ run: ${JSON.stringify(RUN)}, data: { train: all.subarray(0, 3600), val: all.subarray(3600), vocabSize: 13, description: "", tokenizerPath: null }, backend: createRefBackend(), outDir: ${JSON.stringify(dir)} });
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "ignore" });
    const poll = setInterval(() => {
      if ((checkpointState(join(dir, "checkpoint.safetensors"))?.step ?? 0) >= atStep) {
        clearInterval(poll);
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    }, 5);
    child.on("exit", (codeOut, signal) => {
      clearInterval(poll);
      resolve(signal ?? String(codeOut));
    });
  });
}

test("kill -9 at arbitrary moments, then resume: same final weights as an uninterrupted run", async () => {
  const full = mkdtempSync(join(tmpdir(), "kd-kill-full-"));
  const killed = mkdtempSync(join(tmpdir(), "kd-kill-"));
  try {
    train({ run: RUN, data: data(), backend: createRefBackend(), outDir: full });
    const steps: number[] = [];
    let kills = 0;
    for (const [atStep, delayMs] of [[8, 0], [20, 3], [33, 1], [45, 6]]) {
      const how = await runChild(killed, atStep, delayMs);
      if (how === "SIGKILL") kills++;
      steps.push(checkpointState(join(killed, "checkpoint.safetensors"))?.step ?? 0);
    }
    assert.ok(kills >= 1 && steps[steps.length - 1] < 60, `at least one kill landed mid-run (checkpoint steps after each: ${steps.join(", ")})`);
    process.stderr.write(`# checkpoint steps after each kill: ${steps.join(", ")}\n`);
    const res = train({ run: RUN, data: data(), backend: createRefBackend(), outDir: killed });
    assert.equal(res.steps, 60);
    assert.ok(existsSync(join(killed, "model.safetensors")));
    assert.deepEqual(readdirSync(killed).filter((f) => f.includes(".tmp-")), [], "temporary files of killed writes are removed on resume");
    assert.deepEqual(readFileSync(join(killed, "model.safetensors")), readFileSync(join(full, "model.safetensors")), `checkpoint steps after the kills: ${steps.join(", ")}`);
  } finally {
    rmSync(full, { recursive: true, force: true });
    rmSync(killed, { recursive: true, force: true });
  }
});
