// Scores one reply to a held-out instruction task, and sums a task's scores into estimates with intervals:
// cefr-level (a level A1…C2 parsed from the reply, exact and within one level), story-words (the required words
// present as whole words, any case) and simplify (ROUGE-L F1 against the ASSET references, best reference).
// Not here: producing the replies (run.ts), ROUGE-L itself (eval/rouge.ts), intervals (eval/stats.ts).
import { CEFR_NAMES } from "../../data/instruct/tasks.js";
import type { InstructExample } from "../../data/instruct/example.js";
import { KotodamaError } from "../../util/errors.js";
import { rougeLMax } from "../rouge.js";
import { meanWithBootstrap, proportion, type Estimate } from "../stats.js";

/** The held-out tasks this evaluation scores, in report order. */
export const EVAL_TASKS = ["cefr-level", "story-words", "simplify"] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

export type CefrLevel = (typeof CEFR_NAMES)[number];

/** The first CEFR level named in the reply with no Latin letter or digit touching it ("B1", "b2.", "Level: C1",
 *  "レベルはB2です"), or null. "A12" or "AB1" is no level. */
export function parseCefrLevel(reply: string): CefrLevel | null {
  const m = /(?<![A-Za-z0-9])([ABC][12])(?![A-Za-z0-9])/i.exec(reply);
  return m === null ? null : (m[1]!.toUpperCase() as CefrLevel);
}

const levelIndex = (l: string): number => (CEFR_NAMES as readonly string[]).indexOf(l);

/** The level a reply that ignores the sentence would best give: the most common gold level of the examples
 *  (ties: the lower level). Its accuracy is the baseline a level accuracy has to beat. */
export function majorityLevel(examples: readonly InstructExample[]): CefrLevel | null {
  const counts = CEFR_NAMES.map((l) => examples.filter((e) => e.task === "cefr-level" && e.cefr_level === l).length);
  const best = Math.max(...counts);
  return best === 0 ? null : CEFR_NAMES[counts.indexOf(best)]!;
}

/** Whole-word, case-insensitive: "Girl," counts for "girl", "girls" does not. */
export function containsWord(text: string, word: string): boolean {
  const w = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}])${w}(?![\\p{L}\\p{N}])`, "iu").test(text);
}

/** One reply's score; the fields depend on the task. */
export type ReplyScore =
  | { readonly task: "cefr-level"; readonly gold: string; readonly parsed: string | null; readonly exact: boolean; readonly withinOne: boolean }
  | { readonly task: "story-words"; readonly required: readonly string[]; readonly present: readonly string[]; readonly all: boolean; readonly share: number }
  | { readonly task: "simplify"; readonly rougeL: number; readonly references: number };

/** Scores `reply` to the held-out example `e` of task `task`; a missing check field is an error naming the id. */
export function scoreReply(task: EvalTask, e: InstructExample, reply: string): ReplyScore {
  switch (task) {
    case "cefr-level": {
      const gold = e.cefr_level;
      if (gold === undefined || levelIndex(gold) < 0) throw new KotodamaError(`${e.id}: cefr-level example without a valid cefr_level`);
      const parsed = parseCefrLevel(reply);
      const d = parsed === null ? Infinity : Math.abs(levelIndex(parsed) - levelIndex(gold));
      return { task, gold, parsed, exact: d === 0, withinOne: d <= 1 };
    }
    case "story-words": {
      const required = e.required_words;
      if (required === undefined || required.length === 0) throw new KotodamaError(`${e.id}: story-words example without required_words`);
      const present = required.filter((w) => containsWord(reply, w));
      return { task, required, present, all: present.length === required.length, share: present.length / required.length };
    }
    case "simplify": {
      const refs = e.references;
      if (refs === undefined || refs.length === 0) throw new KotodamaError(`${e.id}: simplify example without references`);
      return { task, rougeL: rougeLMax(reply, refs), references: refs.length };
    }
  }
}

/** A task's metrics under one condition, by name (e.g. "exact", "within-one"). */
export type TaskMetrics = Readonly<Record<string, Estimate>>;

/** What each task's metrics mean, for tables and the JSON. The first is the task's headline. */
export const METRIC_NAMES: Readonly<Record<EvalTask, readonly { readonly key: string; readonly label: string }[]>> = {
  "cefr-level": [
    { key: "exact", label: "exact level" },
    { key: "within-one", label: "within one level" },
    { key: "unparsed", label: "no level in the reply" },
  ],
  "story-words": [
    { key: "all-words", label: "all required words" },
    { key: "word-share", label: "mean share of required words" },
  ],
  simplify: [{ key: "rouge-l", label: "ROUGE-L F1 (best of the references)" }],
};

/** Sums one task's reply scores into estimates (Wilson for shares of replies, bootstrap for means). */
export function summarize(task: EvalTask, scores: readonly ReplyScore[], seed: number): TaskMetrics {
  const n = scores.length;
  const count = (f: (s: ReplyScore) => boolean): number => scores.filter(f).length;
  switch (task) {
    case "cefr-level":
      return {
        exact: proportion(count((s) => s.task === "cefr-level" && s.exact), n),
        "within-one": proportion(count((s) => s.task === "cefr-level" && s.withinOne), n),
        unparsed: proportion(count((s) => s.task === "cefr-level" && s.parsed === null), n),
      };
    case "story-words":
      return {
        "all-words": proportion(count((s) => s.task === "story-words" && s.all), n),
        "word-share": meanWithBootstrap(scores.map((s) => (s.task === "story-words" ? s.share : 0)), seed),
      };
    case "simplify":
      return { "rouge-l": meanWithBootstrap(scores.map((s) => (s.task === "simplify" ? s.rougeL : 0)), seed) };
  }
}
