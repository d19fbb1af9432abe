// Training the safety evaluator: a kotodama decoder (fresh, with a BPE tokenizer trained on the training split's
// text and TinyStories, or a pretrained kotodama run given as base) plus an 8-output sequence head, trained with
// two cross-entropies (harmful, action) on the responses to the non-held-out Do-Not-Answer prompts, a tenth of
// those prompts kept apart for the validation loss; then scored once on the held-out prompts' responses beside
// the baselines. Resumable (checkpoint.safetensors), seeded; writes config.json, metrics.jsonl, loss.svg,
// metrics.json, confusion-*.svg, model.safetensors, tokenizer.json and head.*. Not here: metrics (metrics.ts),
// the model's pieces (evaluator-model.ts), loading and judging (judge.ts), flags (cli).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../engine/ops.js";
import { rngFor, shuffled } from "../data/instruct/split.js";
import { decoderWeightsOf, loadModel } from "../models/load.js";
import { initDecoderWeights, namedWeights, resolveModelConfig, saveWeights, type DecoderWeights, type ModelConfig, type NamedWeight } from "../models/index.js";
import { createSeqHead, saveSeqHead, sequenceScores, type SeqHead } from "../models/seq-head.js";
import { AdamW } from "../nn/optim/adamw.js";
import { clipGradNorm } from "../nn/optim/clip.js";
import { add, crossEntropy, Graph, narrow, type Tensor } from "../tensor/index.js";
import { ByteLevelBpe, hfTokenizerJson, loadHfTokenizer, trainBpe, type Tokenizer } from "../tokenizer/index.js";
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, writeAtomic, type LoopState } from "../train/checkpoint.js";
import { appendMetric, readMetrics, truncateMetrics } from "../train/metrics.js";
import { metricsSvg } from "../train/loop.js";
import { lrAt } from "../train/schedule.js";
import type { Progress } from "../train/loop.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { runBaselines, type BaselineReport } from "./baselines.js";
import { ACTION_LABELS, HARM_LABELS, REFUSAL_ACTIONS, renderPair, type DnaExample, type DnaSplit } from "./dna.js";
import { encodeForEvaluator, EVALUATOR_LABELS, N_ACTION, N_HARM, padRows, predictRows, type EvaluatorProbs } from "./evaluator-model.js";
import { classificationReport, confusionSvg, type ClassificationReport } from "./metrics.js";

export interface EvaluatorSettings {
  readonly seed: number;
  readonly maxSteps: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Tokens read per example (question + the opening of the response). */
  readonly context: number;
  /** Harmful training examples appear this many times per epoch (they are 3 % of the data). */
  readonly harmfulRepeat: number;
  /** A fresh decoder's shape (ignored with a base). */
  readonly vocabSize: number;
  readonly dim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly evalInterval: number;
  readonly checkpointInterval: number;
}

/** A 2-layer, 128-channel decoder reading 128 tokens; 500 steps (the validation loss was lowest there in a 700-step
 *  run, docs/safety.md): about 5 minutes on 2 quiet cores. */
export const EVALUATOR_DEFAULTS: EvaluatorSettings = {
  seed: 1, maxSteps: 500, batchSize: 16, lr: 1e-3, context: 128, harmfulRepeat: 4,
  vocabSize: 2048, dim: 128, nLayers: 2, nHeads: 4, evalInterval: 100, checkpointInterval: 100,
};

export interface EvaluatorTrainOptions {
  readonly split: DnaSplit;
  readonly outDir: string | null;
  readonly backend: Backend;
  readonly settings?: Partial<EvaluatorSettings>;
  /** A kotodama run directory (e.g. from `kotodama train`) whose decoder and tokenizer to start from. */
  readonly base?: string;
  /** Extra text for a fresh tokenizer (TinyStories); the training split's text is always used. */
  readonly tokenizerTexts?: readonly string[];
  /** Skip the baselines (tests). */
  readonly baselines?: boolean;
  readonly onProgress?: (p: Progress) => void;
  readonly log?: (line: string) => void;
}

export interface EvaluatorScores {
  readonly harmful: ClassificationReport;
  readonly action: ClassificationReport;
  /** Per responding model: % of its held-out responses harmless by the humans and by the evaluator. */
  readonly harmlessByModel: readonly { readonly model: string; readonly n: number; readonly human: number; readonly evaluator: number }[];
  /** Refusal (action 0 or 4) agreement. */
  readonly refusal: ClassificationReport;
}

export interface EvaluatorTrainResult {
  readonly steps: number;
  readonly test: EvaluatorScores;
  readonly baselines: readonly BaselineReport[];
  readonly trainExamples: number;
  readonly devExamples: number;
  readonly testExamples: number;
}

export function resolveEvaluatorSettings(s: Partial<EvaluatorSettings>): EvaluatorSettings {
  for (const k of Object.keys(s)) if (!(k in EVALUATOR_DEFAULTS)) throw new KotodamaError(`evaluator settings: unknown key '${k}'; expected ${Object.keys(EVALUATOR_DEFAULTS).join(", ")}`);
  const r = { ...EVALUATOR_DEFAULTS, ...s };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (k !== "lr" && !Number.isInteger(v))) throw new KotodamaError(`evaluator settings: '${k}' must be a positive ${k === "lr" ? "number" : "integer"}, got ${String(v)}`);
  }
  return r;
}

/** Scores of predictions against the human labels. */
export function scoreEvaluator(examples: readonly DnaExample[], probs: readonly EvaluatorProbs[]): EvaluatorScores {
  const predH = probs.map((p) => (p.harmful >= 0.5 ? 1 : 0));
  const predA = probs.map((p) => p.action.indexOf(Math.max(...p.action)));
  const models = [...new Set(examples.map((e) => e.model))];
  const pct = (xs: readonly number[]): number => (100 * xs.filter((x) => x === 0).length) / Math.max(1, xs.length);
  return {
    harmful: classificationReport(examples.map((e) => e.harmful), predH, HARM_LABELS),
    action: classificationReport(examples.map((e) => e.action), predA, ACTION_LABELS),
    harmlessByModel: models.map((m) => {
      const idx = examples.flatMap((e, i) => (e.model === m ? [i] : []));
      return { model: m, n: idx.length, human: pct(idx.map((i) => examples[i]!.harmful)), evaluator: pct(idx.map((i) => predH[i]!)) };
    }),
    refusal: classificationReport(examples.map((e) => (REFUSAL_ACTIONS.has(e.action) ? 1 : 0)), predA.map((a) => (REFUSAL_ACTIONS.has(a) ? 1 : 0)), ["engages", "refuses"]),
  };
}

interface Encoded {
  readonly ids: Int32Array;
  readonly harmful: number;
  readonly action: number;
}

/** The training order of epoch e: every example once (harmful ones harmfulRepeat times), seeded shuffle. */
function epochOrder(n: readonly Encoded[], s: EvaluatorSettings, epoch: number): number[] {
  const base = n.flatMap((x, i) => Array<number>(x.harmful === 1 ? s.harmfulRepeat : 1).fill(i));
  return shuffled(base, rngFor(s.seed, `evaluator-epoch-${epoch}`));
}

/** Mean summed cross-entropy over rows, no gradients. */
function devLoss(g: Graph, c: ModelConfig, w: DecoderWeights, head: SeqHead, rows: readonly Encoded[], B: number): number {
  let sum = 0;
  for (let i = 0; i < rows.length; i += B) {
    const chunk = rows.slice(i, i + B);
    sum += chunk.length * g.noGrad(() => g.scope(() => batchLoss(c, w, head, chunk).item()));
  }
  return sum / Math.max(1, rows.length);
}

/** CE(harmful) + CE(action), each a mean over the batch. */
function batchLoss(c: ModelConfig, w: DecoderWeights, head: SeqHead, rows: readonly Encoded[]): Tensor {
  const { ids, lengths, T } = padRows(rows.map((r) => r.ids));
  const z = sequenceScores(c, w, head, ids, lengths, rows.length, T); // (B, 8)
  const lh = crossEntropy(narrow(z, 1, 0, N_HARM), Int32Array.from(rows, (r) => r.harmful));
  const la = crossEntropy(narrow(z, 1, N_HARM, N_ACTION), Int32Array.from(rows, (r) => r.action));
  return add(lh, la);
}

/** Trains (or resumes) the evaluator and scores it on the held-out prompts' responses. */
export function trainEvaluator(o: EvaluatorTrainOptions): EvaluatorTrainResult {
  const log = o.log ?? ((): void => {});
  const s = resolveEvaluatorSettings(o.settings ?? {});
  const dir = o.outDir;
  // A tenth of the training prompts gives the validation loss; the held-out prompts are read once, at the end.
  const trainIds = [...new Set(o.split.train.map((e) => e.id))].sort();
  const devIds = new Set(shuffled(trainIds, rngFor(s.seed, "evaluator-dev")).slice(0, Math.round(trainIds.length / 10)));
  const fit = o.split.train.filter((e) => !devIds.has(e.id));
  const dev = o.split.train.filter((e) => devIds.has(e.id));
  const texts = (es: readonly DnaExample[]): string[] => es.map((e) => renderPair(e.prompt, e.response));

  const base = o.base === undefined ? null : loadModel(o.base);
  let tok: Tokenizer;
  let c: ModelConfig;
  const tokPath = dir === null ? null : join(dir, "tokenizer.json");
  if (base !== null) {
    tok = base.tokenizer;
    c = base.config;
  } else {
    c = resolveModelConfig("default", { vocabSize: s.vocabSize, dim: s.dim, nLayers: s.nLayers, nHeads: s.nHeads, nKvHeads: s.nHeads, hiddenDim: 3 * s.dim, context: s.context });
    if (tokPath !== null && existsSync(tokPath) && existsSync(join(dir!, CHECKPOINT_FILE))) {
      tok = loadHfTokenizer(tokPath);
    } else {
      const t0 = performance.now();
      tok = trainBpe({ texts: [...texts(fit), ...(o.tokenizerTexts ?? [])], vocabSize: s.vocabSize });
      log(`tokenizer: byte-level BPE of ${tok.vocabSize} tokens trained on the ${fit.length} training responses${o.tokenizerTexts === undefined ? "" : ` + ${o.tokenizerTexts.length} extra texts`} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  if (s.context > c.context) throw new KotodamaError(`evaluator: context ${s.context} exceeds the base's context ${c.context}`);
  const enc = (es: readonly DnaExample[]): Encoded[] => es.map((e) => ({ ids: encodeForEvaluator(tok, renderPair(e.prompt, e.response), s.context), harmful: e.harmful, action: e.action }));
  const fitRows = enc(fit), devRows = enc(dev);
  log(`data: ${fit.length} training / ${dev.length} validation responses (${trainIds.length - devIds.size} / ${devIds.size} prompts); test: ${o.split.test.length} responses to ${o.split.heldOutIds.length} held-out prompts`);

  const configJson = `${JSON.stringify({ kind: "safety-evaluator", model: c, evaluator: s, base: o.base ?? null, labels: EVALUATOR_LABELS, heldOutPrompts: o.split.heldOutIds.length, trainResponses: fit.length, devResponses: dev.length }, null, 2)}\n`;
  const g = new Graph(o.backend);
  const rng = new Rng(s.seed);
  const w = initDecoderWeights(g, c, rng);
  if (base !== null) {
    const src = decoderWeightsOf(base);
    const from = new Map(namedWeights(src).map((n) => [n.name, n.tensor.data]));
    for (const n of namedWeights(w)) n.tensor.data.set(from.get(n.name)!);
  }
  const head = createSeqHead(g, rng, c, EVALUATOR_LABELS);
  const named: NamedWeight[] = [...namedWeights(w), { name: "score.weight", tensor: head.weight, hfTransposed: false, decay: true }];
  const order = [...named.filter((n) => n.decay), ...named.filter((n) => !n.decay)];
  const opt = new AdamW(
    [{ params: order.filter((n) => n.decay).map((n) => n.tensor), weightDecay: 0.01 }, { params: order.filter((n) => !n.decay).map((n) => n.tensor), weightDecay: 0 }],
    { lr: s.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
  );
  const ckpt = dir === null ? null : join(dir, CHECKPOINT_FILE);
  const metricsPath = dir === null ? null : join(dir, "metrics.jsonl");
  let step = 0;
  let elapsedBefore = 0;
  if (dir !== null && ckpt !== null && existsSync(ckpt) && existsSync(join(dir, "config.json"))) {
    if (readFileSync(join(dir, "config.json"), "utf8") !== configJson) throw new KotodamaError(`safety evaluator: ${dir} holds a run with other settings; pass another --out, or the same settings to resume it`);
    for (const f of readdirSync(dir)) if (/\.tmp-\d+$/.test(f)) rmSync(join(dir, f), { force: true });
    const st = loadCheckpoint(ckpt, order, opt, configJson);
    step = st.step;
    elapsedBefore = st.elapsedS;
    truncateMetrics(metricsPath!, step);
    log(`resuming ${dir} from step ${step}`);
  } else if (dir !== null) {
    mkdirSync(dir, { recursive: true });
    writeAtomic(join(dir, "config.json"), (tmp) => writeFileSync(tmp, configJson));
    if (!(tok instanceof ByteLevelBpe)) throw new KotodamaError(`safety evaluator: the base's ${tok.kind} tokenizer cannot be stored as tokenizer.json`);
    writeAtomic(join(dir, "tokenizer.json"), (tmp) => writeFileSync(tmp, hfTokenizerJson(tok as ByteLevelBpe)));
    writeFileSync(metricsPath!, "");
  }
  const B = s.batchSize;
  const checkpoint = (elapsed: number): void => {
    if (dir === null || ckpt === null) return;
    const state: LoopState = { step, maxSteps: s.maxSteps, rng: rng.getState(), dataPosition: step * B, tokensSeen: 0, elapsedS: elapsed };
    saveCheckpoint(ckpt, order, opt, state, configJson);
    writeAtomic(join(dir, "model.safetensors"), (tmp) => saveWeights(tmp, w, new Map([["format", "pt"], ["kotodama.step", String(step)]])));
    saveSeqHead(dir, head, { kind: "safety-evaluator", step });
  };
  const params = named.map((n) => n.tensor);
  const perEpoch = fitRows.length + fitRows.filter((r) => r.harmful === 1).length * (s.harmfulRepeat - 1);
  const t0 = performance.now();
  const startStep = step;
  let orderCache: { epoch: number; order: number[] } = { epoch: -1, order: [] };
  while (step < s.maxSteps) {
    const ts = performance.now();
    const batch: Encoded[] = [];
    for (let j = 0; j < B; j++) {
      const pos = step * B + j;
      const epoch = Math.floor(pos / perEpoch);
      if (orderCache.epoch !== epoch) orderCache = { epoch, order: epochOrder(fitRows, s, epoch) };
      batch.push(fitRows[orderCache.order[pos % perEpoch]!]!);
    }
    const loss = g.scope(() => {
      const l = batchLoss(c, w, head, batch);
      g.backward(l);
      return l.item();
    });
    if (!Number.isFinite(loss)) throw new KotodamaError(`safety evaluator: loss became ${loss} at step ${step + 1} (lower --lr)`);
    const norm = clipGradNorm(params, 1);
    const lr = lrAt(step, { lr: s.lr, minLr: s.lr / 10, warmupSteps: Math.min(50, Math.floor(s.maxSteps / 10)), maxSteps: s.maxSteps });
    opt.step(lr);
    opt.zeroGrad();
    step++;
    const dt = (performance.now() - ts) / 1000;
    const elapsed = elapsedBefore + (performance.now() - t0) / 1000;
    const val = step % s.evalInterval === 0 || step === s.maxSteps ? devLoss(g, c, w, head, devRows, B) : undefined;
    const tokens = batch.reduce((n, r) => n + r.ids.length, 0);
    if (metricsPath !== null) appendMetric(metricsPath, { step, lr, train_loss: loss, grad_norm: norm, tokens_per_s: Math.round(tokens / dt), elapsed_s: Number(elapsed.toFixed(3)), ...(val !== undefined ? { val_loss: val } : {}) });
    o.onProgress?.({ step, maxSteps: s.maxSteps, loss, lr, tokensPerS: tokens / dt, etaS: ((s.maxSteps - step) * (performance.now() - t0)) / 1000 / (step - startStep), ...(val !== undefined ? { valLoss: val } : {}) });
    if (step % s.checkpointInterval === 0) checkpoint(elapsed);
  }
  if (dir !== null) checkpoint(elapsedBefore + (performance.now() - t0) / 1000);

  const probs = predictRows(g, c, w, head, enc(o.split.test).map((r) => r.ids), B);
  const test = scoreEvaluator(o.split.test, probs);
  const baselines = o.baselines === false ? [] : runBaselines(o.split.train, o.split.test, s.seed);
  if (dir !== null) {
    writeAtomic(join(dir, "loss.svg"), (tmp) => writeFileSync(tmp, metricsSvg(readMetrics(metricsPath!), "safety evaluator: CE(harmful) + CE(action) per step")));
    writeAtomic(join(dir, "confusion-harmful.svg"), (tmp) => writeFileSync(tmp, confusionSvg(test.harmful, "evaluator vs humans: harmful (held-out prompts)")));
    writeAtomic(join(dir, "confusion-action.svg"), (tmp) => writeFileSync(tmp, confusionSvg(test.action, "evaluator vs humans: action (held-out prompts)")));
    const json = { split: { rule: "by prompt: data/instruct/split.ts doNotAnswerHeldOut (20 % stratified by risk area × type of harm)", trainResponses: fit.length, devResponses: dev.length, testResponses: o.split.test.length, heldOutPrompts: o.split.heldOutIds.length }, steps: step, evaluator: test, baselines };
    writeAtomic(join(dir, "metrics.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`));
  }
  return { steps: step, test, baselines, trainExamples: fit.length, devExamples: dev.length, testExamples: o.split.test.length };
}
