// Kernel lab for the DPO (and plain training) step: runs `bench dpo`'s workload (or `bench train`'s) through
// train() of a given build (a dist/ root, so that two builds can be alternated in one session) and prints CPU
// time per step (min / median of steps 3..N), the losses, a SHA-256 over every final weight, and with --profile
// the per-kernel table of bench/op-profile.ts. Not here: library code; PyTorch (bench dpo --compare does that).
//
// node dev/dpo-step/harness.mjs --dist /path/to/dist [--preset tiny|small] [--steps N] [--mode dpo|train] [--profile] [--raw]
// (--raw: without the JS validation layer, to measure what it costs)
// KOTODAMA_ADDON_PATH picks the addon (the build's own otherwise).
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { dist: { type: "string" }, preset: { type: "string", default: "tiny" }, steps: { type: "string" }, mode: { type: "string", default: "dpo" }, profile: { type: "boolean", default: false }, raw: { type: "boolean", default: false } } });
if (values.dist === undefined) throw new Error("harness: --dist DIR (a built dist/ root) is required");
const root = pathToFileURL(resolve(values.dist)).href;
const imp = (p) => import(`${root}/${p}`);
const { loadBackend, nativeStatus } = await imp("src/engine/backend.js");
const { resolveRunConfig, train } = await imp("src/train/index.js");
const { dpoBatchSource, dpoObjective } = await imp("src/train/dpo/index.js");
const { namedWeights } = await imp("src/models/weights.js");
const { Rng } = await imp("src/util/rng.js");

const preset = values.preset;
const mode = values.mode;
const steps = Number(values.steps ?? (preset === "tiny" ? 60 : 10));
const base = resolveRunConfig(preset);
const B = mode === "dpo" ? Math.max(1, Math.floor(base.train.batchSize / 2)) : base.train.batchSize;
const run = { ...base, train: { ...base.train, maxSteps: steps, batchSize: B, warmupSteps: 1 } };
const T = run.model.context;
const V = run.model.vocabSize;
const rng = new Rng(1);

let batches;
let objective;
if (mode === "dpo") {
  // bench/dpo.ts's rows and cached reference log-probs (from this checkout's dist, whichever build is measured).
  const { benchPairs } = await import(new URL("../../dist/bench/dpo.js", import.meta.url).href);
  const { pairs, ref } = benchPairs(V, T, rng);
  batches = dpoBatchSource({ train: pairs, val: pairs, trainRef: ref, valRef: ref, seqLen: T, vocabSize: V, description: "random pairs" });
  objective = dpoObjective(0.1);
} else if (mode === "train") {
  const n = B * T * 64 + 2;
  const tok = Int32Array.from({ length: n }, () => rng.int(V));
  batches = undefined;
  objective = undefined;
  run.__data = { train: tok, val: tok.slice(0, T * 4 + 2), vocabSize: V };
} else throw new Error(`harness: --mode expects dpo or train, got ${mode}`);

let backend = loadBackend({ threads: 1 });
if (values.raw) { // the addon's entry points without the JS validation layer (an experiment: what validation costs)
  const { unvalidated } = await imp("src/engine/backend.js");
  const k = unvalidated(backend);
  backend = { ...k, name: backend.name, threads: () => 1, setThreads: () => {} };
}
let times = null;
if (values.profile) {
  const { profiledBackend } = await imp("bench/op-profile.js");
  ({ backend, times } = profiledBackend(backend));
}
const cpu = [];
const losses = [];
let last = process.cpuUsage();
let wall0 = performance.now();
let profStart = 0;
const data = run.__data;
delete run.__data;
const res = train({
  run, ...(data !== undefined ? { data } : { batches, objective }), backend, outDir: null, evaluate: false,
  onProgress: (p) => {
    const now = process.cpuUsage();
    cpu.push((now.user - last.user + now.system - last.system) / 1000);
    last = now;
    losses.push(p.loss);
    if (p.step === 2) {
      if (times !== null) times.clear();
      profStart = performance.now();
    }
  },
});
const timed = cpu.slice(2).sort((a, b) => a - b);
const med = timed[Math.floor(timed.length / 2)];
const h = createHash("sha256");
for (const n of namedWeights(res.weights)) {
  h.update(n.name);
  h.update(new Uint8Array(n.tensor.data.buffer, n.tensor.data.byteOffset, n.tensor.data.byteLength));
}
const tokens = (mode === "dpo" ? 2 : 1) * B * T;
const ns = nativeStatus();
console.log(JSON.stringify({
  dist: values.dist, addon: process.env.KOTODAMA_ADDON_PATH ?? "own", isa: ns.isa ?? ns.reason, mode, preset, steps,
  cpu_ms_min: Number(timed[0].toFixed(2)), cpu_ms_median: Number(med.toFixed(2)),
  tok_per_cpu_s_at_min: Math.round(tokens / (timed[0] / 1000)),
  wall_ms_median: Number((res.stepSeconds.slice(2).sort((a, b) => a - b)[Math.floor((steps - 2) / 2)] * 1000).toFixed(2)),
  first_losses: losses.slice(0, 6).map((x) => Number(x.toPrecision(9))), last_loss: Number(losses.at(-1).toPrecision(9)),
  weights_sha256: h.digest("hex"),
}));
if (times !== null) {
  const { profileTable } = await imp("bench/op-profile.js");
  for (const l of profileTable(times, steps - 2, performance.now() - profStart, 40)) console.log(l);
}
void wall0;
