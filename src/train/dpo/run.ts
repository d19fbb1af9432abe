// A DPO run: a pretrained model (GGUF, Hugging Face folder or run directory) trained on preference pairs with
// Direct Preference Optimization (loss.ts) through the pretraining loop (loop.ts, objective hook), in full or with
// LoRA; the reference is the starting model, whose log-probabilities are computed once and cached (reference.ts).
// The run directory is SFT's (config.json, tokenizer files, model.safetensors, checkpoint.safetensors,
// metrics.jsonl with margins and accuracy, loss.svg) plus reference-logps.json, margins.svg and eval.json (the
// held-out preference accuracy under the implicit reward, and the mean margin).
// Not here: flag parsing (cli/commands/align.ts), the pair format (data/prefs/format.ts).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelConfig } from "../../models/index.js";
import { Graph } from "../../tensor/index.js";
import { hfTokenizerConfig, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { writeAtomic } from "../checkpoint.js";
import type { RunConfig, TrainConfig } from "../config.js";
import { baseIdentity, finetuneTrainConfig, loraAdapt, openBase, sha256File, type FinetuneRunOptions, type FinetuneSettings } from "../finetune.js";
import { train, type Objective, type TrainResult } from "../loop.js";
import { readMetrics } from "../metrics.js";
import { lossCurveSvg } from "../plot.js";
import { answerTokens, dpoLoss, sequenceLogps, type DpoStats } from "./loss.js";
import { dpoBatchSource, pairRowsFor } from "./pairs.js";
import { pairLogps, referenceLogps } from "./reference.js";

/** Settings a user may give; everything else is derived (dpoTrainConfig). */
export interface DpoSettings extends FinetuneSettings {
  /** β: the strength of the pull towards the reference (default 0.1, the DPO paper's). batchSize counts pairs. */
  readonly beta?: number;
  /** α of the NLL term on the chosen answers (default 0: plain DPO; loss.ts). */
  readonly nll?: number;
}

export interface DpoOptions extends FinetuneRunOptions {
  readonly model: string;
  readonly prefs: string;
  /** Held-out pairs; default: heldout.jsonl beside a --prefs named train.jsonl (`data prefs` output), else every
   *  10th pair (under 10 pairs, the training pairs themselves). */
  readonly valPrefs?: string;
  readonly settings?: DpoSettings;
}

/** Preference accuracy under the implicit reward (share of pairs with margin > 0) and the mean margin. */
export interface PrefEval {
  readonly pairs: number;
  readonly accuracy: number;
  readonly meanMargin: number;
}

export interface DpoResult extends TrainResult {
  readonly tokenizer: Tokenizer;
  readonly trainPairs: number;
  readonly valPairs: number;
  readonly truncated: number;
  readonly dropped: number;
  /** Whether the reference log-probabilities came from the run directory's cache. */
  readonly referenceCached: boolean;
  /** The held-out pairs under the final model. */
  readonly heldOut: PrefEval;
}

export const DPO_DEFAULTS = { beta: 0.1, batchSize: 4, lr: 5e-6, loraLr: 5e-5 } as const;

/** DPO's optimizer and schedule: one epoch unless maxSteps is given, 10 % linear warm-up and cosine decay to
 *  lr/10, no weight decay, gradient clipping at 1, evaluation ten times a run over the whole held-out set. */
export function dpoTrainConfig(s: DpoSettings, trainN: number, valN: number): TrainConfig {
  const B = s.batchSize ?? DPO_DEFAULTS.batchSize;
  const lr = s.lr ?? (s.lora !== undefined ? DPO_DEFAULTS.loraLr : DPO_DEFAULTS.lr);
  const maxSteps = s.maxSteps ?? Math.max(1, Math.ceil(trainN / B));
  return finetuneTrainConfig("dpo", { lr, maxSteps, warmup: 0.1, batchSize: B, valN, seed: s.seed ?? 1337 });
}


/** Margins β((πc − rc) − (πr − rr)) of policy and reference log-probs (2N each) → accuracy and mean. */
export function prefEval(policy: Float32Array, ref: Float32Array, beta: number): PrefEval {
  const N = policy.length / 2;
  let acc = 0, sum = 0;
  for (let i = 0; i < N; i++) {
    const m = beta * (policy[i]! - ref[i]! - (policy[N + i]! - ref[N + i]!));
    acc += m > 0 ? 1 : 0;
    sum += m;
  }
  return { pairs: N, accuracy: N > 0 ? acc / N : 0, meanMargin: N > 0 ? sum / N : 0 };
}

/** The DPO objective for the loop: the loss of a batch of pairs whose rows carry the reference's log-probs. */
export function dpoObjective(beta: number, nll = 0): Objective {
  let last: DpoStats = { margin: 0, accuracy: 0, logp_chosen: 0, logp_rejected: 0 };
  return {
    rowsPerItem: 2,
    loss: (c, w, b, B, T) => {
      if (b.rowValues === undefined) throw new KotodamaError("dpo: a batch without the reference's log-probabilities (Batch.rowValues)");
      const r = dpoLoss(sequenceLogps(c, w, b, 2 * B, T), b.rowValues, beta, nll > 0 ? { alpha: nll, tokens: answerTokens(b, B, T) } : undefined);
      last = r.stats;
      return r.loss;
    },
    stats: () => ({ ...last }),
  };
}

function marginsSvg(metricsPath: string, title: string): string {
  const ms = readMetrics(metricsPath) as unknown as readonly Readonly<Record<string, number | undefined>>[];
  const pts = (k: string): (readonly [number, number])[] => ms.filter((m) => m[k] !== undefined).map((m) => [m.step!, m[k]!] as const);
  return lossCurveSvg(
    [
      { name: "train margin", color: "#1f77b4", points: pts("margin") },
      { name: "val margin", color: "#d62728", markers: true, points: pts("val_margin") },
      { name: "val accuracy", color: "#2ca02c", markers: true, points: pts("val_accuracy") },
    ],
    { title, yLabel: "β·(Δπ − Δref); accuracy" },
  );
}

export function runDpo(o: DpoOptions): DpoResult {
  const log = o.log ?? ((): void => {});
  const s = o.settings ?? {};
  const beta = s.beta ?? DPO_DEFAULTS.beta;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new KotodamaError(`dpo: beta must be a positive number, got ${beta}`);
  const nll = s.nll ?? 0;
  if (!(nll >= 0) || !Number.isFinite(nll)) throw new KotodamaError(`dpo: nll (the NLL term's weight) must be a number >= 0, got ${nll}`);
  const overflow = s.overflow ?? "truncate";
  const seed = s.seed ?? 1337;
  const { m, init, lora: lc, templates, tokenizerJson: tokJson } = openBase("dpo", o.model, s.lora, o.outDir, log);
  const tok = m.tokenizer;

  const { file, split, context: T, train: tr, val: va, seqLen } = pairRowsFor("dpo", o, tok, templates, m.config.context, s.context, overflow, log);
  const model: ModelConfig = m.config;
  const N = tr.chosen.length;
  const V = va.chosen.length;
  const tc = dpoTrainConfig(s, N, V);
  const run: RunConfig = { preset: "default", model, train: tc };
  const configJson = `${JSON.stringify(
    {
      kind: "dpo",
      base: baseIdentity(m),
      model,
      train: tc,
      dpo: {
        prefs: { path: o.prefs, sha256: sha256File(o.prefs), pairs: file.pairs.length, ties: file.ties, skips: file.skips },
        valPrefs: split.valFile === null ? null : { path: split.valFile, sha256: sha256File(split.valFile) },
        beta, nll, template: templates.source, lora: lc, context: T, seqLen, overflow, seed,
        trainPairs: N, valPairs: V, truncated: tr.truncated, dropped: tr.dropped,
      },
    },
    null,
    2,
  )}\n`;
  if (o.outDir !== null && existsSync(join(o.outDir, "config.json")) && readFileSync(join(o.outDir, "config.json"), "utf8") !== configJson) {
    throw new KotodamaError(`dpo: ${o.outDir} holds a run with a different config; pass another --out, or the same settings to resume it`);
  }

  // The reference: the starting model, run once over every pair (B pairs at a time) before training.
  const t0 = performance.now();
  const ref = referenceLogps(o.outDir, createHash("sha256").update(configJson).digest("hex"), { train: N, val: V }, () => {
    const g = new Graph(o.backend);
    const w = init(g, model, new Rng(seed));
    return { train: pairLogps(g, model, w, tr, tc.batchSize, seqLen), val: pairLogps(g, model, w, va, tc.batchSize, seqLen) };
  });
  log(`reference log-probs of ${N + V} pairs ${ref.cached ? "read from the cache" : `computed in ${((performance.now() - t0) / 1000).toFixed(1)} s`}`);

  const batches = dpoBatchSource({
    train: tr, val: va, trainRef: ref.train, valRef: ref.val, seqLen, vocabSize: tok.vocabSize,
    description: `${N} train / ${V} held-out pairs, rows padded to ${seqLen} tokens`,
  });
  log(`pairs: ${batches.description}`);
  const title = `dpo${lc === null ? "" : ` (LoRA r${lc.rank})`}, β ${beta}`;
  const res = train({
    run, batches, backend: o.backend, outDir: o.outDir, init, configJson, title: `${title}: loss per step`,
    objective: dpoObjective(beta, nll),
    ...(lc === null ? {} : { adapt: loraAdapt(m, lc, seed, log) }),
    tokenizerJson: tokJson,
    extraFiles: new Map([["tokenizer_config.json", `${JSON.stringify(hfTokenizerConfig(tok, templates), null, 2)}\n`]]),
    ...(o.timeBudgetS !== undefined ? { timeBudgetS: o.timeBudgetS } : {}),
    ...(o.minSteps !== undefined ? { minSteps: o.minSteps } : {}),
    ...(o.stopAfterStep !== undefined ? { stopAfterStep: o.stopAfterStep } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });

  const heldOut = prefEval(pairLogps(res.graph, model, res.weights, va, tc.batchSize, seqLen), ref.val, beta);
  log(`held-out pairs: preference accuracy ${(100 * heldOut.accuracy).toFixed(1)} %, mean margin ${heldOut.meanMargin.toFixed(4)} (${heldOut.pairs} pairs)`);
  if (o.outDir !== null && res.steps > 0) {
    const dir = o.outDir;
    writeAtomic(join(dir, "eval.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify({ step: res.steps, beta, heldOut }, null, 2)}\n`));
    writeAtomic(join(dir, "margins.svg"), (tmp) => writeFileSync(tmp, marginsSvg(join(dir, "metrics.jsonl"), `${title}: implicit reward margin`)));
  }
  return { ...res, tokenizer: tok, trainPairs: N, valPairs: V, truncated: tr.truncated, dropped: tr.dropped, referenceCached: ref.cached, heldOut };
}
