// The grammar's pushdown recognizer, one Unicode character at a time (llama.cpp's llama_grammar_advance_stack,
// in TypeScript): a state is a set of stacks of element positions whose tops are character classes; a character
// advances every stack whose top matches it. Stacks are hash-consed (one object per distinct stack, with an id) so
// sets of them compare and dedupe in O(1) per stack and share their tails.
// Not here: bytes and UTF-8 (mask.ts walks token bytes), GBNF syntax (gbnf.ts).
import { CHAR, END, type Grammar } from "./gbnf.js";

/** A stack: `pos` is its top element (a CHAR position) and `next` the stack below. Two special positions:
 *  ACCEPT (the whole grammar matched, nothing below) and BOUNDARY (a cut-off: what lies below is unknown; mask.ts
 *  uses it to precompute masks that hold for any stack with the same top). */
export interface Stack {
  readonly id: number;
  readonly pos: number;
  readonly next: Stack | null;
}

export const ACCEPT = -2, BOUNDARY = -1;
const NONE: readonly Stack[] = [];

/** Whether code point `cp` is in the sorted inclusive ranges `r`. */
export function inRanges(r: Int32Array, cp: number): boolean {
  for (let i = 0; i < r.length; i += 2) {
    if (cp < r[i]!) return false;
    if (cp <= r[i + 1]!) return true;
  }
  return false;
}

/** Whether some code point of [lo, hi] is in the ranges `r`. */
export function rangesMeet(r: Int32Array, lo: number, hi: number): boolean {
  for (let i = 0; i < r.length; i += 2) if (r[i]! <= hi && r[i + 1]! >= lo) return true;
  return false;
}

/** The stacks of one grammar: interning, expansion and advancing. One per grammar (its intern table grows with
 *  the distinct stacks seen; a JSON document of depth d has O(d) of them per position). */
export class Recognizer {
  private readonly table = new Map<string, Stack>();
  /** after() per stack id. */
  private readonly memo: (readonly Stack[] | undefined)[] = [];
  readonly accept: Stack;
  readonly boundary: Stack;

  constructor(readonly grammar: Grammar) {
    this.accept = this.stack(ACCEPT, null);
    this.boundary = this.stack(BOUNDARY, null);
  }

  /** The interned stack (pos, next). */
  stack(pos: number, next: Stack | null): Stack {
    const key = `${pos}:${next === null ? -1 : next.id}`;
    let s = this.table.get(key);
    if (s === undefined) {
      s = { id: this.table.size, pos, next };
      this.table.set(key, s);
    }
    return s;
  }

  /** Number of distinct stacks interned so far. */
  get size(): number {
    return this.table.size;
  }

  /** Adds to `out` the stacks reached from `s` without consuming input: references expand to each alternative of
   *  their rule, ends of alternatives pop. Left recursion is rejected by the compiler, so this terminates. */
  private expand(s: Stack | null, out: Map<number, Stack>): void {
    if (s === null) {
      out.set(this.accept.id, this.accept);
      return;
    }
    const g = this.grammar;
    const p = s.pos;
    if (p < 0 || g.kinds[p] === CHAR) {
      out.set(s.id, s);
      return;
    }
    if (g.kinds[p] === END) {
      this.expand(s.next, out);
      return;
    }
    // A reference: continue after it (nothing to push when it is the last element: a tail call, so that
    // right-recursive repetition keeps a constant depth).
    const rest = g.kinds[p + 1] === END ? s.next : this.stack(p + 1, s.next);
    for (const a of g.alts[g.refs[p]!]!) this.expand(this.stack(a, rest), out);
  }

  /** The start state: the root rule expanded. */
  start(): readonly Stack[] {
    const out = new Map<number, Stack>();
    for (const a of this.grammar.alts[this.grammar.root]!) this.expand(this.stack(a, null), out);
    return [...out.values()];
  }

  /** The stacks after one character; [] when no stack takes it. BOUNDARY and ACCEPT stacks take nothing. The
   *  result is shared (memoized): do not modify it. */
  advance(stacks: readonly Stack[], cp: number): readonly Stack[] {
    if (stacks.length === 1) return this.advanceOne(stacks[0]!, cp);
    let only: readonly Stack[] = NONE;
    let out: Stack[] | null = null;
    for (const s of stacks) {
      const r = this.advanceOne(s, cp);
      if (r.length === 0) continue;
      if (only.length === 0) only = r;
      else {
        out ??= [...only];
        for (const t of r) if (!out.includes(t)) out.push(t);
      }
    }
    return out ?? only;
  }

  private advanceOne(s: Stack, cp: number): readonly Stack[] {
    if (s.pos < 0 || !inRanges(this.grammar.ranges[s.pos]!, cp)) return NONE;
    return this.after(s);
  }

  /** The stacks after `s`'s top character class took a character — the same whichever character it was, so
   *  memoized per stack (a trie walk meets the same stack at every character inside a string). The result is
   *  shared: do not modify it. */
  after(s: Stack): readonly Stack[] {
    let r = this.memo[s.id];
    if (r === undefined) {
      const out = new Map<number, Stack>();
      this.expand(this.stack(s.pos + 1, s.next), out);
      r = [...out.values()];
      this.memo[s.id] = r;
    }
    return r;
  }

  /** Whether a code point in [lo, hi] can advance some stack (a partial UTF-8 character's possible values). */
  canTake(stacks: readonly Stack[], lo: number, hi: number): boolean {
    for (const s of stacks) if (s.pos >= 0 && rangesMeet(this.grammar.ranges[s.pos]!, lo, hi)) return true;
    return false;
  }

  /** Whether the grammar may end here. */
  accepts(stacks: readonly Stack[]): boolean {
    return stacks.some((s) => s.pos === ACCEPT);
  }

  /** The stack cut to its top `k` positions with BOUNDARY below (itself when it is no deeper than k). */
  truncate(s: Stack, k: number): Stack {
    const tops: number[] = [];
    let t: Stack | null = s;
    while (t !== null && tops.length < k) {
      tops.push(t.pos);
      t = t.next;
    }
    if (t === null) return s;
    let r = this.boundary;
    for (let i = tops.length - 1; i >= 0; i--) r = this.stack(tops[i]!, r);
    return r;
  }

  /** Whether a text matches the whole grammar. */
  matches(text: string): boolean {
    let st = this.start();
    for (const ch of text) {
      st = this.advance(st, ch.codePointAt(0)!);
      if (st.length === 0) return false;
    }
    return this.accepts(st);
  }
}
