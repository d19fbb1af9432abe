// The training dashboard's data: run directories (a folder holding metrics.jsonl: train, sft, DPO, reward, RL
// runs; or an alignment.json) found under the served models' folders and the --runs folders, named by their path relative to the root
// they were found under (clients name runs, never paths), and the records of a run's metrics.jsonl from line N on,
// so that a page polling it sees a running job's new steps. Also where each run keeps its report card
// (DIR/report/report.html), data-pipeline report (DIR/data/report.json), canaries.json and alignment.json.
// Not here: writing metrics (src/train/metrics.ts), routes (explorer-app.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface RunDir {
  readonly name: string;
  readonly path: string;
  /** DIR/report/report.html when it exists. */
  readonly report: string | null;
  /** DIR/data/report.json (`kotodama data` / npm start's data stage) when it exists. */
  readonly dataReport: string | null;
  /** DIR/canaries.json (`kotodama train --canaries`) when it exists. */
  readonly canaries: string | null;
  /** DIR/alignment.json (npm start's alignment stage) when it exists. */
  readonly alignment: string | null;
}

const fileOrNull = (p: string): string | null => (existsSync(p) ? p : null);

const METRICS = "metrics.jsonl";
/** Folders below a root searched for runs (a run's sft/ and align/ sit one and two levels down). */
const DEPTH = 3;
const SKIP = new Set(["node_modules", "data", "report", ".git"]);

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Runs under each root (the root itself included), by name; a model file's folder stands for it. */
export function findRuns(roots: readonly string[]): RunDir[] {
  const out: RunDir[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, name: string, depth: number): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    // A folder with metrics.jsonl is a run; so is one with only an alignment.json (kotodama eval alignment --out).
    if (existsSync(join(dir, METRICS)) || existsSync(join(dir, "alignment.json"))) {
      out.push({
        name, path: dir, report: fileOrNull(join(dir, "report", "report.html")), dataReport: fileOrNull(join(dir, "data", "report.json")),
        canaries: fileOrNull(join(dir, "canaries.json")), alignment: fileOrNull(join(dir, "alignment.json")),
      });
    }
    if (depth >= DEPTH) return;
    let entries: string[] = [];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) if (!SKIP.has(e) && !e.startsWith(".") && isDir(join(dir, e))) visit(join(dir, e), `${name}/${e}`, depth + 1);
  };
  for (const r of roots) {
    const dir = isDir(r) ? r : dirname(r);
    visit(dir, basename(dir), 0);
  }
  // Two roots with the same folder name: later ones get a suffix.
  const names = new Map<string, number>();
  return out.map((r) => {
    const n = names.get(r.name) ?? 0;
    names.set(r.name, n + 1);
    return n === 0 ? r : { ...r, name: `${r.name}#${n + 1}` };
  });
}

export interface MetricsSlice {
  /** Records of complete lines from line `from` on (a line cut mid-append is left for the next read). */
  readonly records: readonly Record<string, unknown>[];
  /** The line to ask from next time. */
  readonly next: number;
  /** True when the file shrank below `from` (a resumed run rewrote it): these records start at line 0. */
  readonly reset: boolean;
}

/** At most this many records per answer (a page asks again from `next`). */
export const MAX_RECORDS = 5000;

export function readMetricsFrom(run: RunDir, from: number): MetricsSlice {
  const path = join(run.path, METRICS);
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const lines = text.split("\n");
  lines.pop(); // after the last newline: empty, or a line still being written
  const reset = from > lines.length;
  const start = reset ? 0 : from;
  const records: Record<string, unknown>[] = [];
  let i = start;
  for (; i < lines.length && records.length < MAX_RECORDS; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      const r: unknown = JSON.parse(line);
      if (typeof r === "object" && r !== null && !Array.isArray(r)) records.push(r as Record<string, unknown>);
    } catch {
      // a damaged line is skipped (the trainer's own reader reports it)
    }
  }
  return { records, next: i, reset };
}
