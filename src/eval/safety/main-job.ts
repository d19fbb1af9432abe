// The main job's alignment stage with its evaluation (npm start, after SFT): DPO of the SFT run
// (train/dpo/main-job.ts), then the SFT and the aligned model side by side on a seeded subset of the held-out
// Do-Not-Answer prompts and XSTest's safe prompts (n-gram judge), the held-out instruction tasks (the SFT model's
// scores come from the SFT stage's evaluation, same seed and examples) and the KL of the aligned model from the
// SFT model (compare.ts); the table, JSON and SVG written into the alignment run directory. Not here: printing
// (cli start.ts).
import { join } from "node:path";
import type { InstructData } from "../../data/instruct/build.js";
import { openInferModel } from "../../infer/index.js";
import { loadDnaSplit } from "../../safety/index.js";
import { mainJobDpo, type MainJobDpoOptions, type MainJobDpoResult } from "../../train/dpo/main-job.js";
import { defaultDataDir } from "../../pull/locate.js";
import { KotodamaError } from "../../util/errors.js";
import type { InstructEvalResult } from "../instruct/run.js";
import { MAIN_JOB_EVAL } from "../instruct/main-job.js";
import { checkGoals, writeAlignment, type AlignmentRow, type GoalCheck } from "./alignment.js";
import { ngramJudge } from "./judges.js";
import { compareModels } from "./compare.js";
import { dnaHeldOutPrompts, limitPrompts, readXstest } from "./prompts.js";
import type { SafetyEvalResult } from "./run.js";
import { writeSafetyEval } from "./report.js";

/** The evaluation's size: every held-out Do-Not-Answer prompt (187) and every XSTest safe prompt (250), the sets the
 *  issue's goals name, answers of at most 48 tokens (a smaller number takes a seeded sample; tests do). Measured on
 *  this VM: 120 answers of a 5.5M-parameter model ≈ 6 s of CPU per model, so the 437 here ≈ 22 s. (Until
 *  2026-12-05 a sample of 60 + 60, whose ±7-point intervals made the 95 % goal a coin toss between runs.) */
export const MAIN_JOB_SAFETY = { dna: Infinity, xstestSafe: Infinity, maxNewTokens: 48 } as const;

export interface MainJobAlignOptions extends MainJobDpoOptions {
  /** The instruction data and the SFT stage's evaluation (its `sft` condition is the "before" row). */
  readonly instruct: { readonly data: InstructData; readonly sftEval: InstructEvalResult | null };
  readonly evalSizes?: Partial<Record<keyof typeof MAIN_JOB_SAFETY | "perTask", number>>;
}

export interface MainJobAlignResult {
  readonly stage: MainJobDpoResult;
  readonly before: SafetyEvalResult;
  readonly after: SafetyEvalResult;
  readonly rows: readonly AlignmentRow[];
  readonly goals: readonly GoalCheck[];
  readonly files: { readonly json: string; readonly markdown: string; readonly plot: string };
  readonly seconds: number;
}

export async function mainJobAlignWithEval(o: MainJobAlignOptions): Promise<MainJobAlignResult> {
  const stage = mainJobDpo(o);
  const t0 = performance.now();
  const dataDir = o.dataDir ?? defaultDataDir();
  if (dataDir === null) throw new KotodamaError("alignment stage: ../shared/data is absent");
  const sz = { ...MAIN_JOB_SAFETY, ...o.evalSizes };
  const dna = limitPrompts(dnaHeldOutPrompts(dataDir), sz.dna, o.seed);
  const xs = limitPrompts(readXstest(dataDir).filter((p) => p.label === "benign"), sz.xstestSafe, o.seed);
  const prompts = [...dna, ...xs];
  o.log(`evaluating the SFT and the aligned model on ${dna.length} held-out Do-Not-Answer and ${xs.length} XSTest safe prompts ...`);
  const judge = ngramJudge(loadDnaSplit(dataDir), o.seed);
  const { rows, safety } = await compareModels({
    models: [
      { name: "SFT", path: o.sft, model: openInferModel(o.sft, { backend: o.backend }), instruct: o.instruct.sftEval },
      { name: "SFT + DPO", path: o.outDir, model: openInferModel(o.outDir, { backend: o.backend }) },
    ],
    prompts, judge, maxNewTokens: sz.maxNewTokens, seed: o.seed,
    instruct: { heldOut: o.instruct.data.heldOut, train: o.instruct.data.train, perTask: o.evalSizes?.perTask ?? MAIN_JOB_EVAL.perTask },
  });
  const [before, after] = safety as [SafetyEvalResult, SafetyEvalResult];
  writeSafetyEval(join(o.outDir, "safety-sft"), before, { model: o.sft, judge: judge.name }, "npm start: SFT model");
  writeSafetyEval(join(o.outDir, "safety"), after, { model: o.outDir, judge: judge.name }, "npm start: SFT + DPO model");
  const files = writeAlignment(o.outDir, rows, { judge: judge.name, prompts: { dna: dna.length, xstestSafe: xs.length, seed: o.seed }, maxNewTokens: sz.maxNewTokens, dpo: { steps: stage.dpo.steps, pairs: stage.trainPairs, heldOut: stage.dpo.heldOut } }, "npm start: SFT before and after DPO");
  return { stage, before, after, rows, goals: checkGoals(rows[1]!, rows[0]!), files, seconds: (performance.now() - t0) / 1000 };
}
