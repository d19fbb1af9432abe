// One `kotodama safety guard train` run: train (guard-train.ts), measure (guard-measure.ts), and write the guard
// (guard.json, guard.safetensors), its resolved config (config.json), the calibration (calibration.json), the
// measurement (metrics.json) and two plots: guard.svg (per-area precision and recall on the held-out prompts,
// with XSTest) and reliability.svg (unsafe score vs observed risky share on the calibration prompts).
// Not here: the flags (cli/commands/safety.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../data/files.js";
import { barChartSvg, lossCurveSvg } from "../train/plot.js";
import { measureGuard, type GuardMeasurement } from "./guard-measure.js";
import { saveGuard, thresholdsByArea, type GuardSettings } from "./guard-model.js";
import { trainGuard, type GuardCalibrationReport, type GuardTrainResult } from "./guard-train.js";
import { AREA_SHORT, GUARD_AREAS } from "./guard-taxonomy.js";

export interface GuardRunResult {
  readonly train: GuardTrainResult;
  readonly measured: GuardMeasurement;
  readonly files: readonly string[];
}

export function guardMetricsSvg(m: GuardMeasurement): string {
  const groups = [...GUARD_AREAS.map((a) => AREA_SHORT[a]), "XSTest unsafe", "XSTest safe", "everyday EN", "everyday JA"];
  const none = [{ value: NaN }, { value: NaN }];
  return barChartSvg({
    groups,
    series: [
      { name: "recall (flagged risky)", color: "#2b6cb0", bars: [...m.areas.map((a) => ({ value: a.recall })), { value: m.xstestUnsafeRecall.rate }, { value: NaN }, ...none] },
      { name: "precision (area)", color: "#38a169", bars: [...m.areas.map((a) => ({ value: a.precision })), { value: NaN }, { value: NaN }, ...none] },
      { name: "flagged safe (over-refusal)", color: "#c53030", bars: [...m.areas.map(() => ({ value: NaN })), { value: NaN }, { value: m.xstestSafeFlagged.rate }, { value: m.everydayFlagged.en.rate }, { value: m.everydayFlagged.ja.rate }] },
    ],
  }, { title: "guard: held-out Do-Not-Answer prompts per area, XSTest, everyday how-to requests", yLabel: "share", width: 1000 });
}

export function reliabilitySvg(c: GuardCalibrationReport): string {
  const pts = c.reliability.bins.filter((b) => b.n > 0).map((b) => [b.predicted, b.observed] as const);
  return lossCurveSvg([
    { name: "perfectly calibrated", color: "#999", points: [[0, 0], [1, 1]] },
    { name: `guard (ECE ${c.reliability.ece.toFixed(3)})`, color: "#2b6cb0", points: pts, markers: true },
  ], { title: `guard reliability on ${c.nRisky + c.nBenign} calibration prompts`, xLabel: "predicted unsafe score (bin mean)", yLabel: "observed share risky" });
}

export async function runGuardTraining(outDir: string, dataDir: string, settings: Partial<GuardSettings>, log: (s: string) => void = () => {}): Promise<GuardRunResult> {
  const train = trainGuard(dataDir, settings, log);
  log("guard: measuring on the held-out Do-Not-Answer prompts and XSTest");
  const measured = await measureGuard(train.guard, dataDir);
  mkdirSync(outDir, { recursive: true });
  saveGuard(outDir, train.guard);
  const write = (name: string, text: string): string => {
    atomicWrite(join(outDir, name), text);
    return join(outDir, name);
  };
  const files = [
    join(outDir, "guard.json"), join(outDir, "guard.safetensors"),
    write("config.json", `${JSON.stringify({ command: "safety guard train", dataDir, settings: train.guard.settings, sources: train.sources, fitExamples: train.fitExamples, responseExamples: train.responseExamples, thresholds: thresholdsByArea(train.guard.thresholds), thresholdsJa: train.guard.thresholdsJa === null ? null : thresholdsByArea(train.guard.thresholdsJa) }, null, 2)}\n`),
    write("calibration.json", `${JSON.stringify(train.calibration, null, 2)}\n`),
    write("metrics.json", `${JSON.stringify({ ...measured, trainSeconds: train.seconds }, null, 2)}\n`),
    write("guard.svg", guardMetricsSvg(measured)),
    write("reliability.svg", reliabilitySvg(train.calibration)),
  ];
  return { train, measured, files };
}
