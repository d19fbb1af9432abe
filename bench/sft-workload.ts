// The workload of `kotodama bench sft`: preset models with the batch and row length of their SFT recipe, synthetic
// instruction rows packed as `kotodama sft --pack` packs them (response-only targets), full fine-tuning or LoRA on
// q,k,v,o,gate,up,down, timed through the training loop itself (src/train/loop.ts: forward, backward, clipping,
// AdamW on the trainable parameters); and the same start written out for bench/torch_sft_ref.py (initial weights
// with LoRA's A and B, every step's batch). Not here: the CLI and the report (sft.ts), the loss comparison
// (sft_correctness.ts), library code.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../src/engine/ops.js";
import { writeSafetensorsFile } from "../src/formats/index.js";
import { MODEL_PRESETS, attachLora, loraNamedWeights, namedWeights, parameterCountOf, resolveLoraConfig, type LoraConfig, type ModelConfig, type NamedWeight } from "../src/models/index.js";
import { IGNORE_INDEX, train, type BatchSource, type Progress, type RunConfig, type Trainable, type TrainOptions } from "../src/train/index.js";
import { packRows, sftBatchSource } from "../src/train/sft/batches.js";
import type { SftRow } from "../src/train/sft/examples.js";
import { sftTrainConfig } from "../src/train/sft/run.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { BENCH_MODELS } from "./bench-models.js";

export type SftMode = "full" | "lora";

export interface SftBenchPreset {
  readonly model: ModelConfig;
  readonly batchSize: number; // B
  readonly seqLen: number; // T: packed rows fill it
  /** Steps per run (the first 2 are warm-up, not timed) and interleaved rounds, by default. */
  readonly steps: number;
  readonly rounds: number;
  readonly note: string;
}

/** default: the model `npm start` pretrains, with its SFT stage's batch (main-job.ts: B 8, context 256, packed);
 *  llama-40m: the Llama-flag decode benchmark model (bench-models.ts) at 12 layers, 40 M parameters, B 4 × 512;
 *  tiny: a 2-layer model for the test (seconds). */
export const SFT_PRESETS: Readonly<Record<string, SftBenchPreset>> = {
  default: { model: MODEL_PRESETS.default, batchSize: 8, seqLen: 256, steps: 12, rounds: 3, note: "npm start's model and SFT batch" },
  "llama-40m": { model: { ...BENCH_MODELS["llama-28m"]!, nLayers: 12 }, batchSize: 4, seqLen: 512, steps: 5, rounds: 1, note: "bench-models llama-28m at 12 layers" },
  tiny: { model: { ...MODEL_PRESETS.default, vocabSize: 256, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 192, context: 64 }, batchSize: 4, seqLen: 64, steps: 6, rounds: 1, note: "test size" },
};

/** The LoRA recipe timed: rank r on every Linear of the blocks (q,k,v,o,gate,up,down, as QLoRA and most recipes
 *  adapt), alpha 2r, no dropout (dropout masks are random, so the losses could not be compared with PyTorch's). */
export const loraRecipe = (rank: number): LoraConfig =>
  resolveLoraConfig({ rank, alpha: 2 * rank, dropout: 0, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] }, "llama");

/** Synthetic instruction rows: n examples of 1/8 to 1/2 of T tokens, each a prompt (30–70 %) and a response, the
 *  tokens a first-order Markov chain with 4 successors per token (so the loss can fall, and does within a few
 *  steps); targets are the next token on the response and IGNORE_INDEX on the prompt, as examples.ts makes them. */
export function syntheticRows(V: number, T: number, n: number, seed: number): SftRow[] {
  const rng = new Rng(seed);
  const succ = Int32Array.from({ length: V * 4 }, () => rng.int(V));
  return Array.from({ length: n }, (_, i): SftRow => {
    const len = Math.max(4, Math.floor(T / 8) + rng.int(Math.floor((3 * T) / 8) + 1));
    const prompt = Math.max(1, Math.floor(len * (0.3 + 0.4 * rng.next())));
    const ids = new Int32Array(len + 1);
    ids[0] = rng.int(V);
    for (let t = 1; t <= len; t++) ids[t] = succ[ids[t - 1]! * 4 + rng.int(4)]!;
    const targets = Int32Array.from({ length: len }, (_, t) => (t + 1 >= prompt ? ids[t + 1]! : IGNORE_INDEX));
    return { inputs: ids.slice(0, len), targets, where: `synthetic example ${i}` };
  });
}

export interface SftWorkload {
  readonly preset: string;
  readonly mode: SftMode;
  readonly run: RunConfig;
  readonly lora: LoraConfig | null;
  readonly batches: BatchSource;
  /** Targets that carry loss over all positions of the run's batches. */
  readonly lossShare: number;
}

export interface WorkloadOptions {
  readonly steps: number;
  readonly rank: number;
  /** Default: SFT's (sftTrainConfig: 2e-5 full, 2e-4 LoRA). */
  readonly lr?: number;
}

/** The run of one preset and mode: SFT's optimizer and schedule (sftTrainConfig) for `steps` steps. */
export function sftWorkload(preset: string, mode: SftMode, o: WorkloadOptions): SftWorkload {
  const p = SFT_PRESETS[preset];
  if (p === undefined) throw new KotodamaError(`kotodama bench sft: --preset expects one of ${Object.keys(SFT_PRESETS).join(", ")}, got '${preset}'`);
  const { batchSize: B, seqLen: T } = p;
  const rows = syntheticRows(p.model.vocabSize, T, 4 * B * o.steps + 16, 42);
  const batches = sftBatchSource({ train: rows, val: rows.slice(0, B), seqLen: T, vocabSize: p.model.vocabSize, description: "synthetic rows", layout: { kind: "pack" } });
  const packed = packRows(rows, rows.map((_, i) => i), T).length;
  const tc = sftTrainConfig({ maxSteps: o.steps, batchSize: B, ...(o.lr !== undefined ? { lr: o.lr } : {}), ...(mode === "lora" ? { lora: {} } : {}) }, packed, B);
  let loss = 0;
  for (let s = 0; s < o.steps; s++) loss += batches.trainBatch(s, 0, 1, B).targets.reduce((n, y) => n + (y === IGNORE_INDEX ? 0 : 1), 0);
  return { preset, mode, run: { preset: "default", model: p.model, train: tc }, lora: mode === "lora" ? loraRecipe(o.rank) : null, batches, lossShare: loss / (o.steps * B * T) };
}

/** What the loop trains: every weight, or LoRA adapters on the frozen base (as runSft attaches them); `dump`
 *  writes the starting tensors (base and adapters, by their safetensors names) for PyTorch. */
function adaptFor(lora: LoraConfig | null, dump?: (ts: readonly NamedWeight[]) => void): NonNullable<TrainOptions["adapt"]> {
  return (g, w, rng): Trainable => {
    if (lora === null) {
      const params = namedWeights(w);
      dump?.(params);
      return { weights: w, params, saved: () => w };
    }
    const lw = attachLora(g, w, lora, { rng });
    const params = loraNamedWeights(lw);
    dump?.([...namedWeights(w), ...params]);
    return { weights: lw.weights, params, saved: () => lw.weights };
  };
}

export interface OursResult {
  readonly tokensPerS: number;
  /** Per second of this process's CPU time (all threads) over the same steps: on a shared machine, closer to
   *  what a quiet one measures than the wall clock (with one thread). */
  readonly cpuTokensPerS: number;
  readonly losses: readonly number[];
  readonly trainable: number;
  /** Wall seconds of every step, warm-up included. */
  readonly stepSeconds: readonly number[];
}

/** Runs the workload's steps through train() (no evaluation, no files); tokens/s over steps 3.. of B·T positions. */
export function oursSft(wl: SftWorkload, backend: Backend): OursResult {
  const losses: number[] = [];
  let cpu0: NodeJS.CpuUsage | null = null;
  let cpu: NodeJS.CpuUsage | null = null;
  const onProgress = (p: Progress): void => {
    losses.push(p.loss);
    if (p.step === 2) cpu0 = process.cpuUsage(); // the end of the warm-up steps
    else if (p.step === p.maxSteps && cpu0 !== null) cpu = process.cpuUsage(cpu0);
  };
  const res = train({ run: wl.run, batches: wl.batches, backend, outDir: null, evaluate: false, adapt: adaptFor(wl.lora), onProgress });
  const timed = res.stepSeconds.slice(2);
  const tokens = timed.length * wl.run.train.batchSize * wl.batches.seqLen;
  const cpuS = cpu === null ? NaN : ((cpu as NodeJS.CpuUsage).user + (cpu as NodeJS.CpuUsage).system) / 1e6;
  return { tokensPerS: timed.length === 0 ? NaN : tokens / timed.reduce((a, b) => a + b, 0), cpuTokensPerS: tokens / cpuS, losses, trainable: res.parameterCount, stepSeconds: res.stepSeconds };
}

/** Writes config.json, weights.safetensors (the loop's starting tensors: it builds them and stops before step 1)
 *  and batches.i32 (steps × [inputs, targets, segments, positions] × B × T) into dir; returns the script's args. */
export function writeTorchInputs(dir: string, wl: SftWorkload, backend: Backend): string[] {
  const { batchSize: B, maxSteps: steps } = wl.run.train;
  const T = wl.batches.seqLen;
  const f32 = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const dump = (ts: readonly NamedWeight[]): void => {
    if (ts.some((t) => t.hfTransposed)) throw new KotodamaError("bench sft: transposed (GPT-2 Conv1D) weights are not supported by torch_sft_ref.py");
    writeSafetensorsFile(join(dir, "weights.safetensors"), ts.map((t) => ({ name: t.tensor.name ?? t.name, dtype: "F32", shape: t.tensor.shape, data: f32(t.tensor.data.slice()) })));
  };
  train({ run: wl.run, batches: wl.batches, backend, outDir: null, evaluate: false, adapt: adaptFor(wl.lora, dump), stopAfterStep: 0 });
  const all = new Int32Array(steps * 4 * B * T);
  for (let s = 0; s < steps; s++) {
    const b = wl.batches.trainBatch(s, 0, 1, B);
    if (b.segments === undefined || b.positions === undefined) throw new KotodamaError("bench sft: expected packed batches");
    [b.inputs, b.targets, b.segments, b.positions].forEach((a, k) => all.set(a, (s * 4 + k) * B * T));
  }
  writeFileSync(join(dir, "batches.i32"), new Uint8Array(all.buffer));
  const lora = wl.lora === null ? null : { rank: wl.lora.rank, alpha: wl.lora.alpha, targets: wl.lora.targets };
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model: wl.run.model, train: wl.run.train, seqLen: T, lora }));
  return [join(packageRoot(), "bench", "torch_sft_ref.py"), "--config", join(dir, "config.json"), "--weights", join(dir, "weights.safetensors"), "--batches", join(dir, "batches.i32")];
}

/** "default (6.4 M parameters, B 8 × T 256)" for reports. */
export const presetLabel = (preset: string): string => {
  const p = SFT_PRESETS[preset]!;
  return `${preset} (${(parameterCountOf(p.model) / 1e6).toFixed(1)} M parameters, B ${p.batchSize} × T ${p.seqLen})`;
};
