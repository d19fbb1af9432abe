// One `kotodama safety guard lm` run: open the model or endpoint, optionally measure the guard on the held-out
// Do-Not-Answer prompts, XSTest and the held-out responses (guard-measure.ts, as for the n-gram guard), and write
// guard.json, config.json (the resolved settings and measurement options) and, when measured, metrics.json and
// guard.svg. Not here: the flags (cli/commands/safety.ts), the guard (guard-lm-model.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../data/files.js";
import { measureGuard, type GuardMeasurement, type MeasureOptions } from "./guard-measure.js";
import { openLmGuard, saveLmGuard, type LmGuard, type LmGuardSettings } from "./guard-lm-model.js";
import { guardMetricsSvg } from "./guard-run.js";

export interface LmGuardRunResult {
  readonly guard: LmGuard;
  /** Null when not measured (no data folder, or asked not to). */
  readonly measured: GuardMeasurement | null;
  readonly seconds: number;
  readonly files: readonly string[];
}

export async function runLmGuard(outDir: string, settings: LmGuardSettings, measure: { readonly dataDir: string; readonly options: MeasureOptions } | null, where: (field: string) => string): Promise<LmGuardRunResult> {
  const t0 = performance.now();
  const guard = openLmGuard(settings, where);
  const measured = measure === null ? null : await measureGuard(guard, measure.dataDir, { passes: 1, ...measure.options });
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, text: string): string => {
    atomicWrite(join(outDir, name), text);
    return join(outDir, name);
  };
  const seconds = (performance.now() - t0) / 1000;
  const { onProgress: _, ...options } = measure?.options ?? {};
  const files = [
    saveLmGuard(outDir, guard),
    write("config.json", `${JSON.stringify({ command: "safety guard lm", settings: guard.settings, judge: guard.judge.settings, measure: measure === null ? null : { dataDir: measure.dataDir, ...options } }, null, 2)}\n`),
    ...(measured === null ? [] : [write("metrics.json", `${JSON.stringify({ ...measured, judge: guard.judge.name, seconds }, null, 2)}\n`), write("guard.svg", guardMetricsSvg(measured))]),
  ];
  return { guard, measured, seconds, files };
}
