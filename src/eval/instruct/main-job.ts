// The main job's instruction-tuning stage with its evaluation (npm start): mainJobSft (data, SFT) and then the
// held-out instruction evaluation of the pretrained model (few-shot and zero-shot) and the tuned one on a subset
// sized to a minute of a 2-core machine, its JSON, JSONL and SVG written beside the SFT run. Not here: the SFT
// stage itself (train/sft/main-job.ts), the evaluation (run.ts), printing (cli/commands/start.ts).
import { openInferModel } from "../../infer/index.js";
import { mainJobSft, type MainJobSftOptions, type MainJobSftResult } from "../../train/sft/main-job.js";
import { evaluateInstruct, type InstructEvalResult } from "./run.js";
import { writeInstructEval } from "./report.js";
import type { EvalTask } from "./score.js";

/** The evaluation's size in the main job: 25 held-out examples per task, 3 shots, stories cut at 120 tokens.
 *  Measured: 10 per task (90 replies, nearly all of full length from an undertrained model) took 14.6 s of CPU
 *  on one thread, so 25 take ≈ 37 s at most on a quiet 2-core machine (docs/evaluation.md); the whole job must
 *  stay within 15 minutes. */
export const MAIN_JOB_EVAL = {
  perTask: 25,
  shots: 3,
  maxTokens: { "story-words": 120 } satisfies Partial<Record<EvalTask, number>>,
} as const;

export interface MainJobSftEvalResult {
  readonly stage: MainJobSftResult;
  readonly eval: InstructEvalResult;
  readonly files: { readonly results: string; readonly replies: string; readonly plot: string };
}

export async function mainJobSftWithEval(o: MainJobSftOptions & { readonly evalPerTask?: number }): Promise<MainJobSftEvalResult> {
  const stage = mainJobSft(o);
  const base = openInferModel(o.base, { backend: o.backend });
  const sft = openInferModel(o.outDir, { backend: o.backend });
  o.log(`evaluating the pretrained and the tuned model on ${o.evalPerTask ?? MAIN_JOB_EVAL.perTask} held-out examples per task ...`);
  const r = await evaluateInstruct({
    sft, base, heldOut: stage.data.heldOut, train: stage.data.train,
    perTask: o.evalPerTask ?? MAIN_JOB_EVAL.perTask, shots: MAIN_JOB_EVAL.shots, seed: o.seed, maxTokens: MAIN_JOB_EVAL.maxTokens,
  });
  const files = writeInstructEval(o.outDir, r, { sft: o.outDir, base: o.base, data: `instruction data built from ${stage.data.config.dataDir ?? "../shared/data"} (seed ${stage.data.config.seed})` }, "npm start: held-out instruction tasks before and after SFT");
  return { stage, eval: r, files };
}
