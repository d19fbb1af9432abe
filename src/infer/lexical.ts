// NeuroLogic-style lexical constraints (Lu et al. 2021, NeuroLogic Decoding) for beam.ts: must-include clauses in
// conjunctive normal form (each clause a set of alternative phrases, e.g. "dog|dogs") and must-not-include phrases,
// tracked per hypothesis on its decoded text, matched case-insensitively at word boundaries ("dog" is not in
// "dogma"). Why text and not token tries: a phrase has many tokenizations (" dog", " do"+"g", byte pieces), and the
// text sees them all; token sequences of each alternative (its space-prefixed encodings) are still tracked, to
// propose the tokens that start or continue a phrase and to count how many tokens each hypothesis still needs.
//   - must-not-include: a token is masked when appending it completes a phrase occurrence (the word after it
//     ends); the end of text is masked while the text ends in one;
//   - must-include: candidates are grouped by satisfied clauses in beam.ts, ranked with a bonus for progress
//     into a phrase, and the end of text is disallowed until every clause is satisfied. When the clauses fit in
//     max tokens (their shortest encodings summed), a child that could no longer fit them is pruned, so some
//     hypothesis always remains that writes them: the output then always satisfies them.
// Not here: the search (beam.ts), CLI flag parsing (cli/commands/generate.ts), CEFR word levels (eval/cefr).
import { concatBytes as concat, type Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import type { BeamConstraint } from "./beam.js";

export interface LexicalSpec {
  /** Clauses: each is satisfied when any of its alternative phrases occurs. */
  readonly include: readonly (readonly string[])[];
  /** Phrases that must not occur. */
  readonly exclude: readonly string[];
}

/** Clauses from flag values: "dog|dogs" is one clause with two alternatives. Empty phrases are errors. */
export function parseLexicalSpec(include: readonly string[], exclude: readonly string[], where: string): LexicalSpec {
  const clean = (p: string, flag: string, value: string): string => {
    const t = p.trim().replace(/\s+/g, " ");
    if (t === "") throw new KotodamaError(`${where}: ${flag} "${value}" has an empty phrase; expected a word or phrase (alternatives "a|b")`);
    return t;
  };
  return { include: include.map((c) => c.split("|").map((p) => clean(p, "--include", c))), exclude: exclude.map((p) => clean(p, "--exclude", p)) };
}

const WORD = /[\p{L}\p{N}]/u;
const isWord = (ch: string | undefined): boolean => ch !== undefined && WORD.test(ch);

/** Start indices of `p` in `w` with word boundaries; `startIsBoundary`: w[0] follows a boundary; `endIsBoundary`:
 *  the end of w is a boundary (the end of text). */
export function occurrences(w: string, p: string, startIsBoundary = true, endIsBoundary = true): number[] {
  const out: number[] = [];
  const needL = isWord(p[0]), needR = isWord(p[p.length - 1]);
  for (let i = w.indexOf(p); i >= 0; i = w.indexOf(p, i + 1)) {
    const end = i + p.length;
    const left = !needL || (i === 0 ? startIsBoundary : !isWord(w[i - 1]));
    const right = !needR || (end === w.length ? endIsBoundary : !isWord(w[end]));
    if (left && right) out.push(i);
  }
  return out;
}

/** Whether `text` satisfies the spec: every clause has an alternative, no excluded phrase occurs (case-insensitive,
 *  word boundaries). The independent check of an output. */
export function checkLexical(spec: LexicalSpec, text: string): { readonly missing: readonly string[]; readonly present: readonly string[] } {
  const w = text.toLowerCase();
  return {
    missing: spec.include.filter((c) => !c.some((a) => occurrences(w, a.toLowerCase()).length > 0)).map((c) => c.join("|")),
    present: spec.exclude.filter((p) => occurrences(w, p.toLowerCase()).length > 0),
  };
}

export interface LexicalState {
  /** The generated text (lower case). */
  readonly text: string;
  readonly bytes: Uint8Array;
  /** Per tracked token sequence: how many of its first tokens end the generation. */
  readonly progress: Int32Array;
  /** Per clause: satisfied by the text (an occurrence followed by a boundary or the end). */
  readonly sat: readonly boolean[];
  /** Tokens still needed to write every unsatisfied clause. */
  readonly need: number;
}

export interface LexicalConstraint extends BeamConstraint<LexicalState> {
  readonly spec: LexicalSpec;
  /** Whether the clauses fit in the token budget given to `forBudget` (false: they are not enforced). */
  readonly enforced: boolean;
}

export interface LexicalOptions {
  /** Weight λ of the progress bonus (fraction of the best phrase in progress) in the ranking (default 1). */
  readonly progressWeight?: number;
}

/** Builds the constraint for tokenizer `tok` and a generation of at most `maxTokens` tokens. */
export function lexicalConstraint(tok: Tokenizer, spec: LexicalSpec, maxTokens: number, o: LexicalOptions = {}): LexicalConstraint {
  const lambda = o.progressWeight ?? 1;
  const utf8 = new TextDecoder("utf-8", { fatal: false });
  const V = tok.vocabSize;
  const pieceBytes = Array.from({ length: V }, (_, id) => (tok.isControl?.(id) === true ? new Uint8Array(0) : tok.tokenBytes(id)));
  const pieces = pieceBytes.map((b) => utf8.decode(b).toLowerCase());
  const include = spec.include.map((c) => c.map((a) => a.toLowerCase()));
  const exclude = spec.exclude.map((p) => p.toLowerCase());
  const maxEx = Math.max(0, ...exclude.map((p) => p.length));
  // The tokens that can complete an occurrence of an excluded phrase, so that the mask checks only those: the
  // phrase's last character falls in the piece (the piece holds the phrase, or starts with a proper suffix of
  // it), or the piece starts with a non-word character that closes an occurrence at the end of the text.
  const completing = exclude.map((p) => {
    const ids: number[] = [];
    pieces.forEach((w, id) => {
      if (w === "") return;
      let hit = w.includes(p);
      for (let k = 1; k < p.length && !hit; k++) hit = w.startsWith(p.slice(p.length - k));
      if (hit) ids.push(id);
    });
    return ids;
  });
  const closing = pieces.flatMap((w, id) => (w !== "" && !isWord(w[0]) ? [id] : []));
  // Token sequences per clause: encodings of " alt" that decode to exactly " alt" (any case variant) are `spaced`
  // (usable after any text; they count toward the need); the bare encodings only propose candidates.
  const enc = (s: string): number[] => tok.encode(s, { addBos: false });
  const spell = (ids: readonly number[]): string => utf8.decode(concat(ids.map((i) => pieceBytes[i]!)));
  const seqs: { clause: number; ids: number[]; spaced: boolean }[] = [];
  include.forEach((_, c) => {
    const seen = new Set<string>();
    for (const alt of spec.include[c]!) {
      for (const form of new Set([alt, alt.toLowerCase(), alt[0]!.toUpperCase() + alt.slice(1)])) {
        const spacedIds = tok.addsSpacePrefix === true ? enc(form) : enc(` ${form}`);
        for (const [ids, spaced] of [[spacedIds, true], [enc(form), false]] as const) {
          const key = ids.join(",");
          if (ids.length === 0 || seen.has(key)) continue;
          if (spaced && spell(ids) !== ` ${form}`) continue;
          seen.add(key);
          seqs.push({ clause: c, ids, spaced });
        }
      }
    }
  });
  const fullLen = include.map((_, c) => Math.min(...seqs.filter((s) => s.clause === c && s.spaced).map((s) => s.ids.length)));
  const totalLen = fullLen.reduce((a, b) => a + b, 0);
  const enforced = include.length > 0 && Number.isFinite(totalLen) && totalLen <= maxTokens;

  const satisfiedBy = (text: string): boolean[] => include.map((alts) => alts.some((a) => occurrences(text, a).length > 0));
  /** Tokens needed: all unsatisfied clauses written from scratch, less the best saving of one sequence in progress. */
  const needOf = (sat: readonly boolean[], progress: Int32Array): number => {
    let need = 0, save = 0;
    include.forEach((_, c) => (need += sat[c] ? 0 : fullLen[c]!));
    seqs.forEach((s, i) => {
      if (s.spaced && !sat[s.clause] && progress[i]! > 0) save = Math.max(save, fullLen[s.clause]! - (s.ids.length - progress[i]!));
    });
    return need - save;
  };
  const start: LexicalState = { text: "", bytes: new Uint8Array(0), progress: new Int32Array(seqs.length), sat: include.map(() => false), need: enforced ? totalLen : 0 };

  return {
    spec,
    enforced,
    start,
    mask(s, _generated, lp, remaining) {
      if (exclude.length > 0) {
        const tail = s.text.slice(-(maxEx + 1));
        const startB = tail.length === s.text.length;
        const last = remaining === 1; // the text ends after this token: an occurrence at its end is complete
        exclude.forEach((p, k) => {
          const needR = isWord(p[p.length - 1]);
          const open = needR && occurrences(tail, p, startB, true).some((i) => i + p.length === tail.length);
          for (const ids of open ? [completing[k]!, closing] : [completing[k]!]) {
            for (const id of ids) {
              if (lp[id] === -Infinity) continue;
              // An occurrence is complete when a non-word character follows it (a phrase ending in one is complete
              // as written); it is new when it ends in the piece, or right before it and the piece closes it.
              const isNew = (i: number): boolean => i + p.length > tail.length || (needR && i + p.length === tail.length);
              if (occurrences(tail + pieces[id], p, startB, last).some(isNew)) lp[id] = -Infinity;
            }
          }
        });
      }
      const extra: number[] = [];
      seqs.forEach((q, i) => {
        if (s.sat[q.clause]) return;
        extra.push(q.ids[0]!);
        const k = s.progress[i]!;
        if (k > 0 && k < q.ids.length) extra.push(q.ids[k]!);
      });
      return extra;
    },
    advance(s, _generated, token, remaining) {
      const bytes = concat([s.bytes, pieceBytes[token]!]);
      const text = utf8.decode(bytes).toLowerCase();
      const progress = new Int32Array(seqs.length);
      seqs.forEach((q, i) => {
        const k = s.progress[i]!;
        progress[i] = q.ids[k] === token ? k + 1 : q.ids[0] === token ? 1 : 0;
        if (progress[i] === q.ids.length) progress[i] = 0;
      });
      const sat = satisfiedBy(text);
      const need = enforced ? needOf(sat, progress) : 0;
      if (enforced && need > remaining - 1) return null;
      return { text, bytes, progress, sat, need };
    },
    canEnd(s) {
      if (exclude.some((p) => occurrences(s.text, p).length > 0)) return false;
      return !enforced || s.sat.every((x) => x);
    },
    satisfied: (s) => s.sat.filter((x) => x).length,
    bonus(s) {
      let best = 0;
      seqs.forEach((q, i) => {
        if (!s.sat[q.clause] && s.progress[i]! > 0) best = Math.max(best, s.progress[i]! / q.ids.length);
      });
      return lambda * best;
    },
  };
}
