// Tiny PPO and GRPO runs end to end (a tiny base, a tiny reward model trained here): the run directory and the
// per-step reward, KL, length and entropy; and resuming: a run stopped mid-iteration (as a kill would leave it)
// and resumed ends with exactly the weights of an uninterrupted run.
import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { readSafetensors, safetensorsEntries, tensorF32 } from "../../formats/index.js";
import { hfTokenizerJson, trainBpe } from "../../tokenizer/index.js";
import { resolveRunConfig } from "../config.js";
import { train } from "../loop.js";
import { runReward } from "../reward/run.js";
import { checkpointState } from "../checkpoint.js";
import { runRl, type RlOptions } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "kd-rl-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const backend = createRefBackend();
const TEXT = "Hello there. Be kind and polite. Go away, fool! Thank you, friend. What do you say? I say thanks. You are rude.\n";
const PAIRS = [
  ["What do you say?", "Thank you, friend.", "Go away, fool!"],
  ["Hello there.", "Be kind and polite.", "You are rude."],
  ["Say thanks.", "I say thanks.", "You fool!"],
  ["Be polite.", "Hello there, friend.", "Go away, fool."],
].map(([prompt, chosen, rejected]) => JSON.stringify({ prompt, chosen, rejected }));

function setUp(): { base: string; rm: string; prefs: string } {
  const tok = trainBpe({ texts: [TEXT.repeat(20)], vocabSize: 300 });
  const base = join(dir, "base");
  const model = { vocabSize: 300, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 64 };
  const run = resolveRunConfig("tiny", { model, train: { batchSize: 2, maxSteps: 20, evalBatches: 1, lr: 3e-3 } });
  const stream = Uint16Array.from(tok.encode(TEXT.repeat(20), { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: 300, description: "", tokenizerPath: null }, backend, outDir: base, tokenizerJson: hfTokenizerJson(tok) });
  const prefs = join(dir, "pairs.jsonl");
  writeFileSync(prefs, `${PAIRS.join("\n")}\n`);
  const rm = join(dir, "rm");
  runReward({ model: base, prefs, outDir: rm, settings: { maxSteps: 10, lr: 3e-3, batchSize: 2, seed: 3 }, backend });
  return { base, rm, prefs };
}

const weightsOf = (run: string): Map<string, Float32Array> => new Map(safetensorsEntries(readSafetensors(join(run, "model.safetensors"))).map((t) => [t.name, tensorF32(t)]));

test("PPO and GRPO: tiny runs log reward, KL, length and entropy; a run stopped mid-iteration resumes to the same weights", () => {
  const { base, rm, prefs } = setUp();
  for (const method of ["ppo", "grpo"] as const) {
    const settings = { iterations: 3, prompts: 2, group: 2, epochs: 2, maxNewTokens: 6, lr: 1e-3, seed: 5 };
    const full = join(dir, `${method}-full`);
    const a = runRl({ method, model: base, reward: rm, prefs, outDir: full, settings, backend });
    assert.equal(a.steps, 6);
    for (const f of ["model.safetensors", "metrics.jsonl", "rollout.json", "samples.jsonl", "rl.svg", "loss.svg"]) assert.ok(existsSync(join(full, f)), `${method}: ${f}`);
    const ms = readFileSync(join(full, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.equal(ms.length, 6);
    for (const k of ["reward", "kl", "length", "entropy", "clip_frac", "pg_loss", method === "ppo" ? "value_loss" : "kl_k3"]) assert.ok(ms.every((x) => Number.isFinite(x[k])), `${method}: ${k} every step`);
    assert.equal(ms[0]!.kl, 0, "the first rollouts come from the reference itself");
    assert.equal(readFileSync(join(full, "samples.jsonl"), "utf8").trim().split("\n").length, 3 * 2 * (method === "grpo" ? 2 : 1));

    const split = join(dir, `${method}-split`);
    const first = runRl({ method, model: base, reward: rm, prefs, outDir: split, settings, backend, stopAfterStep: 3 });
    assert.equal(first.steps, 3);
    const b = runRl({ method, model: base, reward: rm, prefs, outDir: split, settings, backend });
    assert.deepEqual([b.resumedFrom, b.steps], [3, 6]);
    const wa = weightsOf(full), wb = weightsOf(split);
    for (const [name, x] of wa) assert.deepEqual(wb.get(name), x, `${method}: ${name} after resuming`);
  }
});

/** Starts runRl(o) in a child process and SIGKILLs it `delayMs` after its checkpoint reaches step `atStep`. */
function killedChild(o: Omit<RlOptions, "backend">, atStep: number, delayMs: number): Promise<string> {
  const here = new URL(".", import.meta.url).href;
  const code = `
    const { runRl } = await import(${JSON.stringify(`${here}run.js`)});
    const { createRefBackend } = await import(${JSON.stringify(`${here}../../engine/backends/ref/index.js`)});
    runRl({ ...${JSON.stringify(o)}, backend: createRefBackend() });
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "ignore" });
    const poll = setInterval(() => {
      if ((checkpointState(join(o.outDir!, "checkpoint.safetensors"))?.step ?? 0) >= atStep) {
        clearInterval(poll);
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    }, 5);
    child.on("exit", (c, signal) => {
      clearInterval(poll);
      resolve(signal ?? String(c));
    });
  });
}

test("GRPO killed with SIGKILL mid-run (rollouts and checkpoints being written), then resumed: the weights of an uninterrupted run", async () => {
  const { base, rm, prefs } = setUp();
  const settings = { iterations: 4, prompts: 2, group: 2, epochs: 2, maxNewTokens: 6, lr: 1e-3, seed: 9 };
  const o = { method: "grpo" as const, model: base, reward: rm, prefs, settings };
  const full = join(dir, "grpo-kill-full");
  runRl({ ...o, outDir: full, backend });
  const killed = join(dir, "grpo-kill");
  const seen: string[] = [];
  for (const [atStep, delayMs] of [[2, 1], [4, 15]] as const) {
    const how = await killedChild({ ...o, outDir: killed }, atStep, delayMs);
    seen.push(`${how}@${checkpointState(join(killed, "checkpoint.safetensors"))?.step ?? 0}`);
  }
  assert.ok(seen.some((x) => x.startsWith("SIGKILL")), `at least one kill landed (${seen.join(", ")})`);
  process.stderr.write(`# kills (signal@checkpoint step): ${seen.join(", ")}\n`);
  const res = runRl({ ...o, outDir: killed, backend });
  assert.equal(res.steps, 8);
  const wa = weightsOf(full), wb = weightsOf(killed);
  for (const [name, x] of wa) assert.deepEqual(wb.get(name), x, `${name} after kill -9 and resume (${seen.join(", ")})`);
});
