// The beam-search and lexical-constraint flags shared by `kotodama generate`, `kotodama chat` and `kotodama simplify`
// (--beams, --length-penalty, --include "a|b", --exclude), their help lines, parsing into library options, the
// check that no sampling flag is given with them, and `kotodama generate`'s beam path (one call from generate.ts),
// under --json-schema / --grammar too (beam-grammar.ts). Not here: the search (infer/beam.ts) or the
// constraints (infer/lexical.ts).
import type { FlagSpec } from "../command.js";
import { intFlag, numberFlag } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { beamSearchText, checkLexical, grammarBeamConstraint, jointConstraint, lexicalConstraint, parseLexicalSpec, type GrammarMasker, type InferModel, type LexicalSpec } from "../../infer/index.js";

export const BEAM_FLAGS = {
  beams: { type: "string" },
  "length-penalty": { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
} as const satisfies FlagSpec;

export const BEAM_HELP = [
  "  --beams B            beam search with B beams (default 4 when --include/--exclude is given; 1 = greedy)",
  "  --length-penalty A   rank finished beams by logprob / length^A (default 1)",
  "  --include PHRASE     must appear (repeatable; \"dog|dogs\" = either); NeuroLogic decoding, docs/inference.md",
  "  --exclude PHRASE     must not appear (repeatable); matched case-insensitively at word boundaries",
];

export interface BeamFlags {
  /** Null when no beam flag was given (the caller decodes as before). */
  readonly beams: number | null;
  readonly alpha: number;
  readonly spec: LexicalSpec;
}

/** Reads the beam flags from parsed values (`cmd` names the command in errors). */
export function parseBeamFlags(cmd: string, values: Readonly<Record<string, unknown>>): BeamFlags {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const spec = parseLexicalSpec(list(values.include), list(values.exclude), `kotodama ${cmd}`);
  const constrained = spec.include.length + spec.exclude.length > 0;
  const beams = values.beams === undefined ? (constrained ? 4 : null) : intFlag(cmd, "beams", values.beams, 4, 1, 256);
  return { beams, alpha: numberFlag(cmd, "length-penalty", values["length-penalty"], 1, 0, 10), spec };
}

/** Generation flags beam search honours (the others sample, penalise or stop, which it does not do). */
const BEAM_KEEPS = new Set(["max-tokens", "context"]);

/** Refuses a sampling flag (--temperature other than 0, --top-k, --seed, --stop, ...) given together with beam
 *  search, naming it: beam search ranks by log-probability and would silently ignore it. `generation` holds the
 *  generate option flags as parsed (kebab-case keys, undefined when absent). */
export function rejectSamplingWithBeams(cmd: string, generation: Readonly<Record<string, unknown>>): void {
  for (const [flag, v] of Object.entries(generation)) {
    if (v === undefined || BEAM_KEEPS.has(flag)) continue;
    if (flag === "temperature" && Number(v) === 0) continue;
    throw new KotodamaError(`kotodama ${cmd}: --${flag} does not combine with --beams/--include/--exclude (beam search ranks hypotheses by log-probability; it does not sample, penalise or stop on strings); drop --${flag}${flag === "temperature" ? " or give --temperature 0" : ""}`);
  }
}

/** A --json-schema / --grammar constraint for beam search: its masker, and what to call it in messages. */
export interface BeamGrammar {
  readonly masker: GrammarMasker;
  readonly what: string;
  readonly file: string;
}

/** Whether `ids` spell a complete sentence of the grammar. */
function grammarComplete(masker: GrammarMasker, ids: readonly number[]): boolean {
  let s = masker.start();
  for (const id of ids) s = masker.push(s, id);
  return masker.accepts(s);
}

/** `kotodama generate` with beam search: stdout holds exactly the best hypothesis's text (or, with --json, one
 *  object with the n-best and the constraint check); a summary goes to stderr. */
export function printBeamGenerate(model: InferModel, prompt: string, f: BeamFlags & { beams: number }, maxTokens: number, context: number | null, json: boolean, meta: Readonly<Record<string, unknown>>, grammar: BeamGrammar | null = null): void {
  const c = f.spec.include.length + f.spec.exclude.length > 0 ? lexicalConstraint(model.tokenizer, f.spec, maxTokens) : undefined;
  const ends = new Set(model.tokenizer.special.eos === undefined ? [] : [model.tokenizer.special.eos]);
  const joint = jointConstraint(c, grammar === null ? undefined : grammarBeamConstraint(grammar.masker, ends));
  const r = beamSearchText(model, prompt, { beams: f.beams, maxTokens, alpha: f.alpha, nBest: f.beams, context }, ends, joint);
  const best = r.hypotheses[0]!;
  const check = checkLexical(f.spec, r.text);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (c !== undefined && !c.enforced && f.spec.include.length > 0) process.stderr.write(`warning: the --include phrases need more than --max-tokens ${maxTokens} tokens; they are not enforced\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({
      ...meta, prompt_ids: r.promptIds, ids: best.ids, text: r.text, finish_reason: best.finishReason, beams: f.beams, length_penalty: f.alpha,
      hypotheses: r.hypotheses.map((h) => ({ text: h.text, ids: h.ids, logprob: h.logprob, score: h.score, finish_reason: h.finishReason, satisfied: h.satisfied })),
      constraints: { include: f.spec.include, exclude: f.spec.exclude, enforced: c?.enforced ?? false, missing: check.missing, present: check.present },
      ...(grammar === null ? {} : { constraint: { kind: grammar.what, file: grammar.file, complete: grammarComplete(grammar.masker, best.ids) } }),
      tokens_per_s: r.tokensPerS,
    })}\n`);
    return;
  }
  if (grammar !== null && !grammarComplete(grammar.masker, best.ids)) process.stderr.write(`warning: the output stopped (${best.finishReason}) before the ${grammar.what} was complete; raise --max-tokens\n`);
  process.stdout.write(r.text);
  const bad = check.missing.length + check.present.length > 0 ? `; constraints NOT met: missing ${check.missing.join(", ") || "-"}, present ${check.present.join(", ") || "-"}` : "";
  process.stderr.write(`\n[beam ${f.beams}: ${best.ids.length} tokens, ${best.finishReason}, logprob ${best.logprob.toFixed(3)}, ${r.tokensPerS.toFixed(0)} tok/s${bad}]\n`);
}
