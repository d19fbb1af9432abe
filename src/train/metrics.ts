// The run's metrics log (metrics.jsonl, one JSON object per optimizer step, with val_loss on evaluation
// steps) and its reader; on resume, records past the checkpoint's step are dropped so the log matches the
// restored state. Not here: plotting (plot.ts).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { KotodamaError } from "../util/errors.js";

export interface StepRecord {
  readonly step: number; // 1-based: optimizer steps completed
  readonly lr: number;
  readonly train_loss: number;
  readonly grad_norm: number;
  readonly tokens_per_s: number;
  readonly elapsed_s: number;
  readonly val_loss?: number;
  /** Measurements taken with the evaluation (TrainOptions.onEval), by name. */
  readonly probes?: Readonly<Record<string, number>>;
}

export function readMetrics(path: string): StepRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const out: StepRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as StepRecord);
    } catch {
      // a kill mid-append can cut the last line; anything else is a damaged file
      if (i < lines.length - 2) throw new KotodamaError(`${path}: line ${i + 1} is not JSON`);
    }
  });
  return out;
}

/** Keeps the records with step ≤ lastStep (rewrites the file). */
export function truncateMetrics(path: string, lastStep: number): void {
  const keep = readMetrics(path).filter((r) => r.step <= lastStep);
  writeFileSync(path, keep.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

export function appendMetric(path: string, r: StepRecord): void {
  appendFileSync(path, `${JSON.stringify(r)}\n`);
}
