// The pretraining loop: next-token prediction with AdamW (decoupled decay on matrices and embeddings only),
// warm-up + cosine schedule, gradient clipping and accumulation, periodic held-out evaluation, a time budget,
// atomic bit-exact checkpoints and the run directory (config.json, tokenizer.json, model.safetensors,
// checkpoint.safetensors, metrics.jsonl, loss.svg). SFT runs the same loop with pretrained weights (init) and
// example batches with ignored targets (batches). Not here: argument parsing (cli/commands/train.ts),
// data loading (data.ts), checkpoint format (checkpoint.ts), SFT data (sft/).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../engine/ops.js";
import { decoderLogits, initDecoderWeights, namedWeights, parameterCount, saveWeights, type DecoderWeights, type ModelConfig, type NamedWeight } from "../models/index.js";
import { AdamW } from "../nn/optim/adamw.js";
import { clipGradNorm, gradNorm } from "../nn/optim/clip.js";
import { crossEntropy, Graph, scale, type Tensor } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, writeAtomic, type LoopState } from "./checkpoint.js";
import { runConfigJson, type RunConfig } from "./config.js";
import { IGNORE_INDEX, tokenBatchSource, type Batch, type BatchSource, type TokenData } from "./data.js";
import { appendMetric, readMetrics, truncateMetrics, type StepRecord } from "./metrics.js";
import { lossCurveSvg } from "./plot.js";
import { fitMaxSteps, isReplanStep, recentStepSeconds } from "./budget-plan.js";
import { lrAt } from "./schedule.js";

export interface Progress {
  readonly step: number; // steps completed
  readonly maxSteps: number;
  readonly loss: number;
  readonly lr: number;
  readonly tokensPerS: number;
  /** Estimated seconds left (by steps, or by the time budget when that ends the run first). */
  readonly etaS: number;
  readonly valLoss?: number;
  /** The objective's numbers for this step (DPO: margin, accuracy, log-probs). */
  readonly stats?: Readonly<Record<string, number>>;
}

/** Builds the weights the loop starts from on its graph (default: initDecoderWeights, a fresh model). */
export type WeightInit = (g: Graph, c: ModelConfig, rng: Rng) => DecoderWeights;

/** What the loop trains, made from the initial weights: by default every weight (full training); LoRA trains
 *  adapters attached to a frozen base (models/lora.ts). */
export interface Trainable {
  /** What the forward runs (the base with adapters attached, for LoRA). */
  readonly weights: DecoderWeights;
  /** What the optimizer updates and the checkpoint stores, in a fixed order. */
  readonly params: readonly NamedWeight[];
  /** What model.safetensors holds (the merged model, for LoRA). */
  readonly saved: () => DecoderWeights;
  /** Training mode on/off around evaluation (LoRA dropout). */
  readonly setTraining?: (on: boolean) => void;
  /** Writes more files of the run at every checkpoint (LoRA: the adapter in PEFT and llama.cpp form). */
  readonly onCheckpoint?: (dir: string) => void;
}

/** What the loop minimises when it is not next-token cross-entropy (batchLoss): DPO's preference loss. */
export interface Objective {
  /** Model input rows per batch item (DPO: 2, the chosen and the rejected answer); batchSize counts items. */
  readonly rowsPerItem: number;
  /** The scalar to minimise on batch b of B items (B · rowsPerItem rows of T tokens). */
  readonly loss: (c: ModelConfig, w: DecoderWeights, b: Batch, B: number, T: number) => Tensor;
  /** Numbers about the last loss call (DPO: margin, accuracy, log-probs), written to each step's record, and
   *  averaged over the evaluation batches as val_NAME. */
  readonly stats?: () => Readonly<Record<string, number>>;
}

/** The loop's data: token streams (pretraining) or any batch source (SFT). */
export type TrainData = { readonly data: TokenData; readonly batches?: undefined } | { readonly batches: BatchSource; readonly data?: undefined };

export type TrainOptions = TrainData & {
  readonly run: RunConfig;
  readonly backend: Backend;
  /** Default: random initialisation from the seed. */
  readonly init?: WeightInit;
  /** Default: train every weight. Called once, after init, with the loop's graph and RNG. */
  readonly adapt?: (g: Graph, w: DecoderWeights, rng: Rng) => Trainable;
  /** Default: next-token cross-entropy on the batch's targets. */
  readonly objective?: Objective;
  /** The run's config.json text, also the identity a checkpoint must match to resume (default runConfigJson(run)). */
  readonly configJson?: string;
  /** More files for a new run directory, name → text (e.g. tokenizer_config.json with the chat template). */
  readonly extraFiles?: ReadonlyMap<string, string>;
  /** Title of loss.svg (default "PRESET: loss per step"). */
  readonly title?: string;
  /** Run directory; null trains in memory only (benchmarks, tests). Resumes when it holds a checkpoint. */
  readonly outDir: string | null;
  /** tokenizer.json text to store in the run directory. */
  readonly tokenizerJson?: string | null;
  /** Stop after this many seconds of training (counted across resumes). */
  readonly timeBudgetS?: number;
  /** With timeBudgetS: train at least this many steps however slow they are (npm start on a busy machine); the
   *  budget's fitted schedule never goes below it either. */
  readonly minSteps?: number;
  /** With timeBudgetS: set the schedule length from the measured speed of the first steps, and fit it again to the
   *  recent speed while the schedule is early (budget-plan.ts). */
  readonly fitMaxStepsToBudget?: boolean;
  /** With fitMaxStepsToBudget: the fitted schedule never exceeds the run's maxSteps. On a machine fast enough for
   *  them the run is then the same run every time, bit for bit (npm start); on a slower one the budget still
   *  shortens it. */
  readonly fitOnlyShorter?: boolean;
  /** Milliseconds of a monotonic clock (default performance.now; tests inject one). */
  readonly clock?: () => number;
  /** Stop after this step without changing the schedule (as if killed right after its checkpoint). */
  readonly stopAfterStep?: number;
  /** Skip evaluation and files during the loop (benchmarks). */
  readonly evaluate?: boolean;
  /** More measurements at each evaluation (e.g. canary exposure), logged as the record's `probes`. */
  readonly onEval?: (step: number, g: Graph, w: DecoderWeights) => Readonly<Record<string, number>>;
  readonly onProgress?: (p: Progress) => void;
  /** Messages (resume, parameter count, checkpoint paths). */
  readonly log?: (line: string) => void;
};

/** schedule.json of a run whose length a time budget fitted (fitMaxStepsToBudget): the length it was given and the
 *  speed it was fitted at. config.json keeps the length asked for. */
export const SCHEDULE_FILE = "schedule.json";
export interface FittedSchedule {
  /** The schedule's length after the last fit (the cosine reaches minLr here). */
  readonly maxSteps: number;
  /** config.json's train.maxSteps. */
  readonly configuredMaxSteps: number;
  readonly timeBudgetS: number;
  /** Median seconds a step at the last fit. */
  readonly secondsPerStep: number;
  readonly fittedAtStep: number;
  /** Whether the fit could only shorten the configured length (npm start's fixed length). */
  readonly onlyShorter: boolean;
}

export interface TrainResult {
  readonly config: RunConfig;
  readonly weights: DecoderWeights;
  readonly graph: Graph;
  readonly steps: number;
  readonly maxSteps: number;
  readonly resumedFrom: number | null;
  readonly lastLoss: number;
  readonly lastValLoss: number | null;
  /** Wall seconds of each optimizer step of this session. */
  readonly stepSeconds: readonly number[];
  readonly parameterCount: number;
}

/** Mean next-token cross-entropy over the targets that are not IGNORE_INDEX (all of them in pretraining). */
export function batchLoss(c: ModelConfig, w: DecoderWeights, b: Batch, B: number, T: number): Tensor {
  const packed = b.segments === undefined ? {} : { segments: b.segments, positions: b.positions ?? null };
  return crossEntropy(decoderLogits(c, w, b.inputs, B, T, packed), b.targets, { ignoreIndex: IGNORE_INDEX });
}

const sourceOf = (d: TokenData | BatchSource, T: number): BatchSource => ("seqLen" in d ? d : tokenBatchSource(d, T));

/** Mean loss over the first evalBatches validation batches (no gradients). */
export function evaluate(g: Graph, r: RunConfig, w: DecoderWeights, data: TokenData | BatchSource, buf?: Batch): number {
  return evaluateWith(g, r, w, sourceOf(data, r.model.context), undefined, buf).loss;
}

/** Sums a record of numbers into acc. */
function addStats(acc: Record<string, number>, s: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(s)) acc[k] = (acc[k] ?? 0) + v;
}
const scaled = (s: Readonly<Record<string, number>>, f: number, prefix = ""): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [`${prefix}${k}`, v * f]));

/** evaluate with an objective: the mean loss and the mean of its stats over the validation batches. */
function evaluateWith(g: Graph, r: RunConfig, w: DecoderWeights, src: BatchSource, obj: Objective | undefined, buf?: Batch): { loss: number; stats: Record<string, number> } {
  const B = r.train.batchSize;
  const lossOf = obj?.loss ?? batchLoss;
  let sum = 0;
  const stats: Record<string, number> = {};
  for (let i = 0; i < r.train.evalBatches; i++) {
    const b = src.valBatch(i, B, buf);
    sum += g.noGrad(() => g.scope(() => lossOf(r.model, w, b, B, src.seqLen).item()));
    if (obj?.stats !== undefined) addStats(stats, obj.stats());
  }
  return { loss: sum / r.train.evalBatches, stats: scaled(stats, 1 / r.train.evalBatches, "val_") };
}

/** Checks that the data fits the model: ids inside the vocabulary, enough tokens for a window. */
export function checkDataForModel(r: RunConfig, data: TokenData): void {
  if (data.vocabSize !== r.model.vocabSize) {
    throw new KotodamaError(`train: the data's vocabulary has ${data.vocabSize} tokens but the model's vocabSize is ${r.model.vocabSize} (set model.vocabSize in --config, or use matching data/tokenizer)`);
  }
  const T = r.model.context;
  for (const [name, s] of [["train", data.train], ["validation", data.val]] as const) {
    if (s.length < T + 2) throw new KotodamaError(`train: the ${name} stream has ${s.length} tokens, fewer than context + 2 = ${T + 2}`);
  }
}

function writeRunFiles(dir: string, cfgJson: string, tokenizerJson: string | null | undefined, extra: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true });
  if (tokenizerJson != null) writeAtomic(join(dir, "tokenizer.json"), (tmp) => writeFileSync(tmp, tokenizerJson));
  for (const [name, text] of extra) writeAtomic(join(dir, name), (tmp) => writeFileSync(tmp, text));
  writeFileSync(join(dir, "metrics.jsonl"), "");
  writeAtomic(join(dir, "config.json"), (tmp) => writeFileSync(tmp, cfgJson));
}

/** The loss curves of a metrics log as SVG. */
export function metricsSvg(records: readonly StepRecord[], title: string): string {
  return lossCurveSvg(
    [
      { name: "train loss", color: "#1f77b4", points: records.map((m) => [m.step, m.train_loss] as const) },
      { name: "val loss", color: "#d62728", markers: true, points: records.filter((m) => m.val_loss !== undefined).map((m) => [m.step, m.val_loss as number] as const) },
    ],
    { title },
  );
}

/** Trains (or resumes) a run. */
export function train(o: TrainOptions): TrainResult {
  const r = o.run;
  const { model: c, train: tc } = r;
  if (o.data !== undefined) checkDataForModel(r, o.data);
  const src = o.data !== undefined ? tokenBatchSource(o.data, c.context) : o.batches;
  if (src.seqLen > c.context) throw new KotodamaError(`train: sequence length ${src.seqLen} exceeds the model's context ${c.context}`);
  if (src.vocabSize > c.vocabSize) throw new KotodamaError(`train: the data's vocabulary has ${src.vocabSize} tokens but the model's vocabSize is ${c.vocabSize}`);
  const log = o.log ?? ((): void => {});
  const cfgJson = o.configJson ?? runConfigJson(r);
  const dir = o.outDir;
  const ckptPath = dir === null ? null : join(dir, CHECKPOINT_FILE);
  const metricsPath = dir === null ? null : join(dir, "metrics.jsonl");
  const doEval = o.evaluate ?? true;

  const g = new Graph(o.backend);
  const rng = new Rng(tc.seed);
  const w0 = (o.init ?? initDecoderWeights)(g, c, rng);
  const t: Trainable = o.adapt?.(g, w0, rng) ?? { weights: w0, params: namedWeights(w0), saved: () => w0 };
  const w = t.weights;
  const named = t.params;
  const params = named.map((n) => n.tensor);
  // The optimizer's parameter order (decayed group, then the rest) is also the checkpoint's.
  const optOrder = [...named.filter((n) => n.decay), ...named.filter((n) => !n.decay)];
  const opt = new AdamW(
    [
      { params: optOrder.filter((n) => n.decay).map((n) => n.tensor), weightDecay: tc.weightDecay },
      { params: optOrder.filter((n) => !n.decay).map((n) => n.tensor), weightDecay: 0 },
    ],
    { lr: tc.lr, beta1: tc.beta1, beta2: tc.beta2, eps: tc.eps, weightDecay: tc.weightDecay },
  );
  const nParams = named.reduce((sum, n) => sum + n.tensor.size, 0);

  if (dir !== null && existsSync(dir)) {
    // Temporary files of writes a kill interrupted (writeAtomic): never read, removed here.
    for (const f of readdirSync(dir)) if (/\.tmp-\d+$/.test(f)) rmSync(join(dir, f), { force: true });
  }
  let state: LoopState = { step: 0, maxSteps: tc.maxSteps, rng: rng.getState(), dataPosition: 0, tokensSeen: 0, elapsedS: 0 };
  let resumedFrom: number | null = null;
  if (dir !== null && ckptPath !== null && existsSync(ckptPath) && existsSync(join(dir, "config.json"))) {
    const saved = readFileSync(join(dir, "config.json"), "utf8");
    if (saved !== cfgJson) throw new KotodamaError(`train: ${dir} holds a run with a different config; pass another --out, or the same settings to resume it`);
    state = loadCheckpoint(ckptPath, optOrder, opt, cfgJson);
    rng.setState(state.rng);
    resumedFrom = state.step;
    if (metricsPath !== null) truncateMetrics(metricsPath, state.step);
    log(`resuming ${dir} from step ${state.step}`);
  } else if (dir !== null) {
    writeRunFiles(dir, cfgJson, o.tokenizerJson, o.extraFiles ?? new Map());
  }
  log(`model: ${nParams.toLocaleString("en-US")} trainable parameters${o.adapt === undefined ? "" : ` (of ${parameterCount(w0).toLocaleString("en-US")})`} (${c.nLayers} layers, ${c.dim} channels, ${c.nHeads} heads, vocab ${c.vocabSize}, context ${c.context})`);

  const B = tc.batchSize;
  const T = src.seqLen;
  const A = tc.gradAccum;
  const obj = o.objective;
  const R = obj?.rowsPerItem ?? 1;
  const lossOf = obj?.loss ?? batchLoss;
  const tokensPerStep = A * B * R * T;
  let maxSteps = state.maxSteps;
  let step = state.step;
  const budget = o.timeBudgetS ?? Infinity;
  const minSteps = Math.min(o.minSteps ?? 0, maxSteps);
  const inBudget = (): boolean => elapsed < budget || step < minSteps;
  const fitAt = o.fitMaxStepsToBudget === true && resumedFrom === null && Number.isFinite(budget) ? Math.max(2, Math.min(10, tc.warmupSteps)) : -1;
  const buf: Batch = { inputs: new Int32Array(B * R * T), targets: new Int32Array(B * R * T) };
  const stepSeconds: number[] = [];
  let lastFit: FittedSchedule | null = null;
  const prior = resumedFrom !== null && metricsPath !== null ? readMetrics(metricsPath) : [];
  let lastLoss = prior.length > 0 ? prior[prior.length - 1].train_loss : NaN;
  let lastVal: number | null = prior.filter((m) => m.val_loss !== undefined).slice(-1)[0]?.val_loss ?? null;
  const priorElapsed = state.elapsedS; // training seconds of earlier sessions (fixed for this session)
  let elapsed = priorElapsed;
  const now = o.clock ?? (() => performance.now());
  const sessionStart = now();
  let trainSeconds = 0;

  const checkpoint = (): void => {
    if (dir === null || ckptPath === null) return;
    state = { step, maxSteps, rng: rng.getState(), dataPosition: step * A * B, tokensSeen: step * tokensPerStep, elapsedS: elapsed };
    saveCheckpoint(ckptPath, optOrder, opt, state, cfgJson);
    writeAtomic(join(dir, "model.safetensors"), (tmp) => saveWeights(tmp, t.saved(), new Map([["format", "pt"], ["kotodama.step", String(step)]])));
    // config.json keeps the length asked for (the run's identity when it resumes); a fitted schedule is recorded
    // beside it with each checkpoint (so it matches the length a resume keeps), for the report and for repeating
    // the run with --max-steps.
    if (lastFit !== null) writeAtomic(join(dir, SCHEDULE_FILE), (tmp) => writeFileSync(tmp, `${JSON.stringify(lastFit, null, 2)}\n`));
    t.onCheckpoint?.(dir);
  };

  while (step < maxSteps && inBudget() && (o.stopAfterStep === undefined || step < o.stopAfterStep)) {
    const t0 = now();
    let lossSum = 0;
    const stepStats: Record<string, number> = {};
    for (let m = 0; m < A; m++) {
      const b = src.trainBatch(step, m, A, B, buf);
      lossSum += g.scope(() => {
        const loss = lossOf(c, w, b, B, T);
        g.backward(A > 1 ? scale(loss, 1 / A) : loss);
        return loss.item();
      });
      if (obj?.stats !== undefined) addStats(stepStats, obj.stats());
    }
    const loss = lossSum / A;
    if (!Number.isFinite(loss)) throw new KotodamaError(`train: loss became ${loss} at step ${step + 1} (lower lr, or raise gradClip)`);
    const norm = tc.gradClip > 0 ? clipGradNorm(params, tc.gradClip) : gradNorm(params);
    const lr = lrAt(step, { ...tc, maxSteps });
    opt.step(lr);
    opt.zeroGrad();
    step++;
    const dt = (now() - t0) / 1000;
    stepSeconds.push(dt);
    trainSeconds += dt;
    lastLoss = loss;
    elapsed = priorElapsed + (now() - sessionStart) / 1000;
    if (fitAt > 0 && isReplanStep({ step, maxSteps, warmupSteps: tc.warmupSteps, fitAt })) {
      const evalShare = doEval ? tc.evalBatches / (3 * tc.evalInterval) : 0;
      const allowed = fitMaxSteps({ step, stepSeconds, elapsedS: elapsed, budgetS: budget, evalShare, minSteps });
      const fitted = o.fitOnlyShorter === true ? Math.min(tc.maxSteps, allowed) : allowed;
      const per = recentStepSeconds(stepSeconds);
      if (step === fitAt) log(`time budget ${budget.toFixed(0)} s at ${per.toFixed(3)} s/step: schedule set to ${fitted} steps${fitted < allowed ? ` (the budget would allow ${allowed})` : ""}`);
      else if (Math.abs(fitted - maxSteps) >= 0.05 * maxSteps) log(`step ${step}: ${per.toFixed(3)} s/step now, ${(budget - elapsed).toFixed(0)} s left: schedule ${maxSteps} → ${fitted} steps`);
      maxSteps = fitted;
      lastFit = { maxSteps, configuredMaxSteps: tc.maxSteps, timeBudgetS: budget, secondsPerStep: Number(per.toFixed(4)), fittedAtStep: step, onlyShorter: o.fitOnlyShorter === true };
    }
    let val: number | undefined;
    let valStats: Record<string, number> = {};
    let probes: Readonly<Record<string, number>> | undefined;
    const last = step >= maxSteps || !inBudget();
    if (doEval && (step % tc.evalInterval === 0 || last)) {
      t.setTraining?.(false);
      ({ loss: val, stats: valStats } = evaluateWith(g, r, w, src, obj));
      probes = o.onEval?.(step, g, w);
      t.setTraining?.(true);
      lastVal = val;
    }
    const tps = tokensPerStep / dt;
    const rec: StepRecord = { step, lr, train_loss: loss, grad_norm: norm, tokens_per_s: Math.round(tps), elapsed_s: Number(elapsed.toFixed(3)), ...(val !== undefined ? { val_loss: val } : {}), ...scaled(stepStats, 1 / A), ...valStats, ...(probes !== undefined ? { probes } : {}) };
    if (metricsPath !== null) appendMetric(metricsPath, rec);
    const avg = trainSeconds / stepSeconds.length;
    const eta = Math.min((maxSteps - step) * avg, Math.max(0, budget - elapsed, (minSteps - step) * avg));
    o.onProgress?.({ step, maxSteps, loss, lr, tokensPerS: tps, etaS: eta, ...(val !== undefined ? { valLoss: val } : {}), ...(obj?.stats !== undefined ? { stats: scaled(stepStats, 1 / A) } : {}) });
    if (tc.checkpointInterval > 0 && step % tc.checkpointInterval === 0) checkpoint();
  }
  if (dir !== null && step > 0) {
    checkpoint();
    if (metricsPath !== null) {
      writeAtomic(join(dir, "loss.svg"), (tmp) => writeFileSync(tmp, metricsSvg(readMetrics(metricsPath), o.title ?? `${r.preset}: loss per step`)));
    }
  }
  return { config: r, weights: t.saved(), graph: g, steps: step, maxSteps, resumedFrom, lastLoss, lastValLoss: lastVal, stepSeconds, parameterCount: nParams };
}
