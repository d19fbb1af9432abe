// Beam-search constraints from a grammar (the GrammarMasker behind --json-schema / --grammar and the server's
// response_format) and the conjunction of two constraints (a grammar and lexical.ts's clauses), so that beam search
// decodes under the same masks as sampling does. The grammar's states are interned automaton states (immutable), so
// each hypothesis carries its own. Not here: the search (beam.ts), the grammar engine (constrain/), the lexical
// clauses (lexical.ts).
import type { BeamConstraint } from "./beam.js";
import type { GrammarMasker, WalkState } from "./constrain/index.js";
import type { LexicalConstraint, LexicalState } from "./lexical.js";

/** The grammar as a beam constraint: tokens it refuses are masked; `endIds` (EOS, end of turn) keep their
 *  log-probability and end a hypothesis only where the grammar accepts (canEnd). */
export function grammarBeamConstraint(masker: GrammarMasker, endIds: ReadonlySet<number>): BeamConstraint<WalkState> {
  const bits = new Uint32Array(masker.words);
  const V = masker.trie.vocabSize;
  return {
    start: masker.start(),
    mask(s, _generated, lp) {
      masker.mask(s, bits);
      for (let id = 0; id < lp.length; id++) {
        if (endIds.has(id)) continue;
        if (id >= V || ((bits[id >>> 5]! >>> (id & 31)) & 1) === 0) lp[id] = -Infinity;
      }
      return [];
    },
    advance: (s, _generated, token) => masker.stepToken(s, token),
    canEnd: (s) => masker.accepts(s),
    satisfied: () => 0,
    bonus: () => 0,
  };
}

/** A hypothesis's state under lexical clauses and/or a grammar (null: that constraint is absent). */
export interface JointState {
  readonly lexical: LexicalState | null;
  readonly grammar: WalkState | null;
}

/** Lexical clauses and a grammar at once (either may be absent; undefined when both are): a token must pass both
 *  masks, a child is valid when both advance, a hypothesis may end when both allow it; the clauses' satisfied count
 *  and bonus rank the candidates as they do alone. */
export function jointConstraint(lexical: LexicalConstraint | undefined, grammar: BeamConstraint<WalkState> | undefined): BeamConstraint<JointState> | undefined {
  if (lexical === undefined && grammar === undefined) return undefined;
  const L = lexical ?? null, G = grammar ?? null;
  return {
    start: { lexical: L === null ? null : L.start, grammar: G === null ? null : G.start },
    mask(s, generated, lp, remaining) {
      const g = G === null || s.grammar === null ? [] : G.mask(s.grammar, generated, lp, remaining);
      const l = L === null || s.lexical === null ? [] : L.mask(s.lexical, generated, lp, remaining);
      return [...g, ...l];
    },
    advance(s, generated, token, remaining) {
      const grammarNext = G === null || s.grammar === null ? null : G.advance(s.grammar, generated, token, remaining);
      if (G !== null && grammarNext === null) return null;
      const lexicalNext = L === null || s.lexical === null ? null : L.advance(s.lexical, generated, token, remaining);
      if (L !== null && lexicalNext === null) return null;
      return { lexical: lexicalNext, grammar: grammarNext };
    },
    canEnd: (s) => (G === null || s.grammar === null || G.canEnd(s.grammar)) && (L === null || s.lexical === null || L.canEnd(s.lexical)),
    satisfied: (s) => (L === null || s.lexical === null ? 0 : L.satisfied(s.lexical)),
    bonus: (s) => (L === null || s.lexical === null ? 0 : L.bonus(s.lexical)),
  };
}
