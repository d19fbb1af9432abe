// A word-level CEFR constraint on decoding, in the spirit of Zetsu et al. 2024's lexical constraints for
// level-targeted simplification (reduced here to one rule): words whose lexicon level (lexicon.ts) is above the
// target are penalised, through a logits hook (infer/generate.ts LogitsHook). Tokens do not align with words, so
// for each candidate token the hook appends its text to the word being written and subtracts `penalty` when
//   - a word it completes (a letter run followed by a non-letter) is above the target, or
//   - the letter run it leaves open can only grow into words above the target (every lexicon word with that
//     prefix is above it, and at least one exists).
// Words missing from the lexicon are allowed (they are unknown, not hard), and so are `keep` words (e.g. the
// source's names). penalty = Infinity disallows. Not here: keep / delete / replace span edits (the rest of the
// issue's edit constraints), beam search.
import type { LogitsHook } from "../../infer/index.js";
import type { Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import type { Lexicon } from "./lexicon.js";

const LETTER = /\p{L}/u;

export interface LevelConstraint {
  readonly hook: LogitsHook;
  /** Lexicon words above the target (penalised unless kept). */
  readonly forbidden: ReadonlySet<string>;
  /** The words above the target that a text contains (to count violations of an output). */
  violations(text: string): string[];
}

/** The constraint for a target level 0 (A1) … 5 (C2). */
export function levelConstraint(tok: Tokenizer, lex: Lexicon, target: number, o: { readonly penalty?: number; readonly keep?: Iterable<string> } = {}): LevelConstraint {
  const penalty = o.penalty ?? Infinity;
  if (!(penalty > 0)) throw new KotodamaError(`level constraint: penalty must be > 0, got ${penalty}`);
  if (!Number.isInteger(target) || target < 0 || target > 5) throw new KotodamaError(`level constraint: target must be a level 0..5, got ${target}`);
  const keep = new Set([...(o.keep ?? [])].map((w) => w.toLowerCase()));
  const forbidden = new Set([...lex.levels].filter(([w, l]) => l > target && !keep.has(w)).map(([w]) => w));
  // prefix → 1 (only forbidden words below it), 2 (some allowed word below it).
  const prefix = new Map<string, number>();
  // Kept words count as allowed words below their prefixes even when the lexicon lacks them ("fuji" kept must
  // not be blocked at "fuj" because the only lexicon word there, "fujita", is above the target).
  for (const w of new Set([...lex.levels.keys(), ...keep])) {
    const bad = forbidden.has(w);
    for (let i = 1; i <= w.length; i++) {
      const p = w.slice(0, i);
      prefix.set(p, Math.max(prefix.get(p) ?? 0, bad ? 1 : 2));
    }
  }
  const V = tok.vocabSize;
  const texts = Array.from({ length: V }, (_, id) => (tok.isControl?.(id) === true ? "" : tok.decode([id]).toLowerCase()));
  const hasLetter = texts.map((t) => LETTER.test(t));
  const wordChar = (ch: string, cur: string): boolean => LETTER.test(ch) || (cur !== "" && (ch === "'" || ch === "-" || ch === "’"));
  const violates = (cur: string, s: string): boolean => {
    for (const ch of s) {
      if (wordChar(ch, cur)) cur += ch;
      else {
        if (cur !== "" && forbidden.has(cur)) return true;
        cur = "";
      }
    }
    return cur !== "" && prefix.get(cur) === 1;
  };
  const hook: LogitsHook = (logits, generated) => {
    const m = /[\p{L}'’-]*$/u.exec(tok.decode([...generated]).toLowerCase());
    const cur = m === null ? "" : m[0].replace(/^['’-]+/, "");
    for (let id = 0; id < logits.length && id < V; id++) {
      if (cur === "" && !hasLetter[id]) continue;
      if (violates(cur, texts[id]!)) logits[id] = penalty === Infinity ? -Infinity : logits[id]! - penalty;
    }
  };
  return {
    hook,
    forbidden,
    violations: (text) => (text.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? []).filter((w) => forbidden.has(w)),
  };
}
