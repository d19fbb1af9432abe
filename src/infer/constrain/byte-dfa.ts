// A byte automaton for one grammar, built lazily (the determinized view of the recognizer that a trie walk needs).
// A state is a set of stacks between characters, interned (one object and id per distinct set). Two facts keep it
// small and its transitions cheap: (1) a stack's successors after its top class takes a character do not depend on
// which character (Recognizer.after), so a set's successor depends only on *which* of its stacks take the character
// — a bit pattern, memoized per state; (2) inside a multi-byte character nothing is interned: a walk carries
// (state, cp so far, bytes to come) and checks the partial character against the tops' classes by arithmetic.
// ASCII transitions sit in a flat table (128 slots per state), so most trie nodes cost one array read.
// Not here: the stacks themselves (recognizer.ts), the trie walk and the mask cache (mask.ts).
import { BOUNDARY, inRanges, rangesMeet, type Recognizer, type Stack } from "./recognizer.js";
import { partialHi, partialLo } from "./utf8.js";

export interface DfaState {
  readonly id: number;
  /** The automaton's generation: ids are only meaningful within it (the tables start over past their bounds). */
  readonly epoch: number;
  readonly stacks: readonly Stack[];
  /** A partial UTF-8 character: code point bits so far, bytes to come (0 for an interned state: between
   *  characters). A state inside a character is a plain object carrying the id of the interned state it is in. */
  readonly cp: number;
  readonly need: number;
}

export const UNKNOWN = -2, REJECT = -1;
export const HIGH_MIXED = 0, HIGH_NONE = 1, HIGH_SAME = 2;

/** Whether sorted ranges hold every code point of [80, 10FFFF]. */
function coversHigh(r: Int32Array): boolean {
  for (let i = 0; i < r.length; i += 2) if (r[i]! <= 0x80 && r[i + 1]! >= 0x10ffff) return true;
  return false;
}
/** Bounds on one grammar's tables (states; each holds 128 ASCII slots and a small pattern map); past them the
 *  automaton starts over at the next walk, so a long-lived server's memory stays bounded. */
const MAX_STATES = 1 << 16;
/** Sets with more stacks than this take the recognizer's path for non-ASCII characters (a pattern is a 31-bit int). */
const MAX_PATTERN_STACKS = 30;

/** A table twice as long holding `a` first and `fill` after it (the per-state tables grow as states are met). */
function doubled<T extends Uint8Array | Int32Array>(a: T, fill: number): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}

export class ByteDfa {
  private states: DfaState[] = [];
  private index = new Map<string, number>();
  /** Per state: the character-class ranges of its stacks (null for ACCEPT / BOUNDARY, which take nothing). */
  private tops: (Int32Array | null)[][] = [];
  /** Per state: successor by the pattern of stacks that took a character. */
  private byPattern: Map<number, number>[] = [];
  /** Per state, 1 when some stack is BOUNDARY (a walk from a cut stack went below the cut: tokens refused past
   *  here are context-dependent). */
  boundary = new Uint8Array(1024);
  /** ASCII transitions: state × 128 → state, REJECT, or UNKNOWN (not computed yet). */
  ascii = new Int32Array(1024 * 128).fill(UNKNOWN);
  /** Per state, how its stacks meet the non-ASCII code points [80, 10FFFF]: HIGH_MIXED (some class splits them:
   *  check each character), HIGH_NONE (no stack takes any), HIGH_SAME (the same stacks take every one — a JSON
   *  string's class — so any valid partial character fits and every one leads to `highNext`). */
  highKind = new Uint8Array(1024);
  highNext = new Int32Array(1024).fill(UNKNOWN);
  private gen = 0;

  constructor(
    readonly rec: Recognizer,
    private readonly maxStates = MAX_STATES,
  ) {}

  /** Number of states interned in this generation. */
  get size(): number {
    return this.states.length;
  }

  get epoch(): number {
    return this.gen;
  }

  /** Starts over when the tables are past their bounds; call only between walks (ids held by a walk would go
   *  stale). States from before are re-interned by `resolve`. */
  maybeReset(): void {
    if (this.states.length < this.maxStates) return;
    this.states = [];
    this.index = new Map();
    this.tops = [];
    this.byPattern = [];
    this.boundary = new Uint8Array(1024);
    this.ascii = new Int32Array(1024 * 128).fill(UNKNOWN);
    this.highKind = new Uint8Array(1024);
    this.highNext = new Int32Array(1024).fill(UNKNOWN);
    this.gen++;
  }

  /** The interned state of a set of stacks (between characters). */
  intern(stacks: readonly Stack[]): DfaState {
    const ids = stacks.map((s) => s.id).sort((a, b) => a - b);
    const key = ids.join(",");
    const hit = this.index.get(key);
    if (hit !== undefined) return this.states[hit]!;
    const id = this.states.length;
    const st: DfaState = { id, epoch: this.gen, stacks, cp: 0, need: 0 };
    this.states.push(st);
    this.index.set(key, id);
    this.tops.push(stacks.map((s) => (s.pos < 0 ? null : this.rec.grammar.ranges[s.pos]!)));
    this.byPattern.push(new Map());
    if (id >= this.boundary.length) {
      this.boundary = doubled(this.boundary, 0);
      this.ascii = doubled(this.ascii, UNKNOWN);
      this.highKind = doubled(this.highKind, 0);
      this.highNext = doubled(this.highNext, UNKNOWN);
    }
    this.boundary[id] = stacks.some((s) => s.pos === BOUNDARY) ? 1 : 0;
    let some = false, mixed = false;
    for (const r of this.tops[id]!) {
      if (r === null || !rangesMeet(r, 0x80, 0x10ffff)) continue;
      if (coversHigh(r)) some = true;
      else mixed = true;
    }
    this.highKind[id] = mixed ? HIGH_MIXED : some ? HIGH_SAME : HIGH_NONE;
    return st;
  }

  /** The same state in this generation: an interned state itself unless the tables started over since. */
  resolve(s: DfaState): DfaState {
    if (s.epoch === this.gen) return s;
    const base = this.intern(s.stacks);
    return s.need === 0 ? base : { ...s, id: base.id, epoch: this.gen };
  }

  state(id: number): DfaState {
    return this.states[id]!;
  }

  /** Whether some stack of state `id` can take a code point that the partial character (cp so far, `need` bytes
   *  to come) can still become. */
  fits(id: number, cp: number, need: number): boolean {
    const k = this.highKind[id]!;
    if (k !== HIGH_MIXED) return k === HIGH_SAME;
    const lo = partialLo(cp, need), hi = partialHi(cp, need);
    for (const r of this.tops[id]!) if (r !== null && rangesMeet(r, lo, hi)) return true;
    return false;
  }

  /** The successor of state `id` on a whole character `cp`: a state id, or REJECT. */
  char(id: number, cp: number): number {
    if (cp < 0x80) {
      const t = this.ascii[id * 128 + cp]!;
      if (t !== UNKNOWN) return t;
    } else if (this.highKind[id] !== HIGH_MIXED) {
      if (this.highKind[id] === HIGH_NONE) return REJECT;
      const t = this.highNext[id]!;
      if (t !== UNKNOWN) return t;
    }
    const tops = this.tops[id]!;
    let next: number;
    if (tops.length > MAX_PATTERN_STACKS) {
      const a = this.rec.advance(this.states[id]!.stacks, cp);
      next = a.length === 0 ? REJECT : this.intern(a).id;
    } else {
      let pattern = 0;
      for (let i = 0; i < tops.length; i++) if (tops[i] !== null && inRanges(tops[i]!, cp)) pattern |= 1 << i;
      if (pattern === 0) next = REJECT;
      else {
        const memo = this.byPattern[id]!;
        const hit = memo.get(pattern);
        if (hit !== undefined) next = hit;
        else {
          next = this.follow(id, pattern);
          memo.set(pattern, next);
        }
      }
    }
    if (cp < 0x80) this.ascii[id * 128 + cp] = next;
    else if (this.highKind[id] === HIGH_SAME) this.highNext[id] = next;
    return next;
  }

  /** The state of the successors of the stacks selected by `pattern`. */
  private follow(id: number, pattern: number): number {
    const stacks = this.states[id]!.stacks;
    let only: readonly Stack[] | null = null;
    let out: Stack[] | null = null;
    for (let i = 0; i < stacks.length; i++) {
      if (((pattern >>> i) & 1) === 0) continue;
      const r = this.rec.after(stacks[i]!);
      if (r.length === 0) continue;
      if (only === null) only = r;
      else {
        out ??= [...only];
        for (const t of r) if (!out.includes(t)) out.push(t);
      }
    }
    const set = out ?? only;
    return set === null ? REJECT : this.intern(set).id;
  }
}
