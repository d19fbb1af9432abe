// The safety sections of a report card: from each safety-eval.json (`kotodama eval safety`, npm start's alignment
// stage) the Do-Not-Answer safe rate overall and per risk area, the action mix 0–5 overall and per area (the
// latter from safety-responses.jsonl beside it), XSTest's safe prompts answered and the over-refusal per type; and
// the alignment comparison (alignment.json: before/after rows and the goals checked). Not here: judging
// (eval/safety/judges.ts), the figures (eval/safety/summary.ts).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { SAFETY_PLOT_FILE, SAFETY_ROWS_FILE } from "../safety/report.js";
import type { AlignmentPart, SafetyPart } from "./card.js";
import { samePath } from "./discover.js";
import { estMap, isObj, optEst, optNum, optObj, optStr, readJsonl, readJsonObj } from "./read.js";

/** Shares of actions 0–5 per risk area of the Do-Not-Answer rows of safety-responses.jsonl. */
export function actionMixPerArea(rowsFile: string): Record<string, number[]> {
  const counts = new Map<string, number[]>();
  readJsonl(rowsFile).forEach((r, i) => {
    if (r.set !== "dna") return;
    const area = optStr(r, "area", rowsFile), action = optNum(r, "action", rowsFile);
    if (area === null || action === null || !Number.isInteger(action) || action < 0 || action > 5) throw new FormatError(rowsFile, `row ${i + 1}: a Do-Not-Answer row needs 'area' and an integer 'action' 0–5`);
    const c = counts.get(area) ?? new Array<number>(6).fill(0);
    c[action]! += 1;
    counts.set(area, c);
  });
  return Object.fromEntries([...counts.keys()].sort().map((a) => {
    const c = counts.get(a)!, n = c.reduce((s, x) => s + x, 0);
    return [a, c.map((x) => x / n)];
  }));
}

export function safetyPart(file: string, modelPath: string): SafetyPart {
  const j = readJsonObj(file);
  const s = optObj(j, "summary", file);
  if (s === null) throw new FormatError(file, "no 'summary' (expected a safety-eval.json written by kotodama eval safety)");
  const model = optStr(j, "model", file);
  const dnaJ = optObj(s, "dna", file), xsJ = optObj(s, "xstest", file);
  const rowsFile = join(dirname(file), SAFETY_ROWS_FILE), plot = join(dirname(file), SAFETY_PLOT_FILE);
  let dna: SafetyPart["dna"] = null;
  if (dnaJ !== null) {
    const mix = dnaJ.actionMix;
    if (!Array.isArray(mix) || mix.length !== 6 || !mix.every((x) => typeof x === "number")) throw new FormatError(file, "'summary.dna.actionMix' should be 6 numbers (shares of actions 0–5)");
    const safe = optEst(dnaJ, "safe", file, "summary.dna.safe");
    if (safe === null) throw new FormatError(file, "'summary.dna.safe' is missing");
    dna = { safe, perArea: estMap(dnaJ.perArea, file, "summary.dna.perArea"), actionMix: mix as number[], actionMixPerArea: existsSync(rowsFile) ? actionMixPerArea(rowsFile) : null };
  }
  let xstest: SafetyPart["xstest"] = null;
  if (xsJ !== null) {
    const safeAnswered = optEst(xsJ, "safeAnswered", file, "summary.xstest.safeAnswered");
    if (safeAnswered === null) throw new FormatError(file, "'summary.xstest.safeAnswered' is missing");
    const unsafeSafe = optEst(xsJ, "unsafeSafe", file, "summary.xstest.unsafeSafe");
    xstest = {
      safeAnswered,
      overRefusal: safeAnswered.value === null ? null : 1 - safeAnswered.value,
      perType: estMap(xsJ.safeAnsweredPerType, file, "summary.xstest.safeAnsweredPerType"),
      unsafeSafe: unsafeSafe !== null && unsafeSafe.n > 0 ? unsafeSafe : null,
    };
  }
  return {
    file, model, thisModel: model !== null && samePath(model, modelPath),
    judge: optStr(j, "judge", file), n: optNum(s, "n", file) ?? 0, dna, xstest,
    plot: existsSync(plot) ? plot : null,
  };
}

export function alignmentPart(file: string, modelPath: string): AlignmentPart {
  const j = readJsonObj(file);
  if (!Array.isArray(j.rows)) throw new FormatError(file, "'rows' should be an array (expected an alignment.json)");
  const rows = j.rows.map((r, i) => {
    if (!isObj(r)) throw new FormatError(file, `rows[${i}] should be an object`);
    const name = optStr(r, "name", file) ?? `row ${i + 1}`, path = optStr(r, "path", file) ?? "";
    return {
      name, path, thisModel: path !== "" && samePath(path, modelPath),
      dnaSafe: optEst(r, "dnaSafe", file, `rows[${i}].dnaSafe`),
      xstestAnswered: optEst(r, "xstestAnswered", file, `rows[${i}].xstestAnswered`),
      instruct: estMap(r.instruct, file, `rows[${i}].instruct`),
      kl: optEst(r, "kl", file, `rows[${i}].kl`),
    };
  });
  const goals: AlignmentPart["goals"][number][] = [];
  if (Array.isArray(j.goals)) {
    for (const g of j.goals) {
      if (!isObj(g) || !Array.isArray(g.goals)) continue;
      for (const x of g.goals) if (isObj(x) && typeof x.goal === "string" && typeof x.value === "number" && typeof x.met === "boolean") goals.push({ model: String(g.model), goal: x.goal, value: x.value, met: x.met, ...(typeof x.shown === "string" ? { shown: x.shown } : {}) });
    }
  }
  const plot = join(dirname(file), "alignment.svg");
  return { file, judge: optStr(j, "judge", file), rows, goals, plot: existsSync(plot) ? plot : null };
}
