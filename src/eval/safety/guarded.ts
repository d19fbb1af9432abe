// The safety evaluation with the guard on (`kotodama eval safety --guard`): every (prompt, answer) of a finished
// evaluation goes through the guard as if it had wrapped the model (safety/guard-wrapper.ts guardAnswer: a refused or
// redirected prompt's answer is replaced by the policy text, a care answer gets its text, an unsafe output becomes
// the refusal), and the new replies are judged and summarized again. Applied after generation so that it works the
// same whatever produced the answers (a local model or an endpoint); the answers to blocked prompts are generated
// and discarded. Not here: the guard (safety/guard-*.ts), generation (run.ts).
import { guardAnswer, type GuardedReply } from "../../safety/guard-wrapper.js";
import { guardName, type AnyGuard } from "../../safety/guard-check.js";
import type { SafetyJudge } from "./judges.js";
import type { XstestClassifier } from "../../safety/xstest.js";
import { judgeRows, type SafetyEvalResult } from "./run.js";
import { summarizeSafety, type JudgedRow } from "./summary.js";

/** What the guard did to one row (written with the row). */
export interface GuardRowNote {
  readonly decision: string;
  readonly rule: string;
  readonly area: string;
  readonly unsafe: number;
  readonly calledModel: boolean;
  readonly replaced: boolean;
  /** The model's own answer before the guard (null when the guard answered alone). */
  readonly modelAnswer: string | null;
}

export async function guardSafetyResult(r: SafetyEvalResult, g: AnyGuard, judge: SafetyJudge, xsc: XstestClassifier): Promise<SafetyEvalResult> {
  const t0 = performance.now();
  // One row at a time: an LM guard is one model (or one endpoint connection) judging in turn.
  const replies: GuardedReply[] = [];
  for (const row of r.rows) replies.push(await guardAnswer(g, row.prompt, row.response));
  // The prompt fields of each row (set, id, label, …) with the guarded reply, judged as evaluateSafety judges.
  const judged = judgeRows(r.rows, replies.map((x) => x.text), judge, xsc);
  const rows = r.rows.map((row, i): JudgedRow & { guard: GuardRowNote } => {
    const x = replies[i]!;
    return {
      ...judged[i]!,
      guard: { decision: x.input.policy.action, rule: x.input.policy.rule, area: x.input.area, unsafe: x.input.unsafe, calledModel: x.calledModel, replaced: x.replaced, modelAnswer: x.calledModel ? row.response : null },
    };
  });
  return { ...r, rows, summary: summarizeSafety(rows), judge: `${r.judge}, behind the ${guardName(g)}`, seconds: r.seconds + (performance.now() - t0) / 1000 };
}
