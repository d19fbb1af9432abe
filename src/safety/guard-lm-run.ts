// One `kotodama safety guard lm` run: open the model or endpoint; optionally calibrate its thresholds on the n-gram
// guard's calibration prompts (guard-data.ts: a quarter of every training source held apart, never a test set) to a
// target recall; optionally measure it on the held-out Do-Not-Answer prompts, XSTest and the held-out responses
// (guard-measure.ts, as for the n-gram guard); and write guard.json, config.json (the resolved settings, calibration
// and measurement options), calibration.json + reliability.svg when calibrated, metrics.json + guard.svg when
// measured. Not here: the flags (cli/commands/safety.ts), the guard (guard-lm-model.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../data/files.js";
import { measureGuard, type GuardMeasurement, type MeasureOptions } from "./guard-measure.js";
import { inputCheckOf, openLmGuard, saveLmGuard, type LmGuard, type LmGuardSettings } from "./guard-lm-model.js";
import { guardMetricsSvg, reliabilitySvg } from "./guard-run.js";
import type { ScoredPrompt, ThresholdMode } from "./guard-calibration.js";
import { loadGuardData } from "./guard-data.js";
import { GUARD_DEFAULTS } from "./guard-model.js";
import { calibrateScores, type GuardCalibrationReport } from "./guard-train.js";
import { areaOfClass } from "./guard-taxonomy.js";
import { KotodamaError } from "../util/errors.js";

export interface LmGuardRunResult {
  readonly guard: LmGuard;
  /** Null when not measured (no data folder, or asked not to). */
  readonly measured: GuardMeasurement | null;
  /** Null when not calibrated (the thresholds are settings.threshold). */
  readonly calibration: GuardCalibrationReport | null;
  readonly seconds: number;
  readonly files: readonly string[];
}

export interface LmCalibrateOptions {
  readonly dataDir: string;
  /** Calibration prompts judged, evenly spaced through the pool (default all: 205 risky + 957 benign). */
  readonly limit?: number;
  readonly recall: number;
  readonly mode: ThresholdMode;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Judges the calibration prompts and sets the thresholds for the target recall on them. */
export async function calibrateLmGuard(g: LmGuard, o: LmCalibrateOptions): Promise<{ guard: LmGuard; calibration: GuardCalibrationReport }> {
  const d = GUARD_DEFAULTS;
  const data = loadGuardData(o.dataDir, { seed: d.seed, calibFraction: d.calibFraction, maxWiki: d.maxWiki, maxJa: d.maxJa, borderline: d.borderline, questionForms: d.questionForms, contrasts: false });
  const pool = o.limit === undefined || o.limit >= data.calib.length ? data.calib : Array.from({ length: o.limit }, (_, i) => data.calib[Math.floor((i * data.calib.length) / o.limit!)]!);
  const scored: ScoredPrompt[] = [];
  for (const x of pool) {
    const c = inputCheckOf(g, x.text, await g.judge.judge([{ role: "user", content: x.text }]));
    scored.push({ unsafe: c.unsafe, predictedArea: c.area, trueArea: x.label === 0 ? null : areaOfClass(x.label) });
    o.onProgress?.(scored.length, pool.length);
  }
  if (!scored.some((x) => x.trueArea !== null)) throw new KotodamaError(`LM guard calibration: the ${pool.length} calibration prompts judged hold no risky one; judge more (a larger limit)`);
  const { thresholds, calibration } = calibrateScores([{ name: "main", xs: scored }], o.recall, o.mode);
  return { guard: { ...g, thresholds }, calibration };
}

export async function runLmGuard(outDir: string, settings: LmGuardSettings, calibrate: LmCalibrateOptions | null, measure: { readonly dataDir: string; readonly options: MeasureOptions } | null, where: (field: string) => string): Promise<LmGuardRunResult> {
  const t0 = performance.now();
  const opened = openLmGuard(settings, where);
  const cal = calibrate === null ? null : await calibrateLmGuard(opened, calibrate);
  const guard = cal === null ? opened : cal.guard;
  const measured = measure === null ? null : await measureGuard(guard, measure.dataDir, { passes: 1, ...measure.options });
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, text: string): string => {
    atomicWrite(join(outDir, name), text);
    return join(outDir, name);
  };
  const seconds = (performance.now() - t0) / 1000;
  const { onProgress: _, ...options } = measure?.options ?? {};
  const { onProgress: __, ...calOptions } = calibrate ?? {};
  const files = [
    saveLmGuard(outDir, guard),
    write("config.json", `${JSON.stringify({ command: "safety guard lm", settings: guard.settings, judge: guard.judge.settings, calibrate: calibrate === null ? null : calOptions, measure: measure === null ? null : { dataDir: measure.dataDir, ...options } }, null, 2)}\n`),
    ...(cal === null ? [] : [write("calibration.json", `${JSON.stringify(cal.calibration, null, 2)}\n`), write("reliability.svg", reliabilitySvg(cal.calibration))]),
    ...(measured === null ? [] : [write("metrics.json", `${JSON.stringify({ ...measured, judge: guard.judge.name, seconds }, null, 2)}\n`), write("guard.svg", guardMetricsSvg(measured))]),
  ];
  return { guard, measured, calibration: cal?.calibration ?? null, seconds, files };
}
