// The held-out instruction-task section of a report card, from instruct-eval.json files (`kotodama eval instruct`,
// npm start's SFT stage): every task's metrics per condition (base few-shot, base zero-shot, tuned), each condition
// naming the model it measured and whether that is the model of the card. Not here: running the evaluation
// (eval/instruct/run.ts).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { PLOT_FILE } from "../instruct/report.js";
import { CONDITION_LABELS } from "../instruct/run.js";
import { METRIC_NAMES } from "../instruct/score.js";
import type { InstructPart } from "./card.js";
import { samePath } from "./discover.js";
import { est, isObj, optObj, optStr, readJsonObj } from "./read.js";

const labelOf = (key: string): string => (CONDITION_LABELS as Readonly<Record<string, string>>)[key] ?? key;
const metricLabel = (task: string, key: string): string => (METRIC_NAMES as Readonly<Record<string, readonly { key: string; label: string }[]>>)[task]?.find((m) => m.key === key)?.label ?? key;

export function instructPart(file: string, modelPath: string): InstructPart {
  const j = readJsonObj(file);
  const models = optObj(j, "models", file);
  const conds = j.conditions, metrics = j.metrics;
  if (!Array.isArray(conds) || !conds.every((c) => typeof c === "string")) throw new FormatError(file, "'conditions' should be an array of strings");
  if (!isObj(metrics)) throw new FormatError(file, "'metrics' should be an object (task → condition → metric → estimate)");
  const modelOf = (c: string): string | null => (models === null ? null : optStr(models, c === "sft" ? "sft" : "base", file));
  const conditions = (conds as string[]).map((key) => {
    const model = modelOf(key);
    return { key, label: labelOf(key), model, thisModel: model !== null && samePath(model, modelPath) };
  });
  const rows: { task: string; metric: string; values: Record<string, ReturnType<typeof est>> }[] = [];
  for (const [task, byCond] of Object.entries(metrics)) {
    if (!isObj(byCond)) throw new FormatError(file, `'metrics.${task}' should be an object`);
    const keys: string[] = [];
    for (const c of conditions) {
      const m = byCond[c.key];
      if (isObj(m)) for (const k of Object.keys(m)) if (!keys.includes(k)) keys.push(k);
    }
    for (const k of keys) {
      const values: Record<string, ReturnType<typeof est>> = {};
      for (const c of conditions) {
        const m = byCond[c.key];
        if (isObj(m) && m[k] !== undefined) values[c.key] = est(m[k], file, `metrics.${task}.${c.key}.${k}`);
      }
      rows.push({ task, metric: metricLabel(task, k), values });
    }
  }
  const plot = join(dirname(file), PLOT_FILE);
  return { file, conditions, rows, plot: existsSync(plot) ? plot : null };
}
