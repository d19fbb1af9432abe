// The main job's alignment stage (npm start, after SFT): DPO of the SFT run on preference pairs from `data prefs`
// (Do-Not-Answer pairs first: a harmless answer preferred to a harmful or action-5 one on a risky prompt; then short
// HH-RLHF harmless pairs and the borderline pairs), cut to what the 256-token default model holds, full fine-tuning.
// DPO is the cheapest of the three methods here: the reference log-probs once, then a few hundred steps, no
// sampling. Not here: DPO itself (run.ts), the evaluation before and after (eval/safety/main-job.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { buildPrefs, prefsConfig } from "../../data/prefs/build.js";
import { prefLine, type PrefPair } from "../../data/prefs/format.js";
import type { Backend } from "../../engine/ops.js";
import { runDpo, type DpoResult, type DpoSettings } from "./run.js";

/** The stage's size: every Do-Not-Answer training pair (150 today; a harmless answer preferred to a harmful or
 *  action-5 one, rows cut to the default model's 256 tokens, where the refusal or compliance opening survives) + 40
 *  HH-RLHF pairs of at most 1500 characters (prompt + the longer answer) + every borderline pair (127: an answer
 *  preferred to a refusal on a prompt that only sounds risky; without them every pair prefers declining and DPO
 *  can only deepen over-refusal); no contrast pairs (data/instruct/contrast.ts: the templated look-alikes and twins
 *  stay in the SFT mix); 24 held-out HH-RLHF pairs (the safety evaluation's held-out prompts are never in the pairs).
 *  Measured on one SFT model (docs/alignment.md, "The DPO stage's pairs"): with the 120 contrast pairs and only the 66
 *  Do-Not-Answer pairs under 1500 characters (until 2026-12-05) DPO made the model less safe than its SFT start
 *  (held-out 92.5 → 89.8 %, and 96.8 → 94.0 % on 631 validation prompts no stage trains on); this mix gives 96.8 % and
 *  97.3 %, at 30.8 % of XSTest's safe prompts answered instead of 40.0 % (23.2 % before DPO). β 0.1, lr 1e-4 (a small
 *  model moves little at DPO's usual 5e-6 in 100 steps) and the NLL term on the chosen answers (α 1, loss.ts): plain
 *  DPO at lr 2e-4 bought its margin by making both answers unlikely, and the model's text degenerated. */
export const MAIN_JOB_DPO = {
  maxChars: 1500,
  dnaPairs: 1000,
  hhPairs: 40,
  borderlinePairs: 1000,
  contrastPairs: 0,
  valPairs: 24,
  /** Steps trained however far past the time budget (as the SFT stage's minSteps). */
  minSteps: 50,
  settings: { maxSteps: 100, lr: 1e-4, batchSize: 4, context: 256, beta: 0.1, nll: 1 } satisfies DpoSettings,
} as const;

export interface MainJobDpoOptions {
  /** The SFT run directory (the policy's start and the reference). */
  readonly sft: string;
  readonly outDir: string;
  readonly backend: Backend;
  readonly timeBudgetS: number;
  readonly seed: number;
  readonly log: (line: string) => void;
  /** Folder holding hh-rlhf/ and do-not-answer/ (default ../shared/data). */
  readonly dataDir?: string | null;
  /** Overrides (tests: a tiny model's context and a few steps). */
  readonly settings?: DpoSettings;
  readonly sizes?: Partial<Record<"dnaPairs" | "hhPairs" | "borderlinePairs" | "contrastPairs" | "valPairs", number>>;
}

export interface MainJobDpoResult {
  readonly dpo: DpoResult;
  readonly trainPairs: number;
  readonly trainPath: string;
  readonly heldOutPath: string;
}

type Pair = Omit<PrefPair, "where">;
const chars = (p: Pair): number => p.messages.reduce((n, m) => n + m.content.length, 0) + Math.max(p.chosen.length, p.rejected.length);

export function mainJobDpo(o: MainJobDpoOptions): MainJobDpoResult {
  const prefs = buildPrefs(prefsConfig(o.dataDir ?? null));
  const short = (xs: readonly Pair[], source: string, n: number, maxChars: number = MAIN_JOB_DPO.maxChars): Pair[] => xs.filter((p) => p.source === source && chars(p) <= maxChars).slice(0, n);
  // Do-Not-Answer pairs of any length: the rows are cut to the context, and the answers' openings carry the preference.
  const train = [...short(prefs.train, "do-not-answer", o.sizes?.dnaPairs ?? MAIN_JOB_DPO.dnaPairs, Infinity), ...short(prefs.train, "hh-rlhf", o.sizes?.hhPairs ?? MAIN_JOB_DPO.hhPairs), ...short(prefs.train, "kotodama-borderline", o.sizes?.borderlinePairs ?? MAIN_JOB_DPO.borderlinePairs), ...short(prefs.train, "kotodama-contrast", o.sizes?.contrastPairs ?? MAIN_JOB_DPO.contrastPairs)];
  const val = short(prefs.heldOut, "hh-rlhf", o.sizes?.valPairs ?? MAIN_JOB_DPO.valPairs);
  const dir = join(o.outDir, "data");
  mkdirSync(dir, { recursive: true });
  const trainPath = join(dir, "train.jsonl"), heldOutPath = join(dir, "heldout.jsonl");
  atomicWrite(trainPath, `${train.map(prefLine).join("\n")}\n`);
  atomicWrite(heldOutPath, `${val.map(prefLine).join("\n")}\n`);
  const counts = ([["do-not-answer", "Do-Not-Answer"], ["hh-rlhf", "HH-RLHF"], ["kotodama-borderline", "borderline"], ["kotodama-contrast", "contrast"]] as const)
    .map(([src, name]) => [train.filter((p) => p.source === src).length, name] as const).filter(([n]) => n > 0).map(([n, name]) => `${n} ${name}`);
  o.log(`preference pairs: ${train.length} training pairs (${counts.join(", ")}) of ${prefs.train.length}; ${val.length} held out`);
  const dpo = runDpo({
    model: o.sft, prefs: trainPath, valPrefs: heldOutPath, outDir: o.outDir, backend: o.backend,
    settings: { ...MAIN_JOB_DPO.settings, seed: o.seed, ...o.settings }, timeBudgetS: o.timeBudgetS, minSteps: MAIN_JOB_DPO.minSteps, log: o.log,
  });
  return { dpo, trainPairs: train.length, trainPath, heldOutPath };
}
