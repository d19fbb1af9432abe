// CEFR-SP (Arase et al. 2022) as the CEFR classifier reads it: the public Wiki-Auto and SCoRE parts, each split
// train / dev / test, every sentence with annotator A's and B's levels (1..6) and the label trained on. Label =
// data/instruct/tasks.ts combineCefr(A, B, "floor-mean") = floor((A + B) / 2): symmetric in the annotators, always
// a level, the lower one on a one-level disagreement (the same combination as the SFT data's cefr-level task).
// Both raw labels are kept so that reports can score agreement with each annotator. Sentences are detokenized
// (tasks.ts detokenize) because the models read ordinary text. Not here: models, metrics, the word lexicon.
import { join } from "node:path";
import { readCefr } from "../../data/instruct/sources.js";
import { CEFR_NAMES, combineCefr, detokenize } from "../../data/instruct/tasks.js";
import { KotodamaError } from "../../util/errors.js";

export const LEVELS = CEFR_NAMES;
export type Level = (typeof LEVELS)[number];
export const COMBINATION = "floor-mean";
export const COMBINATION_RULE = "label = floor((A + B) / 2) of annotators A and B (the lower level on a one-level disagreement)";

export interface CefrRow {
  /** "Wiki-Auto" or "SCoRE". */
  readonly part: string;
  /** Line in its file (1-based). */
  readonly line: number;
  /** The sentence as CEFR-SP spells it (space-tokenized). */
  readonly raw: string;
  /** Detokenized: what models read. */
  readonly text: string;
  /** Annotators' levels, 0-based (0 = A1 … 5 = C2). */
  readonly a: number;
  readonly b: number;
  /** The combined label, 0-based. */
  readonly label: number;
}

export interface CefrSplits {
  readonly train: readonly CefrRow[];
  readonly dev: readonly CefrRow[];
  readonly test: readonly CefrRow[];
}

const PARTS = [
  { part: "Wiki-Auto", prefix: "CEFR-SP_Wikiauto" },
  { part: "SCoRE", prefix: "CEFR-SP_SCoRE" },
] as const;

/** Reads dataDir/cefr-sp/{Wiki-Auto,SCoRE}/*_{train,dev,test}.txt; errors name the file and line. */
export function loadCefrSp(dataDir: string): CefrSplits {
  const read = (split: string): CefrRow[] =>
    PARTS.flatMap(({ part, prefix }) =>
      readCefr(join(dataDir, "cefr-sp", part, `${prefix}_${split}.txt`)).map((r) => ({
        part, line: r.line, raw: r.sentence, text: detokenize(r.sentence), a: r.a - 1, b: r.b - 1, label: combineCefr(r.a, r.b, COMBINATION) - 1,
      })),
    );
  const s = { train: read("train"), dev: read("dev"), test: read("test") };
  if (s.train.length === 0 || s.test.length === 0) throw new KotodamaError(`${join(dataDir, "cefr-sp")}: empty train or test split`);
  return s;
}

/** "B1" → 2; an unknown name is an error naming the accepted ones. */
export function levelIndex(name: string, where: string): number {
  const i = (LEVELS as readonly string[]).indexOf(name.toUpperCase());
  if (i < 0) throw new KotodamaError(`${where}: level ${JSON.stringify(name)} is not one of ${LEVELS.join(", ")}`);
  return i;
}
