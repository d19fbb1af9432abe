// A word-level CEFR lexicon derived from CEFR-SP's sentence labels, for the model-free baseline and for
// simplification constraints. Rule: a word's level is the lowest level L such that at least minSupport training
// sentences of level ≤ L contain it ("the lowest sentence level it appears in, with enough support": one A1
// sentence holding "government" is not enough to call it A1). Words seen in fewer than minSupport sentences get no
// level (unknown). Words: lowercased runs of letters (with inner ' or -) of the space-tokenized CEFR-SP text.
// Not here: how the levels are used (baseline.ts, constraint.ts).
import { readFileSync } from "node:fs";
import { FormatError, KotodamaError } from "../../util/errors.js";
import type { CefrRow } from "./data.js";

export interface Lexicon {
  readonly minSupport: number;
  /** word → level 0..5. */
  readonly levels: ReadonlyMap<string, number>;
}

/** Lowercased words of a text: letter runs, inner apostrophes/hyphens kept ("don't", "well-known"). */
export function lexWords(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? [];
}

/** The words of a text (lexWords, in order, repeats kept) that the lexicon puts above `target`, except `keep`'s. */
export function wordsAbove(lex: Lexicon, target: number, text: string, keep: ReadonlySet<string> = new Set()): string[] {
  return lexWords(text).filter((w) => (lex.levels.get(w) ?? -1) > target && !keep.has(w));
}

/** The lexicon of rows (their combined labels). */
export function deriveLexicon(rows: readonly CefrRow[], minSupport = 2): Lexicon {
  if (!Number.isInteger(minSupport) || minSupport < 1) throw new KotodamaError(`lexicon: minSupport must be a positive integer, got ${minSupport}`);
  const counts = new Map<string, number[]>();
  for (const r of rows) {
    for (const w of new Set(lexWords(r.raw))) {
      let c = counts.get(w);
      if (c === undefined) counts.set(w, (c = [0, 0, 0, 0, 0, 0]));
      c[r.label]!++;
    }
  }
  const levels = new Map<string, number>();
  for (const [w, c] of counts) {
    let cum = 0;
    for (let l = 0; l < 6; l++) {
      cum += c[l]!;
      if (cum >= minSupport) {
        levels.set(w, l);
        break;
      }
    }
  }
  return { minSupport, levels: new Map([...levels].sort((x, y) => (x[0] < y[0] ? -1 : 1))) };
}

export function lexiconJson(l: Lexicon): string {
  return `${JSON.stringify({ kind: "cefr-lexicon", rule: `lowest level L with >= ${l.minSupport} training sentences of level <= L containing the word`, minSupport: l.minSupport, words: Object.fromEntries(l.levels) })}\n`;
}

export function readLexicon(path: string): Lexicon {
  let j: { kind?: unknown; minSupport?: unknown; words?: unknown };
  try {
    j = JSON.parse(readFileSync(path, "utf8")) as typeof j;
  } catch (e) {
    throw new FormatError(path, `cannot read the lexicon: ${(e as Error).message}`);
  }
  if (j.kind !== "cefr-lexicon" || typeof j.minSupport !== "number" || j.words === null || typeof j.words !== "object") throw new FormatError(path, "expected {kind: \"cefr-lexicon\", minSupport, words: {word: level 0..5}}");
  const levels = new Map<string, number>();
  for (const [w, v] of Object.entries(j.words as Record<string, unknown>)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 5) throw new FormatError(path, `word ${JSON.stringify(w)}: level ${JSON.stringify(v)} is not an integer 0..5`);
    levels.set(w, v);
  }
  return { minSupport: j.minSupport, levels };
}
