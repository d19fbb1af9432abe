// The hallucination evaluation's outputs: rag-eval.json (settings, models, every metric with n and 95 % interval),
// rag-answers.jsonl (every answer and its scores), rag-eval.svg (metric × condition bars) and the terminal table;
// and the threshold measurement's rag-threshold.json. Files are written temp + rename.
// Not here: running the evaluation (hallucination.ts) or the sweep (threshold.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../data/files.js";
import type { Estimate } from "../eval/stats.js";
import { barChartSvg } from "../train/plot.js";
import { RAG_CONDITION_LABELS, type RagCondition, type RagEvalResult, type RagMetrics } from "./hallucination.js";
import type { ThresholdSweep } from "./threshold.js";

export const RAG_EVAL_FILE = "rag-eval.json";
export const RAG_ANSWERS_FILE = "rag-answers.jsonl";
export const RAG_PLOT_FILE = "rag-eval.svg";
export const RAG_THRESHOLD_FILE = "rag-threshold.json";

const COLORS: Readonly<Record<RagCondition, string>> = { "closed-book": "#969696", "rag-generate": "#e6550d", "rag-copy": "#fd8d3c", "rag-extract-lexical": "#3182bd", "rag-extract-model": "#31a354" };
const SHOWN: readonly { readonly key: Exclude<keyof RagMetrics, "errors">; readonly label: string }[] = [
  { key: "em", label: "exact match" },
  { key: "f1", label: "character F1" },
  { key: "unsupported", label: "unsupported (of all)" },
  { key: "unsupportedOfAnswered", label: "unsupported (of answered)" },
  { key: "abstained", label: "abstained" },
];

const fmt = (e: Estimate | undefined): string => (e === undefined || !Number.isFinite(e.value) ? "-" : e.interval === "none" ? e.value.toFixed(3) : `${e.value.toFixed(3)} [${e.lo.toFixed(2)}, ${e.hi.toFixed(2)}]`);

export function ragEvalTable(r: RagEvalResult): string {
  const rows: string[][] = [["metric", ...r.conditions.map((c) => RAG_CONDITION_LABELS[c])]];
  for (const { key, label } of SHOWN) rows.push([label, ...r.conditions.map((c) => fmt(r.metrics[c]?.[key]))]);
  rows.push(["errors (no answer)", ...r.conditions.map((c) => String(r.metrics[c]?.errors ?? "-"))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function ragEvalSvg(r: RagEvalResult, title: string): string {
  return barChartSvg(
    {
      groups: SHOWN.map((s) => s.label),
      series: r.conditions.map((c) => ({
        name: RAG_CONDITION_LABELS[c],
        color: COLORS[c],
        bars: SHOWN.map((s) => {
          const e = r.metrics[c]?.[s.key];
          return e === undefined ? { value: NaN } : { value: e.value, lo: e.lo, hi: e.hi };
        }),
      })),
    },
    { title, yLabel: "share / mean (95 % interval)" },
  );
}

/** Writes DIR/rag-eval.json, DIR/rag-answers.jsonl and DIR/rag-eval.svg; returns their paths. */
export function writeRagEval(dir: string, r: RagEvalResult, meta: Readonly<Record<string, unknown>>, title: string): { results: string; answers: string; plot: string } {
  mkdirSync(dir, { recursive: true });
  const { records, ...summary } = r;
  const paths = { results: join(dir, RAG_EVAL_FILE), answers: join(dir, RAG_ANSWERS_FILE), plot: join(dir, RAG_PLOT_FILE) };
  atomicWrite(paths.results, `${JSON.stringify({ kind: "rag-eval", ...meta, ...summary }, null, 2)}\n`);
  atomicWrite(paths.answers, records.map((x) => `${JSON.stringify(x)}\n`).join(""));
  atomicWrite(paths.plot, ragEvalSvg(r, title));
  return paths;
}

export function thresholdTable(sweeps: Readonly<Record<string, ThresholdSweep>>): string {
  const rows = [["negatives, scale", "positives", "negatives", "AUC", "threshold", "precision", "recall", "F1", "false abstain"]];
  for (const [scale, s] of Object.entries(sweeps)) {
    for (const [label, b] of [["best", s.best], ["at", s.at]] as const) {
      if (b === undefined) continue;
      rows.push([scale, String(s.positives), String(s.negatives), s.auc.toFixed(3), `${label} ${b.threshold}`, b.precision.toFixed(3), b.recall.toFixed(3), b.f1.toFixed(3), b.falseAbstain.toFixed(3)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function writeThreshold(dir: string, sweeps: Readonly<Record<string, ThresholdSweep>>, meta: Readonly<Record<string, unknown>>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RAG_THRESHOLD_FILE);
  atomicWrite(path, `${JSON.stringify({ kind: "rag-threshold", ...meta, sweeps }, null, 2)}\n`);
  return path;
}
