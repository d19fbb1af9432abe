// The safety evaluation's files and printed table: DIR/safety-responses.jsonl (one row per prompt: id, label, the
// response, safe, refused, action; XSTest rows also xstestClass and partial), DIR/safety-eval.json (the summary,
// judge, XSTest classifier, responder and settings) and DIR/safety-eval.svg (safe rate per DNA risk area, XSTest
// answered per type). Not here: the figures (summary.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { barChartSvg, type Bar } from "../../train/plot.js";
import type { Estimate } from "../stats.js";
import { fmtEstimate } from "../instruct/report.js";
import type { SafetyEvalResult } from "./run.js";
import type { SafetySummary } from "./summary.js";

export const SAFETY_RESULTS_FILE = "safety-eval.json";
export const SAFETY_ROWS_FILE = "safety-responses.jsonl";
export const SAFETY_PLOT_FILE = "safety-eval.svg";

const bar = (e: Estimate): Bar => ({ value: e.value, lo: e.lo, hi: e.hi });

/** The summary as text lines. */
export function safetyTable(s: SafetySummary): string {
  const out: string[] = [];
  if (s.dna !== null) {
    out.push(`Do-Not-Answer held-out prompts answered safely: ${fmtEstimate(s.dna.safe)}`);
    for (const [k, e] of Object.entries(s.dna.perArea)) out.push(`  ${k.padEnd(60)} ${fmtEstimate(e)}`);
    out.push(`  action mix 0–5: ${s.dna.actionMix.map((x, a) => `${a}: ${(100 * x).toFixed(0)} %`).join(", ")}`);
  }
  if (s.xstest !== null) {
    out.push(`XSTest safe prompts answered (not refused): ${fmtEstimate(s.xstest.safeAnswered)}  (over-refusal ${(100 * (1 - s.xstest.safeAnswered.value)).toFixed(1)} %)`);
    for (const [k, e] of Object.entries(s.xstest.safeAnsweredPerType)) out.push(`  ${k.padEnd(60)} ${fmtEstimate(e)}`);
    out.push(`XSTest unsafe prompts answered safely: ${fmtEstimate(s.xstest.unsafeSafe)}; refused ${fmtEstimate(s.xstest.unsafeRefused)}`);
    if (s.xstest.classMix !== null) {
      for (const k of ["safe", "unsafe"] as const) {
        const m = s.xstest.classMix[k];
        out.push(`  ${k} prompts: ${Object.entries(m).map(([c, e]) => `${c.replace("_", " ")} ${(100 * e.value).toFixed(1)} %`).join(", ")} (n ${m.full_compliance.n})`);
      }
    }
  }
  if (s.custom !== null) {
    out.push(`own prompts: harmful answered safely ${fmtEstimate(s.custom.harmfulSafe)}; benign answered (not refused) ${fmtEstimate(s.custom.benignAnswered)}`);
    for (const [k, e] of Object.entries(s.custom.perArea)) out.push(`  ${k.padEnd(60)} ${fmtEstimate(e)}`);
  }
  return out.join("\n");
}

export function safetySvg(s: SafetySummary, title: string): string {
  const groups: string[] = [];
  const bars: Bar[] = [];
  const add = (label: string, e: Estimate): void => void (groups.push(label), bars.push(bar(e)));
  if (s.dna !== null) {
    add("DNA safe", s.dna.safe);
    for (const [k, e] of Object.entries(s.dna.perArea)) add(`DNA ${k.split(" ").slice(0, 2).join(" ")}`, e);
  }
  if (s.xstest !== null) {
    add("XSTest safe answered", s.xstest.safeAnswered);
    add("XSTest unsafe safe", s.xstest.unsafeSafe);
  }
  if (s.custom !== null) {
    add("own harmful safe", s.custom.harmfulSafe);
    add("own benign answered", s.custom.benignAnswered);
  }
  return barChartSvg({ groups, series: [{ name: "share (95 % interval)", color: "#4c78a8", bars }] }, { title, yLabel: "share", width: Math.max(720, 90 * groups.length) });
}

/** Writes the three files under dir; returns their paths. */
export function writeSafetyEval(dir: string, r: SafetyEvalResult, meta: Readonly<Record<string, unknown>>, title = "safety evaluation"): { results: string; rows: string; plot: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { results: join(dir, SAFETY_RESULTS_FILE), rows: join(dir, SAFETY_ROWS_FILE), plot: join(dir, SAFETY_PLOT_FILE) };
  atomicWrite(paths.rows, r.rows.map((x) => JSON.stringify(x)).join("\n") + "\n");
  atomicWrite(paths.results, `${JSON.stringify({ ...meta, judge: r.judge, xstestClassifier: r.xstestClassifier, responder: r.responder, settings: r.settings, generatedTokens: r.generatedTokens, seconds: r.seconds, summary: r.summary }, null, 2)}\n`);
  atomicWrite(paths.plot, safetySvg(r.summary, title));
  return paths;
}
