// A/B of two builds in ONE process (each dist/ with its own addon), alternating short train() runs of the same
// workload so that the load of a shared machine falls on both alike. Prints CPU ms per step (steps 3.. of each
// run) pooled per build: min, 10th percentile, median. Not here: library code.
//
// node dev/dpo-step/ab.mjs DIST_A DIST_B [--mode dpo|train] [--preset tiny|small] [--runs N] [--steps N]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { mode: { type: "string", default: "dpo" }, preset: { type: "string", default: "tiny" }, runs: { type: "string", default: "10" }, steps: { type: "string", default: "14" } } });
if (positionals.length !== 2) throw new Error("ab: two dist/ roots expected");
const mode = values.mode, preset = values.preset, runs = Number(values.runs), steps = Number(values.steps);

async function setup(dist) {
  const root = pathToFileURL(resolve(dist)).href;
  const imp = (p) => import(`${root}/${p}`);
  const { loadBackend } = await imp("src/engine/backend.js");
  const { resolveRunConfig, train, IGNORE_INDEX } = await imp("src/train/index.js");
  const { dpoBatchSource, dpoObjective } = await imp("src/train/dpo/index.js");
  const { Rng } = await imp("src/util/rng.js");
  const base = resolveRunConfig(preset);
  const B = mode === "dpo" ? Math.max(1, Math.floor(base.train.batchSize / 2)) : base.train.batchSize;
  const run = { ...base, train: { ...base.train, maxSteps: steps, batchSize: B, warmupSteps: 1 } };
  const T = run.model.context, V = run.model.vocabSize;
  const rng = new Rng(1);
  let opts;
  if (mode === "dpo") { // bench/dpo.ts's workload
    const row = () => { const ids = Int32Array.from({ length: T + 1 }, () => rng.int(V)); const t = ids.slice(1); t.fill(IGNORE_INDEX, 0, Math.floor(T / 4)); return { inputs: ids.slice(0, T), targets: t, where: "random" }; };
    const chosen = Array.from({ length: 64 }, row), rejected = Array.from({ length: 64 }, row);
    const pairs = { chosen, rejected, truncated: 0, dropped: 0, tokens: 128 * T, kept: chosen.map((_, i) => i) };
    const ref = Float32Array.from({ length: 128 }, () => -T * Math.log(V) * (0.7 + 0.1 * rng.next()));
    opts = { batches: dpoBatchSource({ train: pairs, val: pairs, trainRef: ref, valRef: ref, seqLen: T, vocabSize: V, description: "random pairs" }), objective: dpoObjective(0.1) };
  } else {
    const tok = Int32Array.from({ length: B * T * 64 + 2 }, () => rng.int(V));
    opts = { data: { train: tok, val: tok.slice(0, T * 4 + 2), vocabSize: V } };
  }
  const backend = loadBackend({ threads: 1 });
  return () => {
    const cpu = [];
    let last = process.cpuUsage();
    const res = train({ run, ...opts, backend, outDir: null, evaluate: false, onProgress: () => { const now = process.cpuUsage(); cpu.push((now.user - last.user + now.system - last.system) / 1000); last = now; } });
    return { cpu: cpu.slice(2), loss: res.lastLoss };
  };
}

const sides = [await setup(positionals[0]), await setup(positionals[1])];
const all = [[], []];
const losses = [new Set(), new Set()];
for (let r = 0; r < runs; r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const { cpu, loss } = sides[i]();
    all[i].push(...cpu);
    losses[i].add(loss);
  }
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
positionals.forEach((d, i) => console.log(`${d}: ${mode} ${preset}, ${all[i].length} steps: CPU ms/step min ${q(all[i], 0).toFixed(2)}  p10 ${q(all[i], 0.1).toFixed(2)}  median ${q(all[i], 0.5).toFixed(2)}  last loss ${[...losses[i]].join(", ")}`));
console.log(`B/A: min ${(q(all[1], 0) / q(all[0], 0)).toFixed(3)}  p10 ${(q(all[1], 0.1) / q(all[0], 0.1)).toFixed(3)}  median ${(q(all[1], 0.5) / q(all[0], 0.5)).toFixed(3)}`);
