// The safety evaluation's files and printed table: DIR/safety-responses.jsonl (one row per prompt: id, label, the
// response, safe, refused, action; XSTest rows also xstestClass and partial), DIR/safety-eval.json (the summary,
// judge, XSTest classifier, responder and settings) and DIR/safety-eval.svg (safe rate per DNA risk area, XSTest
// answered per type; with prompts in two languages, English and Japanese bars side by side, and the printed table
// gains an EN | JA block). Not here: the figures (summary.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { barChartSvg, type Bar } from "../../train/plot.js";
import type { Estimate } from "../stats.js";
import { fmtEstimate } from "../instruct/report.js";
import type { SafetyEvalResult } from "./run.js";
import type { DnaSummary, SafetySummary } from "./summary.js";

export const SAFETY_RESULTS_FILE = "safety-eval.json";
export const SAFETY_ROWS_FILE = "safety-responses.jsonl";
export const SAFETY_PLOT_FILE = "safety-eval.svg";

const bar = (e: Estimate): Bar => ({ value: e.value, lo: e.lo, hi: e.hi });

const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
const mixText = (m: readonly number[]): string => m.map(pct).join(" / ");

/** Do-Not-Answer figures of several prompt languages side by side, one column per language: safe, refused and the
 *  action mix 0–5, overall and per risk area. */
export function langTable(byLang: Readonly<Record<string, DnaSummary>>): string {
  const langs = Object.keys(byLang);
  const areas = [...new Set(langs.flatMap((l) => Object.keys(byLang[l]!.perArea)))].sort();
  const cols = langs.map((l) => l.toUpperCase());
  const W = 40, CELL = 40;
  const line = (label: string, cell: (d: DnaSummary) => string): string => `  ${label.padEnd(W)} ${langs.map((l) => cell(byLang[l]!).padEnd(CELL)).join(" ")}`.trimEnd();
  const out = [`Do-Not-Answer held-out prompts by language: ${cols.join(" | ")}`, `  ${"".padEnd(W)} ${cols.map((c) => c.padEnd(CELL)).join(" ")}`.trimEnd()];
  const est = (e: Estimate | undefined): string => (e === undefined ? "–" : `${fmtEstimate(e)} (n ${e.n})`);
  out.push(line("answered safely", (d) => est(d.safe)));
  out.push(line("refused (action 0 or 4)", (d) => est(d.refused)));
  out.push(line("action mix 0/1/2/3/4/5", (d) => mixText(d.actionMix)));
  for (const a of areas) {
    const short = a.length > W - 2 ? `${a.slice(0, W - 3)}…` : a;
    out.push(`  ${short}`);
    out.push(line("    safe", (d) => est(d.perArea[a])));
    out.push(line("    refused", (d) => est(d.refusedPerArea[a])));
    out.push(line("    action mix", (d) => (d.actionMixPerArea[a] === undefined ? "–" : mixText(d.actionMixPerArea[a]!))));
  }
  return out.join("\n");
}

/** The summary as text lines. */
export function safetyTable(s: SafetySummary): string {
  const out: string[] = [];
  if (s.dnaByLang !== null && Object.keys(s.dnaByLang).length > 1) out.push(langTable(s.dnaByLang));
  else if (s.dna !== null) {
    out.push(`Do-Not-Answer held-out prompts answered safely: ${fmtEstimate(s.dna.safe)}`);
    for (const [k, e] of Object.entries(s.dna.perArea)) out.push(`  ${k.padEnd(60)} ${fmtEstimate(e)}`);
    out.push(`  action mix 0–5: ${s.dna.actionMix.map((x, a) => `${a}: ${(100 * x).toFixed(0)} %`).join(", ")}`);
    out.push(`  refused (action 0 or 4): ${fmtEstimate(s.dna.refused)}${s.dnaByLang !== null ? ` (prompts in ${Object.keys(s.dnaByLang).join(", ")})` : ""}`);
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

const LANG_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756"];
const NO_BAR: Bar = { value: NaN };

/** Bars of every figure; with Do-Not-Answer prompts in several languages, one series per language for the DNA
 *  groups (safe and refused, overall and per area) and the other groups in the first series. */
export function safetySvg(s: SafetySummary, title: string): string {
  const langs = s.dnaByLang !== null && Object.keys(s.dnaByLang).length > 1 ? Object.keys(s.dnaByLang) : null;
  const groups: string[] = [];
  const series: Bar[][] = (langs ?? ["all"]).map(() => []);
  const add = (label: string, e: Estimate): void => void (groups.push(label), series.forEach((b, i) => b.push(i === 0 ? bar(e) : NO_BAR)));
  const addLangs = (label: string, f: (d: DnaSummary) => Estimate | undefined): void => {
    groups.push(label);
    langs!.forEach((l, i) => {
      const e = f(s.dnaByLang![l]!);
      series[i]!.push(e === undefined ? NO_BAR : bar(e));
    });
  };
  const shortArea = (k: string): string => k.split(" ").slice(0, 2).join(" ");
  if (langs !== null) {
    const areas = [...new Set(langs.flatMap((l) => Object.keys(s.dnaByLang![l]!.perArea)))].sort();
    addLangs("DNA safe", (d) => d.safe);
    addLangs("DNA refused", (d) => d.refused);
    for (const k of areas) addLangs(`DNA ${shortArea(k)}`, (d) => d.perArea[k]);
  } else if (s.dna !== null) {
    add("DNA safe", s.dna.safe);
    for (const [k, e] of Object.entries(s.dna.perArea)) add(`DNA ${shortArea(k)}`, e);
  }
  if (s.xstest !== null) {
    add("XSTest safe answered", s.xstest.safeAnswered);
    add("XSTest unsafe safe", s.xstest.unsafeSafe);
  }
  if (s.custom !== null) {
    add("own harmful safe", s.custom.harmfulSafe);
    add("own benign answered", s.custom.benignAnswered);
  }
  const named = langs === null ? [{ name: "share (95 % interval)", color: LANG_COLORS[0]!, bars: series[0]! }]
    : langs.map((l, i) => ({ name: `${l.toUpperCase()} prompts${i === 0 && (s.xstest !== null || s.custom !== null) ? " (and the other sets)" : ""} (95 % interval)`, color: LANG_COLORS[i % LANG_COLORS.length]!, bars: series[i]! }));
  return barChartSvg({ groups, series: named }, { title, yLabel: "share", width: Math.max(720, 90 * groups.length) });
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
