// Span edit constraints for simplification in the style of Zetsu et al. 2024, relative to the source sentence:
// keep spans (must appear in the output), delete spans (must not), replace spans ("old=>new|other": old must not
// appear, one of the new ones must), turned into NeuroLogic lexical constraints (infer/lexical.ts) for beam search,
// combined with the word-level CEFR constraint (constraint.ts) applied as a mask/penalty on each beam's next-token
// log-probabilities. Kept and inserted words are exempt from the level constraint.
// Not here: the search (infer/beam.ts), the lexicon (lexicon.ts), the prompt (simplify.ts).
import type { BeamConstraint, LexicalSpec, LogitsHook } from "../../infer/index.js";
import { occurrences, parseLexicalSpec } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";

export interface SpanEdits {
  readonly keep: readonly string[];
  readonly delete: readonly string[];
  /** [old, new alternatives]. */
  readonly replace: readonly (readonly [string, readonly string[]])[];
}

export const NO_EDITS: SpanEdits = { keep: [], delete: [], replace: [] };

/** Parses --keep / --delete / --replace values against the source: every kept, deleted or replaced span must occur
 *  in it (case-insensitive, at word boundaries), else an error names the flag and the span. */
export function parseSpanEdits(source: string, keep: readonly string[], del: readonly string[], replace: readonly string[], where: string): SpanEdits {
  const src = source.toLowerCase();
  const inSource = (flag: string, span: string): string => {
    const t = span.trim().replace(/\s+/g, " ");
    if (t === "") throw new KotodamaError(`${where}: ${flag} "${span}" is empty; expected a span of the source`);
    if (occurrences(src, t.toLowerCase()).length === 0) throw new KotodamaError(`${where}: ${flag} "${t}" does not occur in the source sentence (spans are matched case-insensitively at word boundaries)`);
    return t;
  };
  return {
    keep: keep.map((k) => inSource("--keep", k)),
    delete: del.map((d) => inSource("--delete", d)),
    replace: replace.map((r) => {
      const at = r.indexOf("=>");
      if (at < 0) throw new KotodamaError(`${where}: --replace "${r}" expected OLD=>NEW (alternatives NEW|OTHER)`);
      const news = r.slice(at + 2).split("|").map((x) => x.trim()).filter((x) => x !== "");
      if (news.length === 0) throw new KotodamaError(`${where}: --replace "${r}" has no replacement after =>`);
      return [inSource("--replace", r.slice(0, at)), news] as const;
    }),
  };
}

/** The lexical spec of the edits: kept spans and replacements are clauses, deleted and replaced spans excluded;
 *  `extra` adds plain --include/--exclude phrases. */
export function editsToLexical(e: SpanEdits, extra: LexicalSpec = { include: [], exclude: [] }): LexicalSpec {
  const spec = parseLexicalSpec([...e.keep, ...e.replace.map(([, n]) => n.join("|"))], [...e.delete, ...e.replace.map(([o]) => o)], "span edits");
  return { include: [...spec.include, ...extra.include], exclude: [...spec.exclude, ...extra.exclude] };
}

/** Words an edit puts in the output (exempt from the level constraint). */
export function editWords(e: SpanEdits, extra: LexicalSpec = { include: [], exclude: [] }): string[] {
  const phrases = [...e.keep, ...e.replace.flatMap(([, n]) => n), ...extra.include.flat()];
  return phrases.flatMap((p) => p.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? []);
}

/** A beam constraint that also applies a logits hook (the CEFR level constraint) to each beam's next-token
 *  log-probabilities: a token the hook sets to −∞ is masked, a penalised one loses the same amount. */
export function withLogitsHook<S>(c: BeamConstraint<S>, hook: LogitsHook): BeamConstraint<S> {
  let f32 = new Float32Array(0), before = new Float32Array(0);
  return {
    ...c,
    mask(s, generated, lp, remaining) {
      if (f32.length !== lp.length) [f32, before] = [new Float32Array(lp.length), new Float32Array(lp.length)];
      for (let i = 0; i < lp.length; i++) f32[i] = lp[i]!;
      before.set(f32);
      hook(f32, generated);
      for (let i = 0; i < lp.length; i++) {
        if (f32[i] === before[i]) continue;
        lp[i] = f32[i] === -Infinity ? -Infinity : lp[i]! + (f32[i]! - before[i]!);
      }
      return c.mask(s, generated, lp, remaining);
    },
  };
}
