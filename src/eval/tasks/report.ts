// A task evaluation's outputs: the table printed to the terminal, and under --out the results JSON (the resolved
// config — task file and its SHA-256, shots, seed, limit, data folder, model — beside every metric with its n and
// 95 % interval) and the per-document records as JSON lines, both written temp + rename. Not here: running (run.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import type { TaskDefinition } from "./definition.js";
import type { TaskResult } from "./run.js";

export interface ResolvedTaskConfig {
  readonly task: string;
  readonly taskFile: string;
  readonly taskSha256: string;
  readonly shots: number;
  readonly seed: number;
  readonly limit: number | null;
  readonly dataDir: string;
  readonly model: Readonly<Record<string, unknown>>;
}

export const resolvedConfig = (task: TaskDefinition, o: { shots: number; seed: number; limit: number | null; dataDir: string; model: Readonly<Record<string, unknown>> }): ResolvedTaskConfig => ({
  task: task.name, taskFile: task.file, taskSha256: task.sha256, shots: o.shots, seed: o.seed, limit: o.limit, dataDir: o.dataDir, model: o.model,
});

/** The results object --json prints and the results file holds (records apart). */
export function resultsJson(config: ResolvedTaskConfig, r: TaskResult): Record<string, unknown> {
  const { records: _records, ...rest } = r;
  return { config, ...rest };
}

/** Base name of the files for one run: "<task>-<k>shot". */
export const runName = (r: TaskResult): string => `${r.task}-${r.shots}shot`;

/** Writes DIR/<task>-<k>shot.json (config + metrics) and DIR/<task>-<k>shot.records.jsonl; returns their paths. */
export function writeTaskResults(dir: string, config: ResolvedTaskConfig, r: TaskResult): { results: string; records: string } {
  mkdirSync(dir, { recursive: true });
  const results = join(dir, `${runName(r)}.json`), records = join(dir, `${runName(r)}.records.jsonl`);
  atomicWrite(results, `${JSON.stringify(resultsJson(config, r), null, 2)}\n`);
  atomicWrite(records, r.records.map((x) => JSON.stringify(x)).join("\n") + (r.records.length > 0 ? "\n" : ""));
  return { results, records };
}

const pct = (x: number): string => (Number.isNaN(x) ? "  n/a" : (100 * x).toFixed(1).padStart(5));

/** The terminal table: one row per metric with its 95 % interval, then chance, shots and time. */
export function formatTaskTable(modelName: string, r: TaskResult): string {
  const lines = [`${r.task}, ${r.shots}-shot (mean ${r.meanShots.toFixed(2)} used), ${r.n} documents${r.skipped > 0 ? `, ${r.skipped} skipped (too long)` : ""}, ${modelName} (${r.seconds.toFixed(1)} s)`];
  lines.push(`  ${"metric".padEnd(10)} ${"value".padStart(6)}   95 % interval`);
  for (const [k, e] of Object.entries(r.metrics)) lines.push(`  ${k.padEnd(10)} ${pct(e.value)} %  [${pct(e.lo).trim()}, ${pct(e.hi).trim()}]`);
  if (r.chance !== null) lines.push(`  ${"chance".padEnd(10)} ${pct(r.chance)} %`);
  return lines.join("\n");
}
