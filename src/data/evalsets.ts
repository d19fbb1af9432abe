// The evaluation sets in ../shared/data that training data must not contain: CEFR-SP sentences, ASSET
// originals and simplifications, Do-Not-Answer questions, and the held-out sets of the instruction data
// ("instruct-heldout": Self-Instruct user-oriented tasks, held-out Aozora passages, held-out HH-RLHF dialogues). Not here: n-gram matching (decontaminate.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";
import { parseCsv } from "./csv.js";
import { instructHeldOutTexts } from "./instruct/build.js";

export { parseCsv };

export type EvalSetName = "cefr-sp" | "asset" | "do-not-answer" | "instruct-heldout";
export const EVAL_SETS: readonly EvalSetName[] = ["cefr-sp", "asset", "do-not-answer", "instruct-heldout"];

export interface EvalText {
  readonly set: EvalSetName;
  readonly text: string;
}

const lines = (file: string): string[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** Reads the named evaluation sets from dataDir (../shared/data layout). A missing set is a FormatError. */
export function loadEvalSets(dataDir: string, names: readonly EvalSetName[]): EvalText[] {
  const out: EvalText[] = [];
  for (const set of names) {
    if (set === "instruct-heldout") {
      // Built with the default config, i.e. the ids splits.json declares (instruct/build.ts).
      for (const text of instructHeldOutTexts(dataDir)) out.push({ set, text });
      continue;
    }
    const dir = join(dataDir, set);
    if (!existsSync(dir)) throw new FormatError(dir, `evaluation set '${set}' not found (decontaminate.evalSets)`);
    if (set === "cefr-sp") {
      for (const part of ["SCoRE", "Wiki-Auto"]) {
        const pdir = join(dir, part);
        for (const f of readdirSync(pdir).filter((f) => f.endsWith(".txt")).sort()) {
          for (const l of lines(join(pdir, f))) out.push({ set, text: l.split("\t")[0]! });
        }
      }
    } else if (set === "asset") {
      const ddir = join(dir, "dataset");
      for (const f of readdirSync(ddir).sort()) for (const l of lines(join(ddir, f))) out.push({ set, text: l });
    } else {
      const file = join(dir, "do_not_answer_en.csv");
      const rows = parseCsv(readFileSync(file, "utf8"));
      const col = rows[0]?.indexOf("question") ?? -1;
      if (col < 0) throw new FormatError(file, "expected a 'question' column");
      for (const r of rows.slice(1)) if (r[col] !== undefined && r[col]!.trim() !== "") out.push({ set, text: r[col]! });
    }
  }
  return out;
}
