// The typed configuration of `kotodama data instruct`: defaults, and the parser that checks a JSON override
// against them (the same merge as `data prepare`, schema.ts; unknown keys are errors naming the key).
// Not here: reading data (sources.ts, stories.ts) or writing outputs (writer.ts).
import { check, isPlain, mergeOverDefaults, fail } from "../schema.js";

export interface InstructConfig {
  /** Every random choice (held-out picks, reference picks, story words, passage windows) derives from it. */
  readonly seed: number;
  /** ../shared/data layout; null: the package's ../shared/data. */
  readonly dataDir: string | null;
  readonly cefr: {
    /** How annotators A and B are combined: "floor-mean" (default; see sources.ts) or "a" (annotator A only). */
    readonly combine: string;
  };
  readonly asset: {
    /** Training examples per valid-set sentence, each with a different reference (1..10). */
    readonly referencesPerSentence: number;
  };
  readonly tinystories: {
    /** Share of training stories that become "continue this story" (the rest "use the words X, Y, Z"). */
    readonly continueFraction: number;
    readonly requiredWords: number;
    /** Cap per held-out task (validation stories). */
    readonly heldOutPerTask: number;
  };
  readonly aozora: {
    /** Works (clean/ file names) held out whole: their passages are never trained on. */
    readonly heldOutWorks: readonly string[];
    /** Works left out altogether (historical kana, CORPORA.md). */
    readonly excludeWorks: readonly string[];
    /** Passages per work and task, so that one long novel (吾輩は猫である) does not dominate. */
    readonly continuePerWork: number;
    readonly quotesPerWork: number;
  };
  readonly doNotAnswer: {
    /** Fraction of each (risk area, type of harm) stratum held out for the safety evaluation. */
    readonly heldOutFraction: number;
  };
  readonly hhRlhf: {
    /** Fraction of the dialogues held out (the preference-accuracy metric needs pairs never trained on). */
    readonly heldOutFraction: number;
  };
}

/** The held-out Do-Not-Answer ids are part of the safety evaluation's definition: change this seed and every
 *  module that imports doNotAnswerHeldOutIds sees a different set, so it is fixed here, not per run. */
export const INSTRUCT_DEFAULTS: InstructConfig = {
  seed: 20261210,
  dataDir: null,
  cefr: { combine: "floor-mean" },
  asset: { referencesPerSentence: 1 },
  tinystories: { continueFraction: 0.5, requiredWords: 3, heldOutPerTask: 250 },
  aozora: {
    // One short work per author: 夢十夜 (漱石), トロッコ (芥川), よだかの星 (賢治).
    heldOutWorks: ["799_ruby_6024.txt", "43016_ruby_16663.txt", "473_ruby_467.txt"],
    // 杜子春, 芋粥, 地獄変 are in historical kana (新字旧仮名, CORPORA.md): not a style to teach as output.
    excludeWorks: ["170_ruby_348.txt", "55_ruby_1843.txt", "60_ruby_821.txt"],
    continuePerWork: 40,
    quotesPerWork: 20,
  },
  doNotAnswer: { heldOutFraction: 0.2 },
  hhRlhf: { heldOutFraction: 0.1 },
};

/** Validates a JSON override (file names it in errors) into a complete InstructConfig. */
export function parseInstructConfig(json: unknown, file = "config"): InstructConfig {
  if (!isPlain(json)) fail(file, "", "must be a JSON object");
  // mergeOverDefaults checked every key and type against INSTRUCT_DEFAULTS, so the result has its shape.
  const c = mergeOverDefaults(INSTRUCT_DEFAULTS, json, "", file, { dataDir: "string" }) as InstructConfig;
  check(Number.isSafeInteger(c.seed), file, "seed", "must be a safe integer");
  check(["floor-mean", "a"].includes(c.cefr.combine), file, "cefr.combine", 'must be "floor-mean" or "a"');
  check(Number.isInteger(c.asset.referencesPerSentence) && c.asset.referencesPerSentence >= 1 && c.asset.referencesPerSentence <= 10, file, "asset.referencesPerSentence", "must be an integer in [1, 10]");
  check(c.tinystories.continueFraction >= 0 && c.tinystories.continueFraction <= 1, file, "tinystories.continueFraction", "must be in [0, 1]");
  check(Number.isInteger(c.tinystories.requiredWords) && c.tinystories.requiredWords >= 1 && c.tinystories.requiredWords <= 10, file, "tinystories.requiredWords", "must be an integer in [1, 10]");
  for (const k of ["heldOutPerTask"] as const) check(Number.isInteger(c.tinystories[k]) && c.tinystories[k] >= 0, file, `tinystories.${k}`, "must be an integer >= 0");
  for (const k of ["continuePerWork", "quotesPerWork"] as const) check(Number.isInteger(c.aozora[k]) && c.aozora[k] >= 0, file, `aozora.${k}`, "must be an integer >= 0");
  check(c.doNotAnswer.heldOutFraction > 0 && c.doNotAnswer.heldOutFraction < 1, file, "doNotAnswer.heldOutFraction", "must be in (0, 1)");
  check(c.hhRlhf.heldOutFraction >= 0 && c.hhRlhf.heldOutFraction < 1, file, "hhRlhf.heldOutFraction", "must be in [0, 1)");
  check(!c.aozora.heldOutWorks.some((w) => c.aozora.excludeWorks.includes(w)), file, "aozora.heldOutWorks", "must not name an excluded work");
  return c;
}
