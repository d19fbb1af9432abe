// The main job's alignment stage (npm start, after SFT): DPO of the SFT run on short preference pairs from
// `data prefs` (Do-Not-Answer pairs first: a harmless answer preferred to a harmful or action-5 one on a risky
// prompt; then HH-RLHF harmless pairs), cut to what the 256-token default model holds, full fine-tuning.
// DPO is the cheapest of the three methods here: the reference log-probs once, then a few hundred steps, no
// sampling. Not here: DPO itself (run.ts), the evaluation before and after (eval/safety/main-job.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { buildPrefs, prefsConfig } from "../../data/prefs/build.js";
import { prefLine, type PrefPair } from "../../data/prefs/format.js";
import type { Backend } from "../../engine/ops.js";
import { runDpo, type DpoResult, type DpoSettings } from "./run.js";

/** The stage's size: pairs of at most 1500 characters (prompt + the longer answer), rows cut to the default
 *  model's 256 tokens (the preference shows in an answer's opening: a refusal or compliance); up to 160
 *  Do-Not-Answer pairs (66 are that short today; most are longer than 500 characters) + 40 HH-RLHF pairs + every
 *  borderline pair (127: an answer preferred to a refusal on a prompt that only sounds risky; without them every
 *  pair prefers declining and DPO can only deepen over-refusal) + the first 120 contrast pairs (data/instruct/contrast.ts,
 *  interleaved: look-alikes answered, their harmful twins refused; docs/alignment.md measures them); 24 held-out HH-RLHF pairs (the safety
 *  evaluation's held-out prompts are never in the pairs). β 0.1, lr 1e-4 (a small model moves little at DPO's
 *  usual 5e-6 in 100 steps) and the NLL term on the chosen answers (α 1, loss.ts): plain DPO at lr 2e-4 bought
 *  its margin by making both answers unlikely, and the model's text degenerated (docs/alignment.md). */
export const MAIN_JOB_DPO = {
  maxChars: 1500,
  dnaPairs: 160,
  hhPairs: 40,
  borderlinePairs: 1000,
  contrastPairs: 120,
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
  const short = (xs: readonly Pair[], source: string, n: number): Pair[] => xs.filter((p) => p.source === source && chars(p) <= MAIN_JOB_DPO.maxChars).slice(0, n);
  const train = [...short(prefs.train, "do-not-answer", o.sizes?.dnaPairs ?? MAIN_JOB_DPO.dnaPairs), ...short(prefs.train, "hh-rlhf", o.sizes?.hhPairs ?? MAIN_JOB_DPO.hhPairs), ...short(prefs.train, "kotodama-borderline", o.sizes?.borderlinePairs ?? MAIN_JOB_DPO.borderlinePairs), ...short(prefs.train, "kotodama-contrast", o.sizes?.contrastPairs ?? MAIN_JOB_DPO.contrastPairs)];
  const val = short(prefs.heldOut, "hh-rlhf", o.sizes?.valPairs ?? MAIN_JOB_DPO.valPairs);
  const dir = join(o.outDir, "data");
  mkdirSync(dir, { recursive: true });
  const trainPath = join(dir, "train.jsonl"), heldOutPath = join(dir, "heldout.jsonl");
  atomicWrite(trainPath, `${train.map(prefLine).join("\n")}\n`);
  atomicWrite(heldOutPath, `${val.map(prefLine).join("\n")}\n`);
  o.log(`preference pairs: ${train.length} short training pairs (Do-Not-Answer, HH-RLHF, borderline, contrast) of ${prefs.train.length}; ${val.length} held out`);
  const dpo = runDpo({
    model: o.sft, prefs: trainPath, valPrefs: heldOutPath, outDir: o.outDir, backend: o.backend,
    settings: { ...MAIN_JOB_DPO.settings, seed: o.seed, ...o.settings }, timeBudgetS: o.timeBudgetS, minSteps: MAIN_JOB_DPO.minSteps, log: o.log,
  });
  return { dpo, trainPairs: train.length, trainPath, heldOutPath };
}
