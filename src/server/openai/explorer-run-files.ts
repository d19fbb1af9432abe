// What the explorer shows from a run's other outputs: the data-pipeline report (DIR/data/report.json: documents in
// and kept per stage, with the reasons for removal), the canary exposure (DIR/canaries.json, read by the report
// card's own reader, src/eval/report/memorization.ts) and the alignment comparison (DIR/alignment.json, read by
// src/eval/report/safety.ts), as JSON without the machine's paths; and an HTML report with its <style> split out
// (the server's CSP, default-src 'self', refuses inline styles).
// Not here: finding runs (explorer-runs.ts), routes (explorer-app.ts), writing any of these files.
import { readFileSync } from "node:fs";
import { canaryPart } from "../../eval/report/memorization.js";
import { alignmentPart } from "../../eval/report/safety.js";
import type { AlignmentPart, CanaryPart } from "../../eval/report/card.js";
import { ApiError } from "./errors.js";

/** One stage of the data pipeline: documents in, kept, removed, and why (reason → documents). */
export interface DataStage {
  readonly name: string;
  readonly docsIn: number;
  readonly kept: number;
  readonly removed: number;
  /** Documents whose text the stage changed (normalisation, PII masking) but kept. */
  readonly changed: number;
  readonly reasons: Readonly<Record<string, number>>;
}

export interface DataReportJson {
  readonly stages: readonly DataStage[];
  readonly seconds: number | null;
}

const count = (v: unknown, file: string, where: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ApiError(500, `${file}: ${where}: expected a count, got ${JSON.stringify(v) ?? "nothing"}`);
  return v;
};

/** The stages of a data report.json (src/data/report.ts writeReport); a file of another shape is a 500 naming it. */
export function readDataReport(file: string): DataReportJson {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ApiError(500, `data report: ${(e as Error).message}`);
  }
  const stages = (j as { stats?: { stages?: unknown } } | null)?.stats?.stages;
  if (!Array.isArray(stages)) throw new ApiError(500, "data report: expected stats.stages (a report.json of kotodama data)");
  return {
    seconds: typeof (j as { seconds?: unknown }).seconds === "number" ? (j as { seconds: number }).seconds : null,
    stages: stages.map((s: Record<string, unknown>, i) => {
      const docsIn = count(s.docsIn, "report.json", `stats.stages[${i}].docsIn`), kept = count(s.docsOut, "report.json", `stats.stages[${i}].docsOut`);
      const reasons = typeof s.reasons === "object" && s.reasons !== null ? Object.fromEntries(Object.entries(s.reasons).filter((e): e is [string, number] => typeof e[1] === "number")) : {};
      return { name: String(s.name), docsIn, kept, removed: docsIn - kept, changed: typeof s.changed === "number" ? s.changed : 0, reasons };
    }),
  };
}

export type CanariesJson = Omit<CanaryPart, "file" | "stage" | "plot">;

/** Each canary's and control's final exposure and the mean exposure at every evaluation. */
export function readCanaries(file: string): CanariesJson {
  const { file: _f, stage: _s, plot: _p, ...rest } = canaryPart(file);
  return rest;
}

export interface AlignmentJson {
  readonly judge: string | null;
  readonly rows: readonly Omit<AlignmentPart["rows"][number], "path" | "thisModel">[];
  readonly goals: AlignmentPart["goals"];
}

/** The alignment comparison: a row per checkpoint (DNA safe, XSTest answered, instruction scores, KL), the goals. */
export function readAlignment(file: string): AlignmentJson {
  const a = alignmentPart(file, "");
  return { judge: a.judge, rows: a.rows.map(({ path: _p, thisModel: _t, ...r }) => r), goals: a.goals };
}

/** An HTML report with its <style> blocks moved to `cssHref` (served apart): the page and its stylesheet. */
export function splitStyles(html: string, cssHref: string): { html: string; css: string } {
  const css: string[] = [];
  const link = `<link rel="stylesheet" href="${cssHref}">`;
  const out = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, body: string) => (css.push(body), css.length === 1 ? link : ""));
  return { html: out, css: css.join("\n") };
}
