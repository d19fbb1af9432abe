// The instruction-task evaluation: for each task, a seeded subset of its held-out examples answered greedily by
// the tuned model (its chat template), by the base model through the same chat template SFT trained with (zero-
// shot) and by the base model continuing a plain-text few-shot prompt; every reply scored and each task summed
// into estimates with n and a 95 % interval. Not here: scoring (score.ts), prompts (prompts.ts), files and the
// table (report.ts), the CLI (cli/commands/eval-instruct.ts).
import type { InstructExample, TaskName } from "../../data/instruct/example.js";
import { rngFor, shuffled } from "../../data/instruct/split.js";
import { ChatSession, generateText, type InferModel } from "../../infer/index.js";
import { sftTemplates } from "../../train/sft/template.js";
import { KotodamaError } from "../../util/errors.js";
import { fewShotPrompt, instructionOf, TASK_REPLY } from "./prompts.js";
import { EVAL_TASKS, majorityLevel, scoreReply, summarize, type EvalTask, type ReplyScore, type TaskMetrics } from "./score.js";

/** Who answers: the base model few-shot in plain text, the base model zero-shot through the chat template, the
 *  tuned model through its chat template. */
export const CONDITIONS = ["base-few-shot", "base-zero-shot", "sft"] as const;
export type Condition = (typeof CONDITIONS)[number];

export const CONDITION_LABELS: Readonly<Record<Condition, string>> = { "base-few-shot": "base few-shot", "base-zero-shot": "base zero-shot", sft: "SFT" };

export interface InstructEvalOptions {
  /** The tuned model. */
  readonly sft: InferModel;
  /** The model it was tuned from; null: the tuned model alone. */
  readonly base: InferModel | null;
  readonly heldOut: ReadonlyMap<TaskName, readonly InstructExample[]>;
  /** Training examples, where the few-shot examples come from. */
  readonly train: readonly InstructExample[];
  readonly tasks?: readonly EvalTask[];
  /** Held-out examples per task (a seeded shuffle's first N). */
  readonly perTask: number;
  /** Few-shot examples per prompt (fewer when the prompt would not fit the context). */
  readonly shots: number;
  readonly seed: number;
  /** Override of TASK_REPLY's reply lengths. */
  readonly maxTokens?: Partial<Record<EvalTask, number>>;
  readonly onProgress?: (p: { readonly done: number; readonly total: number; readonly task: EvalTask; readonly condition: Condition }) => void;
}

/** One reply as written to replies.jsonl. */
export interface ReplyRecord {
  readonly task: EvalTask;
  readonly condition: Condition;
  readonly id: string;
  readonly instruction: string;
  readonly reply: string;
  readonly score: ReplyScore;
  /** Few-shot: the ids of the examples in the prompt. */
  readonly shots?: readonly string[];
  /** Why no reply was generated (e.g. the prompt does not fit the context); scored as an empty reply. */
  readonly error?: string;
}

export interface InstructEvalResult {
  readonly tasks: readonly EvalTask[];
  readonly conditions: readonly Condition[];
  /** task → condition → metric → estimate. */
  readonly metrics: Readonly<Record<string, Readonly<Partial<Record<Condition, TaskMetrics>>>>>;
  readonly replies: readonly ReplyRecord[];
  /** Model-free references: cefr-level's constant reply (the training split's most common level) scored on the
   *  same queries. */
  readonly baselines: Readonly<Record<string, { readonly reply: string; readonly metrics: TaskMetrics }>>;
  readonly settings: { readonly perTask: number; readonly shots: number; readonly seed: number; readonly maxTokens: Readonly<Record<EvalTask, number>> };
  readonly seconds: number;
}

/** Few-shot candidates: the task's training examples of at most 600 characters (a 256-token context holds a few),
 *  in a seeded order; every query of a task gets the same first k. */
function shotPool(train: readonly InstructExample[], task: EvalTask, seed: number): InstructExample[] {
  return shuffled(
    train.filter((e) => e.task === task && instructionOf(e).length + e.messages[e.messages.length - 1]!.content.length <= 600),
    rngFor(seed, `eval-shots-${task}`),
  );
}

async function chatReply(s: ChatSession, text: string, maxTokens: number): Promise<string> {
  s.reset();
  const it = s.send(text, { temperature: 0, maxTokens });
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value.reply;
  }
}

/** The base model's few-shot reply: as many of `pool`'s first k examples as fit before the query. */
async function fewShotReply(m: InferModel, pool: readonly InstructExample[], k: number, query: InstructExample, maxTokens: number, stop: readonly string[]): Promise<{ reply: string; shots: string[] }> {
  const C = m.config.context;
  for (let j = Math.min(k, pool.length); ; j--) {
    const shots = pool.slice(0, j);
    const prompt = fewShotPrompt(shots, query);
    const n = m.tokenizer.encode(prompt).length;
    if (n + maxTokens > C && j > 0) continue;
    // No shot left: the query alone, its reply cut to the room left (an error when there is none).
    const r = await generateText(m, prompt, { temperature: 0, maxTokens: Math.max(1, Math.min(maxTokens, C - n)), stop: [...stop], context: C });
    return { reply: r.text, shots: shots.map((e) => e.id) };
  }
}

export async function evaluateInstruct(o: InstructEvalOptions): Promise<InstructEvalResult> {
  const t0 = performance.now();
  const tasks = o.tasks ?? EVAL_TASKS;
  const conditions: Condition[] = o.base === null ? ["sft"] : [...CONDITIONS];
  const maxTokens = Object.fromEntries(EVAL_TASKS.map((t) => [t, o.maxTokens?.[t] ?? TASK_REPLY[t].maxTokens])) as Record<EvalTask, number>;
  const queries = new Map(tasks.map((t) => [t, shuffled(o.heldOut.get(t) ?? [], rngFor(o.seed, `eval-queries-${t}`)).slice(0, o.perTask)]));
  for (const [t, q] of queries) if (q.length === 0) throw new KotodamaError(`eval: no held-out examples of task '${t}'`);
  const sftChat = new ChatSession(o.sft);
  const baseChat = o.base === null ? null : new ChatSession(o.base, { template: sftTemplates(o.base.tokenizer).templates });
  const total = tasks.reduce((s, t) => s + queries.get(t)!.length * conditions.length, 0);
  let done = 0;
  const replies: ReplyRecord[] = [];
  const metrics: Record<string, Partial<Record<Condition, TaskMetrics>>> = {};
  for (const task of tasks) {
    const pool = shotPool(o.train, task, o.seed);
    metrics[task] = {};
    for (const condition of conditions) {
      const scores: ReplyScore[] = [];
      for (const e of queries.get(task)!) {
        const instruction = instructionOf(e);
        let reply = "";
        let shots: string[] | undefined;
        let error: string | undefined;
        try {
          if (condition === "base-few-shot") ({ reply, shots } = await fewShotReply(o.base!, pool, o.shots, e, maxTokens[task], TASK_REPLY[task].stop));
          else reply = await chatReply(condition === "sft" ? sftChat : baseChat!, instruction, maxTokens[task]);
        } catch (err) {
          if (!(err instanceof KotodamaError)) throw err;
          error = err.message;
        }
        const score = scoreReply(task, e, reply);
        scores.push(score);
        replies.push({ task, condition, id: e.id, instruction, reply, score, ...(shots === undefined ? {} : { shots }), ...(error === undefined ? {} : { error }) });
        o.onProgress?.({ done: ++done, total, task, condition });
      }
      metrics[task]![condition] = summarize(task, scores, o.seed);
    }
  }
  const baselines: Record<string, { reply: string; metrics: TaskMetrics }> = {};
  const level = majorityLevel(o.train);
  const cefr = queries.get("cefr-level");
  if (level !== null && cefr !== undefined) baselines["cefr-level"] = { reply: level, metrics: summarize("cefr-level", cefr.map((e) => scoreReply("cefr-level", e, level)), o.seed) };
  return { tasks, conditions, metrics, replies, baselines, settings: { perTask: o.perTask, shots: o.shots, seed: o.seed, maxTokens }, seconds: (performance.now() - t0) / 1000 };
}
