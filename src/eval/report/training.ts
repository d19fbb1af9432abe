// Each training stage's loss and perplexity for a report card, from its run directory: the last train loss and the
// last validation loss in metrics.jsonl, exp(validation loss) where the loss is a language-model cross-entropy,
// the schedule's length (schedule.json where a time budget fitted it, else config.json), npm start's full validation figure from samples.txt, a DPO run's held-out preference accuracy (eval.json), and
// the loss curve's file. Not here: finding the runs (lineage.ts), rendering.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stage } from "./card.js";
import type { LineageRun } from "./lineage.js";
import { isObj, optNum, optObj, readJsonl, readJsonObj } from "./read.js";
import { SCHEDULE_FILE } from "../../train/loop.js";

/** What the logged loss is, per run kind; perplexity is exp(loss) only for language-model cross-entropies. */
const LOSSES: Readonly<Record<string, { readonly note: string; readonly perplexity: boolean }>> = {
  pretrain: { note: "next-token cross-entropy, nats per token", perplexity: true },
  sft: { note: "cross-entropy on response tokens, nats per token", perplexity: true },
  dpo: { note: "DPO loss −log σ(β · margin) per pair (a perplexity does not apply)", perplexity: false },
  reward: { note: "pairwise reward-model loss (a perplexity does not apply)", perplexity: false },
};

/** The line npm start writes into samples.txt (cli/commands/start.ts). */
const FULL_VALIDATION = /^validation loss on (.+?): (\d+(?:\.\d+)?) \(perplexity (\d+(?:\.\d+)?)/m;

export function stageSummary(run: LineageRun): Stage {
  const metricsFile = join(run.dir, "metrics.jsonl");
  const recs = readJsonl(metricsFile);
  let trainLoss: Stage["trainLoss"] = null, valLoss: Stage["valLoss"] = null;
  for (const r of recs) {
    const step = optNum(r, "step", metricsFile);
    if (step === null) continue;
    const t = optNum(r, "train_loss", metricsFile), v = optNum(r, "val_loss", metricsFile);
    if (t !== null) trainLoss = { step, value: t };
    if (v !== null) valLoss = { step, value: v };
  }
  const last = recs.length === 0 ? null : optNum(recs[recs.length - 1]!, "step", metricsFile);
  const cfgFile = join(run.dir, "config.json");
  const train = optObj(run.config, "train", cfgFile);
  const loss = LOSSES[run.kind] ?? { note: "loss as the run logged it", perplexity: false };
  let fullValidation: Stage["fullValidation"] = null;
  const samples = join(run.dir, "samples.txt");
  if (run.kind === "pretrain" && existsSync(samples)) {
    const m = FULL_VALIDATION.exec(readFileSync(samples, "utf8"));
    if (m !== null) fullValidation = { on: m[1]!, loss: Number(m[2]), perplexity: Number(m[3]) };
  }
  let heldOutPairs: Stage["heldOutPairs"] = null;
  const evalFile = join(run.dir, "eval.json");
  if (run.kind === "dpo" && existsSync(evalFile)) {
    const h = readJsonObj(evalFile).heldOut;
    if (isObj(h) && typeof h.pairs === "number" && typeof h.accuracy === "number") heldOutPairs = { pairs: h.pairs, accuracy: h.accuracy };
  }
  const curve = join(run.dir, "loss.svg");
  const scheduleFile = join(run.dir, SCHEDULE_FILE);
  return {
    dir: run.dir,
    kind: run.kind,
    base: run.base,
    steps: last,
    // A schedule fitted to a time budget (schedule.json) is the length the run was given; config.json's is the one asked for.
    maxSteps: existsSync(scheduleFile) ? optNum(readJsonObj(scheduleFile), "maxSteps", scheduleFile) : train === null ? null : optNum(train, "maxSteps", cfgFile),
    trainLoss,
    valLoss,
    perplexity: loss.perplexity && valLoss !== null ? Math.exp(valLoss.value) : null,
    lossNote: loss.note,
    fullValidation,
    heldOutPairs,
    lossCurve: existsSync(curve) ? curve : null,
    metricsFile: existsSync(metricsFile) ? metricsFile : null,
  };
}
