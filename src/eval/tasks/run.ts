// One task evaluated on one model: the documents of the evaluated split (the first --limit of them), each with k
// shots from the few-shot split (fewshot.ts), scored by log-likelihood of every choice (accuracy, and accuracy with
// the log-likelihood divided by the choice's length in characters — lm-eval's acc_norm — and in UTF-8 bytes —
// lm-eval's acc_bytes) or answered greedily until a stop string (exact match, F1). When a prompt does not fit the
// model's context, the earliest shots are dropped one by one (the same for every choice of the document); a document
// that does not fit even with none is counted as skipped, not scored. Not here: printing or files (report.ts).
import { KotodamaError } from "../../util/errors.js";
import { meanWithBootstrap, proportion, type Estimate } from "../stats.js";
import type { TaskDefinition } from "./definition.js";
import { checkDisjoint, readSplit } from "./docs.js";
import { fewShotContext, sampleShots } from "./fewshot.js";
import { ContextOverflowError, type TaskModel } from "./lm.js";
import { argmax, exactMatch, f1Max, normalisedPicks } from "./metrics.js";
import { goldAnswers, goldIndex, renderChoices, type Doc } from "./template.js";

export interface TaskRunOptions {
  readonly task: TaskDefinition;
  readonly model: TaskModel;
  /** The folder the task's data paths are relative to (../shared/data). */
  readonly dataDir: string;
  readonly shots: number;
  readonly seed: number;
  /** The first N evaluated documents; null: all. */
  readonly limit: number | null;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ChoiceRecord {
  readonly index: number;
  readonly gold: number;
  /** Σ log p of each choice, and its token count. */
  readonly loglikelihoods: readonly number[];
  readonly tokens: readonly number[];
  readonly pred: number;
  readonly predNorm: number;
  readonly predBytes: number;
  readonly shots: number;
}

export interface GenerationRecord {
  readonly index: number;
  readonly output: string;
  readonly golds: readonly string[];
  readonly em: number;
  readonly f1: number;
  readonly shots: number;
}

export type DocRecord = ChoiceRecord | GenerationRecord | { readonly index: number; readonly skipped: string };

export interface TaskResult {
  readonly task: string;
  readonly kind: TaskDefinition["kind"];
  /** Documents scored (skipped ones excluded) and skipped (too long for the context even with no shots). */
  readonly n: number;
  readonly skipped: number;
  readonly shots: number;
  /** Mean shots actually used (below `shots` where prompts were too long). */
  readonly meanShots: number;
  readonly metrics: Readonly<Record<string, Estimate>>;
  /** Multiple choice: the accuracy of guessing (mean of 1 / choices). */
  readonly chance: number | null;
  readonly seconds: number;
  readonly records: readonly DocRecord[];
}

/** Tries the document with `shots` shots, then fewer, until the prompt fits; null when none fits. */
async function withFewestDropped<T>(shots: readonly Doc[], run: (shots: readonly Doc[]) => Promise<T>): Promise<{ value: T; used: number } | null> {
  for (let used = shots.length; used >= 0; used--) {
    try {
      return { value: await run(shots.slice(shots.length - used)), used };
    } catch (e) {
      if (!(e instanceof ContextOverflowError)) throw e;
    }
  }
  return null;
}

export async function evaluateTask(o: TaskRunOptions): Promise<TaskResult> {
  const { task, model } = o;
  const t0 = performance.now();
  checkDisjoint(task);
  const all = readSplit(task, o.dataDir, task.data.eval);
  const docs = o.limit === null ? all : all.slice(0, o.limit);
  let pool: Doc[] = [];
  if (o.shots > 0) {
    if (task.data.fewshot === null) throw new KotodamaError(`${task.file}: --shots ${o.shots} needs data.fewshot (a split the shots come from); this task has none`);
    pool = readSplit(task, o.dataDir, task.data.fewshot);
  }
  const records: DocRecord[] = [];
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    const shots = o.shots === 0 ? [] : sampleShots(pool.length, o.shots, o.seed, i).map((j) => pool[j]!);
    if (task.kind === "multiple_choice") {
      const choices = renderChoices(task, doc);
      const gold = goldIndex(task, doc, choices);
      const r = await withFewestDropped(shots, (s) => {
        const context = fewShotContext(task, s, doc);
        return model.loglikelihood(choices.map((c) => ({ context, continuation: `${task.template.delimiter}${c}` })));
      });
      if (r === null) records.push({ index: i, skipped: "too long for the model's context with no shots" });
      else {
        const lls = r.value.map((x) => x.logprob);
        const picks = normalisedPicks(lls, choices);
        records.push({ index: i, gold, loglikelihoods: lls, tokens: r.value.map((x) => x.tokens), pred: argmax(lls), predNorm: picks.chars, predBytes: picks.bytes, shots: r.used });
      }
    } else {
      const gen = task.generation!;
      const golds = goldAnswers(task, doc);
      const r = await withFewestDropped(shots, (s) => model.generate([{ context: `${fewShotContext(task, s, doc)}${task.template.delimiter}`, until: gen.until, maxTokens: gen.maxTokens }]));
      if (r === null) records.push({ index: i, skipped: "too long for the model's context with no shots" });
      else {
        const output = r.value[0]!.trim();
        records.push({ index: i, output, golds, em: exactMatch(output, golds, task.f1), f1: f1Max(output, golds, task.f1), shots: r.used });
      }
    }
    o.onProgress?.(i + 1, docs.length);
  }
  return summarize(task, o, records, (performance.now() - t0) / 1000);
}

function summarize(task: TaskDefinition, o: TaskRunOptions, records: DocRecord[], seconds: number): TaskResult {
  const mc = records.filter((r): r is ChoiceRecord => "gold" in r);
  const gen = records.filter((r): r is GenerationRecord => "em" in r);
  const scored: (ChoiceRecord | GenerationRecord)[] = [...mc, ...gen];
  const n = scored.length;
  const count = (f: (r: ChoiceRecord) => boolean): number => mc.filter(f).length;
  const metrics: Record<string, Estimate> = task.kind === "multiple_choice"
    ? { acc: proportion(count((r) => r.pred === r.gold), n), acc_norm: proportion(count((r) => r.predNorm === r.gold), n), acc_bytes: proportion(count((r) => r.predBytes === r.gold), n) }
    : { em: proportion(gen.filter((r) => r.em === 1).length, n), f1: meanWithBootstrap(gen.map((r) => r.f1), o.seed) };
  return {
    task: task.name, kind: task.kind, n, skipped: records.length - n, shots: o.shots,
    meanShots: n === 0 ? 0 : scored.reduce((a, r) => a + r.shots, 0) / n, metrics,
    chance: task.kind === "multiple_choice" && n > 0 ? mc.reduce((a, r) => a + 1 / r.loglikelihoods.length, 0) / n : null,
    seconds, records,
  };
}
