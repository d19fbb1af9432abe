// Beam-search constraints from a grammar (the GrammarMasker behind --json-schema / --grammar and the server's
// response_format) and the conjunction of two constraints (a grammar and lexical.ts's clauses), so that beam search
// decodes under the same masks as sampling does. The grammar's states are interned automaton states (immutable), so
// each hypothesis carries its own. Not here: the search (beam.ts), the grammar engine (constrain/), the lexical
// clauses (lexical.ts).
import type { BeamConstraint } from "./beam.js";
import type { GrammarMasker, WalkState } from "./constrain/index.js";
import type { LexicalConstraint } from "./lexical.js";
import { bothConstraints } from "./constraint-pair.js";

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

/** Lexical clauses and a grammar at once (either may be absent; undefined when both are): constraint-pair.ts's
 *  product, the grammar's mask first; the clauses' satisfied count and bonus rank the candidates as they do alone
 *  (the grammar adds 0 to both). */
export function jointConstraint(lexical: LexicalConstraint | undefined, grammar: BeamConstraint<WalkState> | undefined): BeamConstraint<unknown> | undefined {
  if (grammar === undefined) return lexical as BeamConstraint<unknown> | undefined;
  if (lexical === undefined) return grammar as BeamConstraint<unknown>;
  return bothConstraints(grammar, lexical) as BeamConstraint<unknown>;
}
