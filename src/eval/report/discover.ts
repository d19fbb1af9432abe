// Finding a model's evaluation outputs: the files `kotodama eval instruct|safety`, npm start's SFT and alignment
// stages and `kotodama train --canaries` / `eval pii` write, looked for in each run directory of the lineage and
// the folders below it (npm start: DIR/sft/instruct-eval.json, DIR/align/safety/safety-eval.json), plus the
// folders or files the user names. Not here: reading them (the section files).
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import { RESULTS_FILE } from "../instruct/report.js";
import { SAFETY_RESULTS_FILE } from "../safety/report.js";

export const EVAL_FILES = {
  instruct: RESULTS_FILE,
  safety: SAFETY_RESULTS_FILE,
  alignment: "alignment.json",
  canaries: "canaries.json",
  pii: "pii.json",
} as const;
export type EvalKind = keyof typeof EVAL_FILES;

export type Found = Record<EvalKind, string[]>;

const subdirs = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name)).sort();
  } catch {
    return [];
  }
};

/** `dir` and the folders up to `depth` levels below it, breadth first. */
function tree(dir: string, depth: number): string[] {
  const out = [dir];
  let level = [dir];
  for (let i = 0; i < depth; i++) {
    level = level.flatMap(subdirs);
    out.push(...level);
  }
  return out;
}

/** Each kind's files in `dirs` and up to `depth` folders below each, in the order found, without duplicates. */
export function discover(dirs: readonly string[], depth = 1): Found {
  const out: Found = { instruct: [], safety: [], alignment: [], canaries: [], pii: [] };
  const seen = new Set<string>();
  for (const d of dirs) {
    for (const sub of tree(d, depth)) {
      for (const kind of Object.keys(EVAL_FILES) as EvalKind[]) {
        const f = join(sub, EVAL_FILES[kind]);
        if (!existsSync(f)) continue;
        const key = realpathSync(f);
        if (seen.has(key)) continue;
        seen.add(key);
        out[kind].push(f);
      }
    }
  }
  return out;
}

/** A user-named evaluation: the file itself or a folder holding it; anything else is an error naming the flag. */
export function namedEvalFile(kind: EvalKind, path: string, flag: string): string {
  const want = EVAL_FILES[kind];
  if (!existsSync(path)) throw new KotodamaError(`kotodama report: ${flag} ${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const f = join(path, want);
    if (!existsSync(f)) throw new KotodamaError(`kotodama report: ${flag} ${path} holds no ${want}`);
    return f;
  }
  if (basename(path) !== want) throw new KotodamaError(`kotodama report: ${flag} expects a folder holding ${want} or that file, got ${path}`);
  return path;
}

/** Whether two paths name the same file or folder (through links; by resolved path when one no longer exists). */
export function samePath(a: string, b: string): boolean {
  const norm = (p: string): string => (existsSync(p) ? realpathSync(p) : join(p));
  return norm(a) === norm(b);
}
