// A reward-model run: a pretrained (usually SFT) model with a scalar head on its last answer token
// (models/seq-head.ts), trained on preference pairs with the Bradley–Terry loss (loss.ts) through the pretraining
// loop (objective hook), in full or with LoRA on the body (the head always trains). The run directory is DPO's
// (config.json, tokenizer files, model.safetensors, checkpoints, metrics.jsonl with accuracy and margins,
// loss.svg) plus head.safetensors/head.json, eval.json (held-out accuracy per source, calibration, and the
// baselines: the longer answer, the starting model's log-probability) and calibration.svg.
// Not here: flag parsing (cli/commands/reward.ts), the pair format (data/prefs/format.ts), using a reward model
// (model.ts).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { namedWeights, type DecoderWeights, type ModelConfig } from "../../models/index.js";
import { createSeqHead, saveSeqHead, sequenceScores, type SeqHead } from "../../models/seq-head.js";
import { Graph } from "../../tensor/index.js";
import { hfTokenizerConfig, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { writeAtomic } from "../checkpoint.js";
import { validateTrainConfig, type RunConfig, type TrainConfig } from "../config.js";
import { IGNORE_INDEX, windowStride, type BatchSource } from "../data.js";
import { fillPairs, pairLogps, pairRowsFor, type PairRows } from "../dpo/index.js";
import { baseIdentity, loraAdapt, openBase, sha256File, type FinetuneRunOptions, type FinetuneSettings } from "../finetune.js";
import { train, type Objective, type TrainResult, type Trainable } from "../loop.js";
import { lossCurveSvg } from "../plot.js";
import { bradleyTerryLoss, rowLengths, type RewardStats } from "./loss.js";
import { pairRewards, pairScoreReport, type PairScoreReport } from "./eval.js";

/** The reward run's settings are the fine-tuning ones (batchSize counts pairs). */
export type RewardSettings = FinetuneSettings;

export interface RewardOptions extends FinetuneRunOptions {
  readonly model: string;
  readonly prefs: string;
  readonly valPrefs?: string;
  readonly settings?: RewardSettings;
}

export interface RewardEval {
  readonly rewardModel: PairScoreReport;
  /** The baselines on the same held-out pairs. */
  readonly longerAnswer: PairScoreReport;
  readonly logprobSum: PairScoreReport;
  readonly logprobPerToken: PairScoreReport;
}

export interface RewardResult extends TrainResult {
  readonly tokenizer: Tokenizer;
  readonly head: SeqHead;
  readonly trainPairs: number;
  readonly valPairs: number;
  readonly heldOut: RewardEval;
}

export const REWARD_DEFAULTS = { batchSize: 4, lr: 1e-5, loraLr: 1e-4 } as const;

/** The reward model's schedule: one epoch unless maxSteps is given (InstructGPT trains its RM one epoch: more
 *  overfits), 3 % warm-up, cosine to lr/10, no weight decay, clipping at 1, ten evaluations a run. */
export function rewardTrainConfig(s: RewardSettings, trainN: number, valN: number): TrainConfig {
  const B = s.batchSize ?? REWARD_DEFAULTS.batchSize;
  const lr = s.lr ?? (s.lora !== undefined ? REWARD_DEFAULTS.loraLr : REWARD_DEFAULTS.lr);
  const maxSteps = s.maxSteps ?? Math.max(1, Math.ceil(trainN / B));
  return validateTrainConfig(
    {
      lr, minLr: lr / 10, warmupSteps: Math.floor(0.03 * maxSteps), maxSteps, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: 1,
      batchSize: B, gradAccum: 1, evalInterval: Math.max(1, Math.floor(maxSteps / 10)), evalBatches: Math.ceil(valN / B),
      checkpointInterval: Math.max(1, Math.min(50, Math.floor(maxSteps / 10))), seed: s.seed ?? 1337,
    },
    "reward",
  );
}

/** The loop's batches over pairs (2B rows per step, chosen first), in SFT's example order. */
function rewardBatchSource(tr: PairRows, va: PairRows, T: number, vocabSize: number, description: string): BatchSource {
  const N = tr.chosen.length, V = va.chosen.length;
  if (N === 0 || V === 0) throw new KotodamaError("reward: no training or no held-out pairs fit the context");
  const S = windowStride(N);
  return {
    seqLen: T, vocabSize, description,
    trainBatch: (step, micro, A, B, out) => {
      const first = (step * A + micro) * B;
      return fillPairs(tr, null, (r) => Number((BigInt(first + r) * BigInt(S)) % BigInt(N)), B, T, out);
    },
    valBatch: (i, B, out) => fillPairs(va, null, (r) => (i * B + r) % V, B, T, out),
  };
}

/** The Bradley–Terry objective of a head that adapt() creates (read through `head()`). */
function rewardObjective(head: () => SeqHead): Objective {
  let last: RewardStats = { accuracy: 0, margin: 0, reward_chosen: 0, reward_rejected: 0 };
  return {
    rowsPerItem: 2,
    loss: (c, w, b, B, T) => {
      const rows = 2 * B;
      const r = bradleyTerryLoss(sequenceScores(c, w, head(), b.inputs, rowLengths(b.targets, rows, T), rows, T));
      last = r.stats;
      return r.loss;
    },
    stats: () => ({ ...last }),
  };
}

function answerTokens(p: PairRows): Float32Array {
  const n = (r: { targets: Int32Array }): number => r.targets.reduce((s, y) => s + (y === IGNORE_INDEX ? 0 : 1), 0);
  return Float32Array.from([...p.chosen, ...p.rejected].map(n));
}

function calibrationSvg(r: PairScoreReport, title: string): string {
  const pts = r.bins.filter((b) => b.pairs > 0).map((b) => [b.confidence, b.accuracy] as const);
  return lossCurveSvg(
    [
      { name: "perfect calibration", color: "#999999", points: [[0.5, 0.5], [1, 1]] },
      { name: `reward model (ECE ${r.ece.toFixed(3)}, ${r.pairs} pairs)`, color: "#d62728", markers: true, points: pts },
    ],
    { title, xLabel: "confidence max(σ(Δr), 1 − σ(Δr))", yLabel: "accuracy" },
  );
}

export function runReward(o: RewardOptions): RewardResult {
  const log = o.log ?? ((): void => {});
  const s = o.settings ?? {};
  const overflow = s.overflow ?? "truncate";
  const seed = s.seed ?? 1337;
  const { m, init, lora: lc, templates, tokenizerJson: tokJson } = openBase("reward", o.model, s.lora, o.outDir, log);
  const tok = m.tokenizer;
  const { file, split, context: T0, train: tr, val: va, seqLen: T } = pairRowsFor("reward", o, tok, templates, m.config.context, s.context, overflow, log);
  const model: ModelConfig = m.config;
  const tc = rewardTrainConfig(s, tr.chosen.length, va.chosen.length);
  const run: RunConfig = { preset: "default", model, train: tc };
  const configJson = `${JSON.stringify(
    {
      kind: "reward",
      base: baseIdentity(m),
      model,
      train: tc,
      reward: {
        prefs: { path: o.prefs, sha256: sha256File(o.prefs), pairs: file.pairs.length },
        valPrefs: split.valFile === null ? null : { path: split.valFile, sha256: sha256File(split.valFile) },
        head: "score.weight on the last answer token (models/seq-head.ts)", loss: "bradley-terry",
        template: templates.source, lora: lc, context: T0, seqLen: T, overflow, seed,
        trainPairs: tr.chosen.length, valPairs: va.chosen.length, truncated: tr.truncated, dropped: tr.dropped,
      },
    },
    null,
    2,
  )}\n`;
  if (o.outDir !== null && existsSync(join(o.outDir, "config.json")) && readFileSync(join(o.outDir, "config.json"), "utf8") !== configJson) {
    throw new KotodamaError(`reward: ${o.outDir} holds a run with a different config; pass another --out, or the same settings to resume it`);
  }

  let head: SeqHead | null = null;
  const headOf = (): SeqHead => {
    if (head === null) throw new KotodamaError("reward: the head is made when the loop starts");
    return head;
  };
  const body = lc === null ? null : loraAdapt(m, lc, seed, log);
  const adapt = (g: Graph, w: DecoderWeights, rng: Rng): Trainable => {
    const t: Trainable = body !== null ? body(g, w, rng) : { weights: w, params: namedWeights(w), saved: () => w };
    // A small head: rewards start near 0, so early steps do not saturate σ.
    head = createSeqHead(g, new Rng(seed + 31), model, ["reward"], 1 / Math.sqrt(model.dim + 1) / 10);
    const h = head;
    return {
      ...t,
      params: [...t.params, { name: "score.weight", tensor: h.weight, hfTransposed: false, decay: false }],
      onCheckpoint: (dir) => {
        t.onCheckpoint?.(dir);
        saveSeqHead(dir, h, { kind: "reward", template: templates.source });
      },
    };
  };
  const batches = rewardBatchSource(tr, va, T, tok.vocabSize, `${tr.chosen.length} train / ${va.chosen.length} held-out pairs, rows padded to ${T} tokens`);
  log(`pairs: ${batches.description}`);
  const title = `reward model${lc === null ? "" : ` (LoRA r${lc.rank})`}: Bradley–Terry loss`;
  const res = train({
    run, batches, backend: o.backend, outDir: o.outDir, init, configJson, title,
    objective: rewardObjective(headOf), adapt,
    tokenizerJson: tokJson,
    extraFiles: new Map([["tokenizer_config.json", `${JSON.stringify(hfTokenizerConfig(tok, templates), null, 2)}\n`]]),
    ...(o.timeBudgetS !== undefined ? { timeBudgetS: o.timeBudgetS } : {}),
    ...(o.stopAfterStep !== undefined ? { stopAfterStep: o.stopAfterStep } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });

  // Held-out: the reward model against the baselines, on the same pairs.
  const h = headOf();
  const V = va.chosen.length;
  const pairsKept = va.kept.map((i) => split.val[i]!);
  const kept = pairsKept.map((p) => p.source ?? "unlabelled");
  const rewards = pairRewards(res.graph, model, res.weights, h, va, tc.batchSize, T);
  const g0 = new Graph(o.backend);
  const w0 = init(g0, model, new Rng(seed));
  const lp = pairLogps(g0, model, w0, va, tc.batchSize, T);
  const ntok = answerTokens(va);
  const half = (x: Float32Array, second: boolean): Float32Array => x.subarray(second ? V : 0, second ? 2 * V : V);
  const perTok = lp.map((x, i) => x / Math.max(1, ntok[i]!));
  const lenC = pairsKept.map((p) => p.chosen.length), lenR = pairsKept.map((p) => p.rejected.length);
  const heldOut: RewardEval = {
    rewardModel: pairScoreReport(half(rewards, false), half(rewards, true), kept),
    longerAnswer: pairScoreReport(lenC, lenR, kept, 0),
    logprobSum: pairScoreReport(half(lp, false), half(lp, true), kept, 0),
    logprobPerToken: pairScoreReport(half(perTok, false), half(perTok, true), kept, 0),
  };
  log(`held-out pairs (${V}): reward model ${(100 * heldOut.rewardModel.accuracy).toFixed(1)} % (ECE ${heldOut.rewardModel.ece.toFixed(3)}); baselines: longer answer ${(100 * heldOut.longerAnswer.accuracy).toFixed(1)} %, log-prob ${(100 * heldOut.logprobSum.accuracy).toFixed(1)} %, per token ${(100 * heldOut.logprobPerToken.accuracy).toFixed(1)} %`);
  if (o.outDir !== null && res.steps > 0) {
    const dir = o.outDir;
    saveSeqHead(dir, h, { kind: "reward", template: templates.source });
    writeAtomic(join(dir, "eval.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify({ step: res.steps, heldOut }, null, 2)}\n`));
    writeAtomic(join(dir, "calibration.svg"), (tmp) => writeFileSync(tmp, calibrationSvg(heldOut.rewardModel, "reward model: held-out calibration")));
  }
  return { ...res, tokenizer: tok, head: h, trainPairs: tr.chosen.length, valPairs: V, heldOut };
}
