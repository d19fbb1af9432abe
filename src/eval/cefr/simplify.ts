// Sentence simplification toward a CEFR level: the SFT model answers the SFT data's simplify prompt
// (data/instruct/tasks.ts SIMPLIFY_PROMPT + the sentence, through its chat template, greedy). The target level is
// not put in the prompt: the SFT data's simplify task has no level, so the model was not trained to read one. The
// level acts through the optional lexicon constraint (constraint.ts) and the check by the CEFR classifier (the
// output's hardest sentence). Not here: the metrics over ASSET (simplify-eval.ts).
import { SIMPLIFY_PROMPT } from "../../data/instruct/tasks.js";
import { ChatSession, type InferModel } from "../../infer/index.js";
import { levelConstraint } from "./constraint.js";
import type { Lexicon } from "./lexicon.js";
import { assessSentences, type OpenCefr } from "./model.js";
import { LEVELS } from "./data.js";

export interface SimplifyOptions {
  /** Target level 0 (A1) … 5 (C2). */
  readonly level: number;
  /** With a lexicon: words above the level are penalised while decoding. */
  readonly lexicon?: Lexicon;
  /** Logit penalty (Infinity: disallowed; the default). */
  readonly penalty?: number;
  readonly maxTokens?: number;
  /** The CEFR classifier that checks the output's level. */
  readonly checker?: OpenCefr;
}

export interface Simplification {
  readonly source: string;
  readonly output: string;
  readonly constrained: boolean;
  /** Words above the target in the output, by the lexicon (when one is given). */
  readonly aboveLevelWords: readonly string[];
  /** The checker's level of the output's hardest sentence, and whether it is at or below the target. */
  readonly predicted: string | null;
  readonly atOrBelow: boolean | null;
}

/** Names in the source (capitalised words not at its start) stay allowed under the constraint: a simplification
 *  keeps its entities (Zetsu et al. keep spans; this is the minimal version). */
export function sourceNames(source: string): string[] {
  const ws = source.match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? [];
  return ws.slice(1).filter((w) => /^\p{Lu}/u.test(w));
}

export function outputLevel(checker: OpenCefr, text: string): number | null {
  const s = assessSentences(checker, [text]);
  return s.length === 0 ? null : Math.max(...s.map((x) => LEVELS.indexOf(x.level)));
}

export async function simplifySentence(model: InferModel, source: string, o: SimplifyOptions): Promise<Simplification> {
  const session = new ChatSession(model);
  const c = o.lexicon === undefined ? null : levelConstraint(model.tokenizer, o.lexicon, o.level, { ...(o.penalty !== undefined ? { penalty: o.penalty } : {}), keep: sourceNames(source) });
  const it = session.send(`${SIMPLIFY_PROMPT}\n\n${source}`, { temperature: 0, maxTokens: o.maxTokens ?? 96, repeatPenalty: 1 }, c === null ? {} : { logits: c.hook });
  let output = "";
  for (;;) {
    const r = await it.next();
    if (r.done === true) {
      output = r.value.reply.trim();
      break;
    }
  }
  const lvl = o.checker === undefined ? null : outputLevel(o.checker, output);
  return { source, output, constrained: c !== null, aboveLevelWords: c === null ? [] : c.violations(output), predicted: lvl === null ? null : LEVELS[lvl]!, atOrBelow: lvl === null ? null : lvl <= o.level };
}
