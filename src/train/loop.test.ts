// Tests of the training loop: it overfits a tiny repeated sequence; a run stopped after its checkpoint and
// resumed by fresh objects ends with weights and optimizer state bit-identical to an uninterrupted run; the
// schedule matches nanoGPT's formula; the run directory holds every promised file.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../engine/backend.js";
import { createRefBackend } from "../engine/backends/ref/index.js";
import { resolveRunConfig, type RunConfig } from "./config.js";
import { loadWeights } from "../models/io.js";
import { Graph } from "../tensor/index.js";
import { train } from "./loop.js";
import { lrAt } from "./schedule.js";
import { readMetrics } from "./metrics.js";
import type { TokenData } from "./data.js";
import { Rng } from "../util/rng.js";
import { readSafetensors, safetensorsBytes } from "../formats/index.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "kd-train-"));

function smallRun(overrides: Record<string, unknown> = {}, model: Record<string, unknown> = {}): RunConfig {
  return resolveRunConfig("tiny", {
    model: { vocabSize: 17, dim: 32, nLayers: 2, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 16, ...model },
    train: { batchSize: 4, warmupSteps: 5, maxSteps: 12, evalInterval: 4, evalBatches: 2, checkpointInterval: 4, lr: 3e-3, minLr: 3e-4, ...overrides },
  });
}

function randomData(seed: number, n: number, V: number): TokenData {
  const rng = new Rng(seed);
  const all = Uint16Array.from({ length: n }, () => rng.int(V));
  return { train: all.subarray(0, (n * 9) / 10), val: all.subarray((n * 9) / 10), vocabSize: V, description: "random", tokenizerPath: null };
}

test("the loop overfits a tiny repeated sequence", () => {
  const V = 17;
  const pattern = [5, 3, 11, 0, 7, 16, 2, 9, 14, 1, 12, 4, 8, 15, 6, 13, 10]; // each token determines the next
  const seq = Uint16Array.from({ length: 2000 }, (_, i) => pattern[i % pattern.length]);
  const data: TokenData = { train: seq, val: seq.subarray(0, 400), vocabSize: V, description: "pattern", tokenizerPath: null };
  const run = smallRun({ maxSteps: 60, warmupSteps: 5, evalInterval: 60, lr: 1e-2, minLr: 1e-3, weightDecay: 0 });
  const res = train({ run, data, backend: loadBackend({ threads: 1 }), outDir: null });
  assert.equal(res.steps, 60);
  assert.ok(res.lastValLoss !== null && res.lastValLoss < 0.1, `val loss ${res.lastValLoss} (log V = ${Math.log(V).toFixed(2)})`);
});

for (const kind of ["ref", "native"] as const) {
  test(`checkpoint resume is bit-exact (${kind} backend; gradient accumulation, both families)`, (t) => {
    let backend;
    try {
      backend = kind === "ref" ? createRefBackend() : loadBackend({ kind: "native", threads: 2 });
    } catch (e) {
      return t.skip(`native backend unavailable: ${(e as Error).message}`);
    }
    const data = randomData(1, 3000, 17);
    for (const run of [smallRun({ gradAccum: 2 }), smallRun({}, { norm: "rms", pos: "rope", mlp: "swiglu", bias: false, nKvHeads: 1, tieEmbeddings: false })]) {
      const full = tmp();
      const split = tmp();
      try {
        const a = train({ run, data, backend, outDir: full });
        assert.equal(a.steps, 12);
        const first = train({ run, data, backend, outDir: split, stopAfterStep: 8 });
        assert.equal(first.steps, 8);
        const b = train({ run, data, backend, outDir: split }); // fresh graph, weights, optimizer, rng
        assert.equal(b.resumedFrom, 8);
        assert.equal(b.steps, 12);
        assert.deepEqual(readFileSync(join(split, "model.safetensors")), readFileSync(join(full, "model.safetensors")));
        const ca = readSafetensors(join(full, "checkpoint.safetensors"));
        const cb = readSafetensors(join(split, "checkpoint.safetensors"));
        assert.deepEqual(cb.tensors.map((x) => x.name), ca.tensors.map((x) => x.name));
        ca.tensors.forEach((x, i) => assert.deepEqual(safetensorsBytes(cb, cb.tensors[i]), safetensorsBytes(ca, x), x.name)); // weights, AdamW m and v
        const state = (f: typeof ca): unknown => {
          const { elapsedS: _e, ...rest } = (JSON.parse(f.metadata.get("kotodama.checkpoint") ?? "{}") as { state: { elapsedS: number } }).state;
          return { ...rest, adamw: f.metadata.get("kotodama.adamw") };
        };
        assert.deepEqual(state(cb), state(ca)); // step, schedule, RNG state, data position, optimizer step
        const ma = readMetrics(join(full, "metrics.jsonl")).map((m) => [m.step, m.train_loss, m.val_loss]);
        const mb = readMetrics(join(split, "metrics.jsonl")).map((m) => [m.step, m.train_loss, m.val_loss]);
        assert.deepEqual(mb, ma);
      } finally {
        rmSync(full, { recursive: true, force: true });
        rmSync(split, { recursive: true, force: true });
      }
    }
  });
}

test("the run directory holds config, weights loadable by models/io, checkpoint, metrics and the plot", () => {
  const dir = tmp();
  try {
    const run = smallRun();
    const t0 = performance.now();
    const res = train({ run, data: randomData(2, 2000, 17), backend: createRefBackend(), outDir: dir, tokenizerJson: "{}" });
    const wall = (performance.now() - t0) / 1000;
    for (const f of ["config.json", "tokenizer.json", "model.safetensors", "checkpoint.safetensors", "metrics.jsonl", "loss.svg"]) assert.ok(existsSync(join(dir, f)), f);
    const w = loadWeights(new Graph(createRefBackend()), run.model, join(dir, "model.safetensors"));
    assert.deepEqual(w.tokEmb.data, res.weights.tokEmb.data);
    const m = readMetrics(join(dir, "metrics.jsonl"));
    assert.deepEqual(m.map((r) => r.step), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(m.filter((r) => r.val_loss !== undefined).map((r) => r.step), [4, 8, 12]);
    assert.ok(m.every((r) => r.lr === lrAt(r.step - 1, run.train)));
    assert.ok(m.every((r, i) => i === 0 || r.elapsed_s >= m[i - 1].elapsed_s), "elapsed time is monotone");
    assert.ok(m[m.length - 1].elapsed_s <= wall, `elapsed ${m[m.length - 1].elapsed_s} s counts no more than the wall time ${wall} s (checkpoints every 4 steps)`);
    const svg = readFileSync(join(dir, "loss.svg"), "utf8");
    assert.match(svg, /^<svg/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("schedule: linear warm-up, cosine to minLr (nanoGPT get_lr)", () => {
  const c = { lr: 1, minLr: 0.1, warmupSteps: 10, maxSteps: 110 };
  assert.equal(lrAt(0, c), 0.1);
  assert.equal(lrAt(9, c), 1);
  assert.equal(lrAt(10, c), 1);
  assert.ok(Math.abs(lrAt(60, c) - 0.55) < 1e-12);
  assert.ok(Math.abs(lrAt(110, c) - 0.1) < 1e-12);
  assert.ok(Math.abs(lrAt(500, c) - 0.1) < 1e-12);
});

test("a spent time budget stops the loop, except before minSteps (a busy machine still trains that many)", () => {
  const data = randomData(3, 4000, 17);
  const backend = loadBackend({ threads: 1 });
  const spent = train({ run: smallRun(), data, backend, outDir: null, timeBudgetS: 0 });
  assert.equal(spent.steps, 0);
  const floor = train({ run: smallRun(), data, backend, outDir: null, timeBudgetS: 0, minSteps: 5 });
  assert.equal(floor.steps, 5);
  const capped = train({ run: smallRun(), data, backend, outDir: null, timeBudgetS: 0, minSteps: 50 });
  assert.equal(capped.steps, 12, "minSteps never runs past the schedule");
  const fitted = train({ run: smallRun(), data, backend, outDir: null, timeBudgetS: 1e-6, fitMaxStepsToBudget: true, minSteps: 7 });
  assert.equal(fitted.steps, 7, "the fitted schedule is not shorter than minSteps");
});
