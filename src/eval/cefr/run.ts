// `kotodama cefr train` as a library call: reads CEFR-SP, trains the classifier (model.ts) and the model-free
// baseline (baseline.ts), scores both on the public test splits (report.ts) and writes metrics.json,
// confusion.json and confusion.svg beside the model. Not here: the CLI's flags and printing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../../engine/ops.js";
import { confusionSvg } from "../../safety/metrics.js";
import { writeAtomic } from "../../train/checkpoint.js";
import { runBaseline } from "./baseline.js";
import { COMBINATION_RULE, LEVELS, loadCefrSp, type CefrSplits } from "./data.js";
import { argmaxLevel, predictProbs, trainCefr, type CefrSettings } from "./model.js";
import { humanAgreement, PAPER_MACRO_F1, scoreCefr, type CefrScores } from "./report.js";

export interface CefrRunResult {
  readonly model: CefrScores;
  readonly baseline: CefrScores;
  /** Always predicting the training split's most common level. */
  readonly majority: CefrScores;
  readonly dev: CefrScores;
  readonly steps: number;
  readonly trainSeconds: number;
  readonly files: readonly string[];
}

export function trainAndEvaluateCefr(o: { readonly dataDir?: string; readonly splits?: CefrSplits; readonly outDir: string; readonly backend: Backend; readonly base?: string; readonly settings?: Partial<CefrSettings>; readonly log?: (s: string) => void }): CefrRunResult {
  const log = o.log ?? ((): void => {});
  const sp = o.splits ?? loadCefrSp(o.dataDir!);
  log(`CEFR-SP: ${sp.train.length} train / ${sp.dev.length} dev / ${sp.test.length} test sentences; ${COMBINATION_RULE}`);
  const t0 = performance.now();
  const base = runBaseline(sp.train, sp.test);
  log(`baseline: trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const m = trainCefr({ train: sp.train, outDir: o.outDir, backend: o.backend, log, ...(o.base !== undefined ? { base: o.base } : {}), ...(o.settings !== undefined ? { settings: o.settings } : {}) });
  const predict = (texts: readonly string[]): number[] => predictProbs(m, texts).map(argmaxLevel);
  const model = scoreCefr(sp.test, predict(sp.test.map((r) => r.text)));
  const dev = scoreCefr(sp.dev, sp.dev.length === 0 ? [] : predict(sp.dev.map((r) => r.text)));
  const counts = LEVELS.map((_, l) => sp.train.filter((r) => r.label === l).length);
  const maj = counts.indexOf(Math.max(...counts));
  const majority = scoreCefr(sp.test, sp.test.map(() => maj));
  const baseline = scoreCefr(sp.test, base.predictions);
  const json = {
    data: { train: sp.train.length, dev: sp.dev.length, test: sp.test.length, parts: ["Wiki-Auto", "SCoRE"], label: COMBINATION_RULE },
    paper: PAPER_MACRO_F1, humans: humanAgreement(sp.test), model, dev, baseline, majority, steps: m.steps, trainSeconds: m.seconds,
  };
  writeAtomic(join(o.outDir, "metrics.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`));
  writeAtomic(join(o.outDir, "confusion.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify({ labels: LEVELS, rows: "reference (combined label)", columns: "prediction", model: model.combined.matrix, baseline: baseline.combined.matrix }, null, 2)}\n`));
  writeAtomic(join(o.outDir, "confusion.svg"), (tmp) => writeFileSync(tmp, confusionSvg(model.combined, "CEFR classifier vs CEFR-SP test (floor of the annotators' mean)")));
  return { model, baseline, majority, dev, steps: m.steps, trainSeconds: m.seconds, files: ["metrics.json", "confusion.json", "confusion.svg", "model.safetensors", "head.safetensors", "lexicon.json"].map((f) => join(o.outDir, f)) };
}
