// Sentence simplification toward a CEFR level: the SFT model answers the SFT data's simplify prompt
// (data/instruct/tasks.ts SIMPLIFY_PROMPT + the sentence, through its chat template, greedy). The target level is
// not put in the prompt: the SFT data's simplify task has no level, so the model was not trained to read one. The
// level acts through the optional lexicon constraint (constraint.ts) and the check by the CEFR classifier (the
// output's hardest sentence). With `beams`, beam search (infer/beam.ts) decodes instead of greedy, under the span
// edits (edits.ts: keep / delete / replace as NeuroLogic constraints) and the level constraint as a mask; with
// `rerank`, the CEFR classifier then chooses among the n-best hypotheses the best-scored one it judges at or below
// the target (levelRerank). Not here: the metrics over ASSET (simplify-eval.ts), the endpoint client (the CLI's).
import { SIMPLIFY_PROMPT } from "../../data/instruct/tasks.js";
import { beamSearchText, bothConstraints, ChatSession, checkLexical, lexicalConstraint, sourceUnits, subsequenceConstraint, type BeamConstraint, type InferModel, type LexicalSpec, type SubsequenceOptions } from "../../infer/index.js";
import { levelConstraint, type LevelConstraint } from "./constraint.js";
import type { ChatResponder } from "../../infer/responder.js";
import { KotodamaError } from "../../util/errors.js";
import { editsToLexical, editWords, NO_EDITS, withLogitsHook, type SpanEdits } from "./edits.js";
import type { Lexicon } from "./lexicon.js";
import { assessSentences, type OpenCefr, type SentenceLevel } from "./model.js";
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
  /** Beam search with this many beams (default: greedy, unless edits or phrases are given: then 4). */
  readonly beams?: number;
  /** Span edits relative to the source (edits.ts) and extra must / must-not phrases. */
  readonly edits?: SpanEdits;
  readonly phrases?: LexicalSpec;
  /** Beam search only: the checker chooses among the n-best (levelRerank) instead of taking the top score. */
  readonly rerank?: boolean;
  /** Deletion-only decoding (infer/subsequence.ts): the output is the source with words deleted, at least
   *  `minKeep` of them kept; beam search (4 beams unless `beams`). The level mask then deletes words above it. */
  readonly deleteOnly?: SubsequenceOptions;
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
  /** Beams used (1 = greedy through generate). */
  readonly beams: number;
  /** Edit / phrase constraints the output misses (kept spans absent, deleted spans present). */
  readonly missing: readonly string[];
  readonly present: readonly string[];
  /** Index of the output among the n-best, best score first (0 without rerank). */
  readonly chosen: number;
}

/** The decoded candidates of one source: one (greedy) or the n-best of beam search, best score first. */
export interface SimplifyCandidates {
  readonly texts: readonly string[];
  readonly beams: number;
  readonly spec: LexicalSpec;
  readonly constraint: LevelConstraint | null;
}

/** Names in the source (capitalised words not at its start) stay allowed under the constraint: a simplification
 *  keeps its entities (Zetsu et al. keep spans; this is the minimal version). */
export function sourceNames(source: string): string[] {
  const ws = source.match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? [];
  return ws.slice(1).filter((w) => /^\p{Lu}/u.test(w));
}

/** The user message of the simplify turn (the SFT data's simplify prompt + the sentence), the same for a local
 *  model and an endpoint. */
export const simplifyUserMessage = (source: string): string => `${SIMPLIFY_PROMPT}\n\n${source}`;

/** A text's hardest sentence by the classifier: the highest level, the higher expected level on ties; null when the
 *  text has no sentence. */
export function hardestSentence(checker: OpenCefr, text: string): SentenceLevel | null {
  const s = assessSentences(checker, [text]);
  if (s.length === 0) return null;
  return s.reduce((a, b) => (LEVELS.indexOf(b.level) > LEVELS.indexOf(a.level) || (b.level === a.level && b.expected > a.expected) ? b : a));
}

export function outputLevel(checker: OpenCefr, text: string): number | null {
  const h = hardestSentence(checker, text);
  return h === null ? null : LEVELS.indexOf(h.level);
}

/** The level-aware choice among hypotheses (best score first): the first whose hardest sentence the classifier
 *  puts at or below `level`; if none is, the one it judges lowest (the better-scored on ties). An empty hypothesis
 *  (no sentence to judge) is never preferred to a judged one. */
export function levelRerank(checker: OpenCefr, texts: readonly string[], level: number): number {
  let best = 0, bestLevel = Infinity;
  for (const [i, t] of texts.entries()) {
    const l = outputLevel(checker, t) ?? Infinity;
    if (l <= level) return i;
    if (l < bestLevel) [best, bestLevel] = [i, l];
  }
  return best;
}

/** Decodes a source: greedy through generate, or beam search (n-best = beams) under the edits, phrases and the
 *  level constraint. */
export async function simplifyCandidates(model: InferModel, source: string, o: SimplifyOptions): Promise<SimplifyCandidates> {
  const session = new ChatSession(model);
  const edits = o.edits ?? NO_EDITS, phrases = o.phrases ?? { include: [], exclude: [] };
  const spec = editsToLexical(edits, phrases);
  const lexical = spec.include.length + spec.exclude.length > 0;
  const beams = o.beams ?? (lexical || o.deleteOnly !== undefined ? 4 : 1);
  const maxTokens = o.maxTokens ?? 96;
  const c = o.lexicon === undefined ? null : levelConstraint(model.tokenizer, o.lexicon, o.level, { ...(o.penalty !== undefined ? { penalty: o.penalty } : {}), keep: [...sourceNames(source), ...editWords(edits, phrases)] });
  const user = simplifyUserMessage(source);
  if (beams === 1 && !lexical && o.deleteOnly === undefined) {
    const it = session.send(user, { temperature: 0, maxTokens, repeatPenalty: 1 }, c === null ? {} : { logits: c.hook });
    for (;;) {
      const r = await it.next();
      if (r.done === true) return { texts: [r.value.reply.trim()], beams, spec, constraint: c };
    }
  }
  const { ids, endIds } = session.promptForTurn(user);
  // Deletion-only output is no longer than the source (a few tokens more where a word's spelling splits
  // differently), which may exceed the default cap on long sentences.
  const cap = o.deleteOnly === undefined ? maxTokens : Math.max(maxTokens, model.tokenizer.encode(source, { addBos: false }).length + 8);
  const room = Math.min(cap, Math.max(1, model.config.context - ids.length));
  let search: BeamConstraint<unknown>;
  if (o.deleteOnly === undefined) search = lexicalConstraint(model.tokenizer, spec, room) as BeamConstraint<unknown>;
  else {
    // Deletion only: kept spans and names become units that may not be deleted (a must-include clause over a
    // subsequence could be skipped past); excluded spans stay lexical. Nothing can be inserted.
    const kept = editWords(edits, phrases);
    const srcWords = new Set(sourceUnits(source).map((u) => u.text.toLowerCase()));
    const foreign = kept.filter((w) => !srcWords.has(w));
    if (foreign.length > 0) throw new KotodamaError(`simplify: deletion-only decoding cannot write "${foreign[0]}", which is not a word of the source (drop --replace / --include, or the deletion-only mode)`);
    const lex = lexicalConstraint(model.tokenizer, { include: [], exclude: spec.exclude }, room);
    search = bothConstraints(lex, subsequenceConstraint(model.tokenizer, source, { ...o.deleteOnly, keep: [...(o.deleteOnly.keep ?? []), ...sourceNames(source), ...kept] })) as BeamConstraint<unknown>;
  }
  let r: ReturnType<typeof beamSearchText>;
  try {
    r = beamSearchText(model, ids, { beams, maxTokens: room, alpha: 1, nBest: beams }, endIds, c === null ? search : withLogitsHook(search, c.hook));
  } catch (e) {
    if (!(e instanceof KotodamaError) || o.deleteOnly === undefined || c === null) throw e;
    throw new KotodamaError(`simplify: deletion-only decoding under the level mask found no output: deleting every word above ${LEVELS[o.level]} leaves fewer than ${Math.round(100 * (o.deleteOnly.minKeep ?? 0.5))} % of the source's words (lower --min-keep, or give --penalty P to penalise those words instead of disallowing them)`);
  }
  return { texts: r.hypotheses.map((h) => h.text.trim()), beams, spec, constraint: c };
}

export async function simplifySentence(model: InferModel, source: string, o: SimplifyOptions): Promise<Simplification> {
  if (o.rerank === true && o.checker === undefined) throw new KotodamaError("simplify: rerank needs the CEFR classifier (checker)");
  const { texts, beams, spec, constraint: c } = await simplifyCandidates(model, source, o);
  if (o.rerank === true && beams === 1) throw new KotodamaError("simplify: rerank chooses among beam hypotheses; it needs beams > 1");
  const chosen = o.rerank === true ? levelRerank(o.checker!, texts, o.level) : 0;
  const output = texts[chosen]!;
  const lvl = o.checker === undefined ? null : outputLevel(o.checker, output);
  const chk = checkLexical(spec, output);
  return { source, output, constrained: c !== null, aboveLevelWords: c === null ? [] : c.violations(output), predicted: lvl === null ? null : LEVELS[lvl]!, atOrBelow: lvl === null ? null : lvl <= o.level, beams, missing: chk.missing, present: chk.present, chosen };
}

/** The same simplification through a chat responder (an OpenAI-compatible /chat/completions, greedy): plain
 *  generation only, since the level mask, the span edits and beam search need the model's logits at every step,
 *  which the API does not expose; the checker (local) still judges the output. */
export async function simplifyRemote(responder: ChatResponder, source: string, o: { readonly level: number; readonly maxTokens?: number; readonly checker?: OpenCefr }): Promise<Simplification> {
  const [a] = await responder.answer([[{ role: "user", content: simplifyUserMessage(source) }]], { maxTokens: o.maxTokens ?? 96 });
  const output = a!.text.trim();
  const lvl = o.checker === undefined ? null : outputLevel(o.checker, output);
  return { source, output, constrained: false, aboveLevelWords: [], predicted: lvl === null ? null : LEVELS[lvl]!, atOrBelow: lvl === null ? null : lvl <= o.level, beams: 1, missing: [], present: [], chosen: 0 };
}
