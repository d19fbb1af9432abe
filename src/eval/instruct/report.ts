// An instruction evaluation's outputs: the results JSON (settings, models, every metric with n and its 95 %
// interval), the replies as JSONL, one SVG bar chart (task metrics × {base few-shot, base zero-shot, SFT}) and the
// table printed to the terminal. Files are written temp + rename. Not here: running the evaluation (run.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { barChartSvg } from "../../train/plot.js";
import type { Estimate } from "../stats.js";
import { CONDITION_LABELS, type Condition, type InstructEvalResult, type ReplyRecord } from "./run.js";
import { METRIC_NAMES } from "./score.js";

export const RESULTS_FILE = "instruct-eval.json";
export const REPLIES_FILE = "instruct-replies.jsonl";
export const PLOT_FILE = "instruct-eval.svg";

const COLORS: Readonly<Record<Condition, string>> = { "base-few-shot": "#9ecae1", "base-zero-shot": "#4292c6", sft: "#e6550d" };

/** The metrics the chart shows (shares of replies and mean scores, all in [0, 1]). */
const PLOTTED: readonly { readonly task: string; readonly key: string; readonly label: string }[] = [
  { task: "cefr-level", key: "exact", label: "CEFR exact" },
  { task: "cefr-level", key: "within-one", label: "CEFR ±1 level" },
  { task: "story-words", key: "all-words", label: "story: all words" },
  { task: "story-words", key: "word-share", label: "story: word share" },
  { task: "simplify", key: "rouge-l", label: "simplify ROUGE-L" },
];

/** Where the models came from, for the JSON. */
export interface EvalModels {
  readonly sft: string;
  readonly base: string | null;
  readonly data: string;
}

export const fmtEstimate = (e: Estimate | undefined): string =>
  e === undefined || !Number.isFinite(e.value) ? "-" : e.interval === "none" ? e.value.toFixed(3) : `${e.value.toFixed(3)} [${e.lo.toFixed(2)}, ${e.hi.toFixed(2)}]`;

/** Rows of "task  metric  n  <condition columns>", each cell the value and its 95 % interval. */
export function instructEvalTable(r: InstructEvalResult): string {
  const head = ["task", "metric", "n", ...r.conditions.map((c) => CONDITION_LABELS[c])];
  const rows: string[][] = [head];
  for (const task of r.tasks) {
    for (const { key, label } of METRIC_NAMES[task]) {
      const per = r.conditions.map((c) => r.metrics[task]?.[c]?.[key]);
      rows.push([task, label, String(per.find((e) => e !== undefined)?.n ?? 0), ...per.map(fmtEstimate)]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const notes = Object.entries(r.baselines).map(([task, b]) => `${task}: the constant reply ${b.reply} (the training split's most common level) scores exact ${fmtEstimate(b.metrics.exact)}, within one ${fmtEstimate(b.metrics["within-one"])}`);
  return [...rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()), ...notes].join("\n");
}

export function instructEvalSvg(r: InstructEvalResult, title: string): string {
  const shown = PLOTTED.filter((p) => (r.tasks as readonly string[]).includes(p.task));
  return barChartSvg(
    {
      groups: shown.map((p) => p.label),
      series: r.conditions.map((c) => ({
        name: CONDITION_LABELS[c],
        color: COLORS[c],
        bars: shown.map((p) => {
          const e = r.metrics[p.task]?.[c]?.[p.key];
          return e === undefined ? { value: NaN } : { value: e.value, lo: e.lo, hi: e.hi };
        }),
      })),
    },
    { title, yLabel: "share / mean score (95 % interval)" },
  );
}

/** Writes DIR/instruct-eval.json, DIR/instruct-replies.jsonl and DIR/instruct-eval.svg; returns their paths. */
export function writeInstructEval(dir: string, r: InstructEvalResult, models: EvalModels, title = "held-out instruction tasks"): { results: string; replies: string; plot: string } {
  mkdirSync(dir, { recursive: true });
  const { replies, ...summary } = r;
  const paths = { results: join(dir, RESULTS_FILE), replies: join(dir, REPLIES_FILE), plot: join(dir, PLOT_FILE) };
  atomicWrite(paths.results, `${JSON.stringify({ kind: "instruct-eval", models, ...summary }, null, 2)}\n`);
  atomicWrite(paths.replies, replies.map((x) => `${JSON.stringify(x)}\n`).join(""));
  atomicWrite(paths.plot, instructEvalSvg(r, title));
  return paths;
}

const oneLine = (s: string, n = 160): string => s.replace(/\s+/g, " ").trim().slice(0, n) || "(nothing)";

/** What a reply scored, in a few words. */
function scoreNote(s: ReplyRecord["score"]): string {
  switch (s.task) {
    case "cefr-level":
      return `level ${s.parsed ?? "none"}, gold ${s.gold}`;
    case "story-words":
      return `${s.present.length}/${s.required.length} words`;
    case "simplify":
      return `ROUGE-L ${s.rougeL.toFixed(2)}`;
  }
}

/** The first held-out query of each task with every condition's reply and score, for the terminal. */
export function sampleLines(r: InstructEvalResult): string[] {
  const out: string[] = [];
  for (const task of r.tasks) {
    const first = r.replies.find((x) => x.task === task);
    if (first === undefined) continue;
    out.push(`[${task}] ${oneLine(first.instruction)}`);
    for (const c of r.conditions) {
      const x = r.replies.find((y) => y.task === task && y.condition === c && y.id === first.id);
      if (x !== undefined) out.push(`  ${`${CONDITION_LABELS[c]}:`.padEnd(16)}${oneLine(x.reply)}  (${scoreNote(x.score)})`);
    }
  }
  return out;
}
