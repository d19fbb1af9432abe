// What an instruction evaluation reads: the held-out and training examples (a folder written by `kotodama data
// instruct`, or built in memory from ../shared/data with the default config, the same bytes), and the base model
// an SFT run directory was tuned from (its config.json). Not here: running or scoring (run.ts, score.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildInstructData } from "../../data/instruct/build.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import { readExamples, type InstructExample, type TaskName } from "../../data/instruct/example.js";
import { FormatError, KotodamaError } from "../../util/errors.js";
import { EVAL_TASKS } from "./score.js";

export interface EvalData {
  readonly heldOut: ReadonlyMap<TaskName, readonly InstructExample[]>;
  readonly train: readonly InstructExample[];
  /** Where the examples came from, in words (for the results JSON). */
  readonly source: string;
}

/** DIR/heldout/<task>.jsonl of the evaluated tasks and DIR/train.jsonl; or, with dir null, the default build. */
export function loadEvalData(dir: string | null): EvalData {
  if (dir === null) {
    const d = buildInstructData(INSTRUCT_DEFAULTS);
    return { heldOut: d.heldOut, train: d.train, source: `built from ${d.config.dataDir ?? "../shared/data"} (default config, seed ${d.config.seed})` };
  }
  const heldOut = new Map<TaskName, InstructExample[]>();
  for (const t of EVAL_TASKS) {
    const f = join(dir, "heldout", `${t}.jsonl`);
    if (!existsSync(f)) throw new FormatError(f, "not found (write the folder with `kotodama data instruct --out DIR`)");
    heldOut.set(t, readExamples(f));
  }
  const train = join(dir, "train.jsonl");
  if (!existsSync(train)) throw new FormatError(train, "not found (write the folder with `kotodama data instruct --out DIR`)");
  return { heldOut, train: readExamples(train), source: dir };
}

/** The base model path an SFT run directory names in its config.json (written by train/sft/run.ts), or null
 *  when the folder is not an SFT run. */
export function sftBaseOf(runDir: string): string | null {
  const f = join(runDir, "config.json");
  if (!existsSync(f)) return null;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(f, "utf8"));
  } catch (e) {
    throw new FormatError(f, `not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== "object" || !("kind" in v) || v.kind !== "sft") return null;
  const base = "base" in v && v.base !== null && typeof v.base === "object" && "path" in v.base ? v.base.path : undefined;
  if (typeof base !== "string" || base === "") throw new KotodamaError(`${f}: an SFT run's config.json without base.path; pass --base`);
  return base;
}
