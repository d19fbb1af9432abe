// Deletion-only decoding for beam.ts: the output must be the source text with some of its units deleted (a
// subsequence of its words and punctuation marks, in order, each written as in the source), so the model only
// chooses what to keep. This is the keep/delete half of edit-constrained simplification (Zetsu et al. 2024) as a
// hard constraint: nothing the model writes can be unsupported by the source. Units are the source's words
// (letters/digits with inner ' ’ -) and punctuation marks; a word is written after one space, a closing mark
// (. , ; : ! ? ) ] ” ’ …) right after the previous unit; the first unit kept may be capitalised and may follow one
// space (a chat reply's first token often carries it). At least `minKeep` of the source's words must be kept
// before the text may end.
//   Checked on bytes: the state is the set of positions (unit, variant, byte offset) the text so far can stand
// at, with the most words kept on a path to each; a token is masked when its bytes lead nowhere.
// Not here: the search (beam.ts), the level mask and rerank for simplification (eval/cefr).
import type { Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import type { BeamConstraint } from "./beam.js";

export interface SubsequenceOptions {
  /** Fraction of the source's words the output keeps at least (default 0.5). */
  readonly minKeep?: number;
  /** Log-probability taken from a hypothesis per source word it deletes (default 0): 0 lets the model's
   *  likelihood alone choose; higher keeps more, deleting only what the model finds much less likely than the
   *  penalty. Words deleted at the end are charged with the end of text. */
  readonly deletePenalty?: number;
  /** Words never deleted (matched case-insensitively against whole units: every occurrence is kept). */
  readonly keep?: readonly string[];
}

/** A unit of the source: its text and whether it is written without a space before it. */
export interface SourceUnit {
  readonly text: string;
  readonly glue: boolean;
  readonly word: boolean;
}

const UNIT = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;
const CLOSING = /^[.,;:!?)\]}”’…%]$/u;

/** The source's units in order (words, and punctuation marks one character each). */
export function sourceUnits(source: string): SourceUnit[] {
  return [...source.matchAll(UNIT)].map((m) => {
    const text = m[0];
    const word = /[\p{L}\p{N}]/u.test(text);
    return { text, word, glue: !word && CLOSING.test(text) };
  });
}

/** positions: flat triples (unit, variant, offset); kept[i] is the most words kept on a path to position i. */
export interface SubsequenceState {
  readonly pos: Int32Array;
  readonly kept: Int32Array;
  /** Bytes written so far (0: nothing yet). */
  readonly written: number;
}

export interface SubsequenceConstraint extends BeamConstraint<SubsequenceState> {
  readonly units: readonly SourceUnit[];
  /** Words to keep at least. */
  readonly minWords: number;
}

const enc = new TextEncoder();

/** The constraint for tokenizer `tok` and source text `source`. */
export function subsequenceConstraint(tok: Tokenizer, source: string, o: SubsequenceOptions = {}): SubsequenceConstraint {
  const minKeep = o.minKeep ?? 0.5;
  if (!(minKeep >= 0 && minKeep <= 1)) throw new KotodamaError(`deletion-only decoding: minKeep must be in [0, 1], got ${minKeep}`);
  const units = sourceUnits(source);
  if (units.length === 0) throw new KotodamaError("deletion-only decoding: the source has no words or punctuation to keep");
  const n = units.length;
  const words = units.reduce((a, u) => a + (u.word ? 1 : 0), 0);
  const minWords = Math.min(words, Math.ceil(minKeep * words - 1e-9));
  const lambda = o.deletePenalty ?? 0;
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new KotodamaError(`deletion-only decoding: deletePenalty must be a finite number ≥ 0, got ${lambda}`);
  // Words at or after unit j (for pruning paths that can no longer keep minWords).
  const wordsFrom = new Int32Array(n + 1);
  for (let j = n - 1; j >= 0; j--) wordsFrom[j] = wordsFrom[j + 1]! + (units[j]!.word ? 1 : 0);
  // Units that may not be deleted, and for each j the first such unit at or after j (n: none).
  const keepSet = new Set((o.keep ?? []).map((w) => w.toLowerCase()));
  const required = units.map((u) => keepSet.has(u.text.toLowerCase()));
  const nextRequired = new Int32Array(n + 1).fill(n);
  for (let j = n - 1; j >= 0; j--) nextRequired[j] = required[j] ? j : nextRequired[j + 1]!;
  // Words deleted on the best path to a state: min over its positions of (words in units 0..j) − kept.
  const deleted = (st: SubsequenceState): number => {
    let d = Infinity;
    for (let i = 0; i < st.pos.length; i += 3) d = Math.min(d, words - wordsFrom[st.pos[i]! + 1]! - st.kept[i / 3]!);
    return st.pos.length === 0 ? 0 : d;
  };
  /** Words deleted when the text ends in this state (the rest of the source too), or Infinity if it may not end. */
  const deletedAtEnd = (st: SubsequenceState): number => {
    let d = Infinity;
    for (let i = 0; i < st.pos.length; i += 3) {
      const j = st.pos[i]!, k = st.kept[i / 3]!;
      if (st.pos[i + 2] === variants[j]![st.pos[i + 1]!]!.length && k >= minWords && nextRequired[j + 1] === n) d = Math.min(d, words - k);
    }
    return d;
  };
  // Variant 0: as a later unit (" word" or a glued mark); 1–4: as the first unit (as is, capitalised, each with
  // or without one space before it).
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const variants: Uint8Array[][] = units.map((u) => {
    const later = enc.encode(u.glue ? u.text : ` ${u.text}`);
    const firsts = [...new Set([u.text, cap(u.text), ` ${u.text}`, ` ${cap(u.text)}`])].map((s) => enc.encode(s));
    return [later, ...firsts];
  });
  /** Calls f for each (unit, variant) that may be written next from unit `from` on: as the first unit kept
   *  (variants 1–4) or a later one (variant 0), never past a unit that may not be deleted. */
  const eachStart = (from: number, first: boolean, f: (m: number, v: number) => void): void => {
    const last = Math.min(n - 1, nextRequired[from]!);
    for (let m = from; m <= last; m++) for (let v = first ? 1 : 0; v < (first ? variants[m]!.length : 1); v++) f(m, v);
  };
  const V = tok.vocabSize;
  const pieces = Array.from({ length: V }, (_, id) => (tok.isControl?.(id) === true ? new Uint8Array(0) : tok.tokenBytes(id)));

  /** One byte from a position set; returns the next set (deduplicated, most kept per position). */
  const step = (pos: Int32Array, kept: Int32Array, written: number, b: number): [Int32Array, Int32Array] => {
    const outPos: number[] = [], outKept: number[] = [];
    const add = (j: number, v: number, c: number, k: number): void => {
      if (k + wordsFrom[j + 1]! < minWords) return; // too few words left after unit j to keep minWords
      for (let i = 0; i < outPos.length; i += 3) {
        if (outPos[i] === j && outPos[i + 1] === v && outPos[i + 2] === c) {
          if (k > outKept[i / 3]!) outKept[i / 3] = k;
          return;
        }
      }
      outPos.push(j, v, c);
      outKept.push(k);
    };
    const startUnit = (from: number, first: boolean, k0: number): void =>
      eachStart(from, first, (m, v) => {
        if (variants[m]![v]![0] === b) add(m, v, 1, k0 + (units[m]!.word ? 1 : 0));
      });
    if (written === 0) startUnit(0, true, 0);
    for (let i = 0; i < pos.length; i += 3) {
      const j = pos[i]!, v = pos[i + 1]!, c = pos[i + 2]!, e = variants[j]![v]!, k = kept[i / 3]!;
      if (c < e.length) {
        if (e[c] === b) add(j, v, c + 1, k);
      } else startUnit(j + 1, false, k);
    }
    return [Int32Array.from(outPos), Int32Array.from(outKept)];
  };

  const walk = (s: SubsequenceState, bytes: Uint8Array): SubsequenceState | null => {
    let pos = s.pos, kept = s.kept, written = s.written;
    for (const b of bytes) {
      [pos, kept] = step(pos, kept, written, b);
      written++;
      if (pos.length === 0) return null;
    }
    return { pos, kept, written };
  };

  const start: SubsequenceState = { pos: new Int32Array(0), kept: new Int32Array(0), written: 0 };
  return {
    units,
    minWords,
    start,
    mask(s, _generated, lp) {
      // The bytes that can come next, to skip most tokens without walking them.
      const next = new Uint8Array(256);
      const starts = (from: number, first: boolean): void => eachStart(from, first, (m, v) => void (next[variants[m]![v]![0]!] = 1));
      if (s.written === 0) starts(0, true);
      for (let i = 0; i < s.pos.length; i += 3) {
        const e = variants[s.pos[i]!]![s.pos[i + 1]!]!, c = s.pos[i + 2]!;
        if (c < e.length) next[e[c]!] = 1;
        else starts(s.pos[i]! + 1, false);
      }
      const before = lambda > 0 ? deleted(s) : 0;
      const atEnd = lambda > 0 ? deletedAtEnd(s) : 0;
      for (let id = 0; id < V; id++) {
        if (lp[id] === -Infinity) continue;
        const p = pieces[id]!;
        if (p.length === 0) {
          // Control tokens: the end of text is the search's (canEnd) and pays for the words left out after the
          // last kept one; other control tokens are pruned in advance.
          if (lambda > 0 && Number.isFinite(atEnd)) lp[id] = lp[id]! - lambda * (atEnd - before);
          continue;
        }
        if (next[p[0]!] === 0) {
          lp[id] = -Infinity;
          continue;
        }
        const after = walk(s, p);
        if (after === null) lp[id] = -Infinity;
        else if (lambda > 0) lp[id] = lp[id]! - lambda * (deleted(after) - before);
      }
      return [];
    },
    advance: (s, _generated, token) => {
      const p = pieces[token]!;
      return p.length === 0 ? null : walk(s, p);
    },
    canEnd: (s) => Number.isFinite(deletedAtEnd(s)),
    satisfied: () => 0,
    bonus: () => 0,
  };
}
