// Two beam constraints at once (beam.ts BeamConstraint): a token is allowed when both allow it, a hypothesis may
// end when both allow it, and the clause counts and bonuses add. E.g. deletion-only decoding (subsequence.ts) with
// must-include spans (lexical.ts). Not here: either constraint.
import type { BeamConstraint } from "./beam.js";

export function bothConstraints<A, B>(a: BeamConstraint<A>, b: BeamConstraint<B>): BeamConstraint<readonly [A, B]> {
  return {
    start: [a.start, b.start],
    mask(s, generated, lp, remaining) {
      const ea = a.mask(s[0], generated, lp, remaining);
      const eb = b.mask(s[1], generated, lp, remaining);
      // A token one constraint proposes but the other masks stays masked (lp is shared).
      return [...new Set([...ea, ...eb])];
    },
    advance(s, generated, token, remaining) {
      const na = a.advance(s[0], generated, token, remaining);
      if (na === null) return null;
      const nb = b.advance(s[1], generated, token, remaining);
      return nb === null ? null : [na, nb];
    },
    canEnd: (s) => a.canEnd(s[0]) && b.canEnd(s[1]),
    satisfied: (s) => a.satisfied(s[0]) + b.satisfied(s[1]),
    bonus: (s) => a.bonus(s[0]) + b.bonus(s[1]),
  };
}
