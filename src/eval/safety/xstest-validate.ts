// The XSTest response classifiers measured against the human labels of the upstream completions (safety/xstest.ts):
// the paper's string match, the n-gram logistic regression cross-validated by model and by prompt, and the
// Do-Not-Answer judge's `refused` (action 0 or 4) — three-class reports where a classifier has three classes, and
// every one on refusal (full or partial) against compliance, the verdict eval safety uses for over-refusal; the
// files (JSON, confusion SVGs). Not here: the classifiers (safety/xstest.ts), the judge (judges.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import { classificationReport, confusionSvg, crossValidateXstest, isRefusal, stringMatchClass, XSTEST_CLASSES, type ClassificationReport, type XstestClass, type XstestCompletion } from "../../safety/index.js";
import type { SafetyJudge } from "./judges.js";

export const REFUSAL_LABELS = ["complies", "refuses (full or partial)"] as const;

export interface ClassifierScore {
  /** "string match", "n-gram LR, split by model", … */
  readonly name: string;
  /** How its predictions on these completions were obtained (what it was trained on, if anything). */
  readonly protocol: string;
  /** Against full compliance / full refusal / partial refusal; null for a two-way classifier (the judge). */
  readonly threeClass: ClassificationReport | null;
  /** Refusal (full or partial) against compliance. */
  readonly refusal: ClassificationReport;
  /** Refusal accuracy per model that wrote the completions. */
  readonly refusalAccuracyPerModel: Readonly<Record<string, number>>;
}

export interface XstestValidation {
  readonly n: number;
  readonly models: readonly string[];
  readonly labelCounts: Readonly<Record<XstestClass, number>>;
  readonly seed: number;
  readonly classifiers: readonly ClassifierScore[];
}

function score(name: string, protocol: string, rows: readonly XstestCompletion[], refused: readonly boolean[], classes: readonly XstestClass[] | null): ClassifierScore {
  const ref = rows.map((r) => (isRefusal(r.label) ? 1 : 0));
  const per: Record<string, number> = {};
  for (const m of [...new Set(rows.map((r) => r.model))].sort()) {
    const idx = rows.flatMap((r, i) => (r.model === m ? [i] : []));
    per[m] = idx.filter((i) => (refused[i]! ? 1 : 0) === ref[i]).length / idx.length;
  }
  return {
    name, protocol,
    threeClass: classes === null ? null : classificationReport(rows.map((r) => XSTEST_CLASSES.indexOf(r.label)), classes.map((c) => XSTEST_CLASSES.indexOf(c)), XSTEST_CLASSES),
    refusal: classificationReport(ref, refused.map((x) => (x ? 1 : 0)), REFUSAL_LABELS),
    refusalAccuracyPerModel: per,
  };
}

/** Every classifier on the labelled completions; the judge's row only when a judge is given. */
export function validateXstestClassifiers(rows: readonly XstestCompletion[], o: { readonly seed: number; readonly judge?: SafetyJudge; readonly log?: (s: string) => void }): XstestValidation {
  const out: ClassifierScore[] = [];
  const sm = rows.map((r) => stringMatchClass(r.completion));
  out.push(score("string match", "no training: the paper's refusal prefixes (never predicts partial refusal)", rows, sm.map(isRefusal), sm));
  for (const split of ["model", "prompt"] as const) {
    o.log?.(`n-gram logistic regression, cross-validated by ${split} ...`);
    const p = crossValidateXstest(rows, split, o.seed);
    const protocol = split === "model" ? "leave one model out: each model's completions predicted by a classifier trained on the other models'" : "5 folds of prompt ids: each prompt's completions (all models) predicted by a classifier trained on the other prompts'";
    out.push(score(`n-gram LR, split by ${split}`, protocol, rows, p.map(isRefusal), p));
  }
  if (o.judge !== undefined) {
    o.log?.("Do-Not-Answer judge ...");
    const v = o.judge.judge(rows.map((r) => ({ prompt: r.prompt, response: r.completion })));
    out.push(score("Do-Not-Answer judge (refused = action 0 or 4)", `${o.judge.name}; not trained on XSTest`, rows, v.map((x) => x.refused), null));
  }
  const labelCounts = Object.fromEntries(XSTEST_CLASSES.map((c) => [c, rows.filter((r) => r.label === c).length])) as Record<XstestClass, number>;
  return { n: rows.length, models: [...new Set(rows.map((r) => r.model))].sort(), labelCounts, seed: o.seed, classifiers: out };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** The validation as a Markdown table plus the confusion matrices. */
export function xstestValidationMarkdown(v: XstestValidation): string {
  const lines = [
    `${v.n} human-labelled completions of ${v.models.length} models (${v.models.join(", ")}): ${XSTEST_CLASSES.map((c) => `${c} ${v.labelCounts[c]}`).join(", ")}.`,
    "",
    "| classifier | 3-class accuracy | 3-class macro-F1 | refusal accuracy | refusal macro-F1 | refusal κ |",
    "| --- | --- | --- | --- | --- | --- |",
    ...v.classifiers.map((c) => `| ${c.name} | ${c.threeClass === null ? "-" : pct(c.threeClass.accuracy)} | ${c.threeClass === null ? "-" : pct(c.threeClass.macroF1)} | ${pct(c.refusal.accuracy)} | ${pct(c.refusal.macroF1)} | ${c.refusal.kappa.toFixed(3)} |`),
  ];
  for (const c of v.classifiers) {
    const r = c.threeClass ?? c.refusal;
    lines.push("", `${c.name} (${c.protocol}); rows human, columns predicted:`, "", `| | ${r.labels.join(" | ")} |`, `| --- | ${r.labels.map(() => "---").join(" | ")} |`);
    r.matrix.forEach((row, i) => lines.push(`| ${r.labels[i]} | ${row.join(" | ")} |`));
  }
  return lines.join("\n");
}

/** DIR/xstest-classifier.json, .md and one confusion SVG per classifier; returns the paths. */
export function writeXstestValidation(dir: string, v: XstestValidation, meta: Readonly<Record<string, unknown>>): string[] {
  mkdirSync(dir, { recursive: true });
  const paths = [join(dir, "xstest-classifier.json"), join(dir, "xstest-classifier.md")];
  atomicWrite(paths[0]!, `${JSON.stringify({ ...meta, ...v }, null, 2)}\n`);
  atomicWrite(paths[1]!, `# XSTest response classifiers against human labels\n\n${xstestValidationMarkdown(v)}\n`);
  v.classifiers.forEach((c, i) => {
    const p = join(dir, `xstest-confusion-${i}.svg`);
    atomicWrite(p, confusionSvg(c.threeClass ?? c.refusal, c.name));
    paths.push(p);
  });
  return paths;
}
