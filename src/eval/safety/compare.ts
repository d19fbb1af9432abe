// Models side by side for the alignment comparison: each answers the same safety prompts (judged by one judge) and
// the same held-out instruction tasks, and every model after the first gets its KL from the first (the
// reference, usually the SFT model). Used by `kotodama eval alignment` and npm start's alignment stage.
// Not here: the table's files (alignment.ts), the stage's training (train/dpo/main-job.ts).
import type { InstructExample, TaskName } from "../../data/instruct/example.js";
import type { InferModel } from "../../infer/index.js";
import { MAIN_JOB_EVAL } from "../instruct/main-job.js";
import { evaluateInstruct, type InstructEvalResult } from "../instruct/run.js";
import { alignmentRow, type AlignmentRow } from "./alignment.js";
import type { SafetyJudge } from "./judges.js";
import { klFromReference } from "./kl.js";
import type { SafetyPrompt } from "./prompts.js";
import { evaluateSafety, localResponder, type SafetyEvalResult } from "./run.js";

export interface ComparedModel {
  readonly name: string;
  readonly path: string;
  readonly model: InferModel;
  /** Its instruction evaluation when already run with the same seed and size (npm start's SFT stage). */
  readonly instruct?: InstructEvalResult | null;
}

export interface CompareOptions {
  readonly models: readonly ComparedModel[];
  readonly prompts: readonly SafetyPrompt[];
  readonly judge: SafetyJudge;
  readonly maxNewTokens: number;
  /** Held-out instruction examples and the training split; null: no instruction scores. */
  readonly instruct: { readonly heldOut: ReadonlyMap<TaskName, readonly InstructExample[]>; readonly train: readonly InstructExample[]; readonly perTask: number } | null;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

export async function compareModels(o: CompareOptions): Promise<{ rows: AlignmentRow[]; safety: SafetyEvalResult[] }> {
  const rows: AlignmentRow[] = [];
  const safety: SafetyEvalResult[] = [];
  for (const [i, m] of o.models.entries()) {
    o.log?.(`${m.name}: ${o.prompts.length} safety prompts${o.instruct === null ? "" : `, ${o.instruct.perTask} instruction examples per task`} ...`);
    const s = await evaluateSafety({ responder: localResponder(m.model), prompts: o.prompts, judge: o.judge, maxNewTokens: o.maxNewTokens });
    const instr = o.instruct === null ? null : (m.instruct ?? (await evaluateInstruct({
      sft: m.model, base: null, heldOut: o.instruct.heldOut, train: o.instruct.train, perTask: o.instruct.perTask, shots: 0, seed: o.seed, maxTokens: MAIN_JOB_EVAL.maxTokens,
    })));
    const kl = i === 0 ? null : klFromReference(s.answers, o.models[0]!.model, o.seed, m.model);
    rows.push(alignmentRow(m.name, m.path, s.summary, instr, kl));
    safety.push(s);
  }
  return { rows, safety };
}
