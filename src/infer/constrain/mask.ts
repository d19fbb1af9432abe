// Token masks for a grammar: which tokens of a vocabulary may come next. The walk goes down the vocabulary's byte
// trie (token-trie.ts) carrying the recognizer's stacks and a partial UTF-8 character, pruning a subtree as soon as
// no stack can take its prefix (byte-level BPE tokens may end or start inside a character: the partial character
// is carried, and kept only while some stack's class contains a code point it could become).
// Speed, after XGrammar's split into context-independent and context-dependent tokens (Dong et al. 2024), reduced:
// a mask is precomputed, once per grammar, for each stack cut to its top K positions (BOUNDARY below). A token
// consumed within those K positions is allowed whatever lies below; one that needs to go below is context-
// dependent, and only those are checked against the full stacks at each step. Masks are cached by the cut stack.
// Not here: grammar syntax (gbnf.ts), the stack machinery (recognizer.ts), logits and sampling (constraint.ts).
import { KotodamaError } from "../../util/errors.js";
import { BOUNDARY, Recognizer, type Stack } from "./recognizer.js";
import type { TokenTrie } from "./token-trie.js";

/** Where a token walk stands: the stacks and a partial UTF-8 character (cp so far, `need` bytes to come). */
export interface WalkState {
  readonly stacks: readonly Stack[];
  readonly cp: number;
  readonly need: number;
}

interface CachedMask {
  /** Bit per token id: allowed whatever lies below the cut. */
  readonly allowed: Uint32Array;
  /** Tokens to check against the full stacks. */
  readonly contextual: Int32Array;
}

/** Stack positions kept when cutting a stack for the mask cache. 3 keeps a JSON string's character loop, its
 *  repetition rule and the closing quote together, so every token inside a string is context-independent. */
const CUT_DEPTH = 3;
/** Cut-stack masks kept per grammar at most (each is V bits plus its contextual list: 19 KB at V = 151k), so a
 *  long-lived server's memory stays bounded; past it the cache starts over. */
const MAX_CACHED = 4096;

/** One UTF-8 byte on a partial character: (cp << 2 | need) after it, or −1 when the byte cannot come here (packed
 *  in one integer: the trie walk calls this per node and must not allocate). */
function utf8Step(cp: number, need: number, b: number): number {
  if (need === 0) {
    if (b < 0x80) return b << 2;
    if (b >= 0xc2 && b <= 0xdf) return ((b & 0x1f) << 2) | 1;
    if (b >= 0xe0 && b <= 0xef) return ((b & 0x0f) << 2) | 2;
    if (b >= 0xf0 && b <= 0xf4) return ((b & 0x07) << 2) | 3;
    return -1;
  }
  if ((b & 0xc0) !== 0x80) return -1;
  // The second byte of E0, ED, F0 and F4 sequences is narrower (no overlong forms, no surrogates, ≤ U+10FFFF).
  if (need === 2 && cp < 0x10 && ((cp === 0 && b < 0xa0) || (cp === 0xd && b >= 0xa0))) return -1;
  if (need === 3 && ((cp === 0 && b < 0x90) || (cp === 4 && b >= 0x90))) return -1;
  return (((cp << 6) | (b & 0x3f)) << 2) | (need - 1);
}

/** Whether some stack can take a code point that a partial character (cp so far, `need` bytes to come) can still
 *  become. */
function partialFits(rec: Recognizer, stacks: readonly Stack[], cp: number, need: number): boolean {
  let lo = cp << (6 * need);
  const hi = Math.min(0x10ffff, lo | ((1 << (6 * need)) - 1));
  if (cp === 0 && need === 2) lo = 0x800; // E0: three-byte characters start at U+0800
  if (cp === 0 && need === 3) lo = 0x10000; // F0: four-byte characters start at U+10000
  return rec.canTake(stacks, lo, hi);
}

/** The grammar and vocabulary side of constrained decoding, shared by every generation with this grammar: the
 *  recognizer, the trie and the mask cache. Not thread-safe, not meant to be: one per worker. */
export class GrammarMasker {
  readonly recognizer: Recognizer;
  private readonly cache = new Map<number, CachedMask>();
  /** Counters for the benchmark and the docs: cut-stack masks computed, and served from the cache. */
  readonly stats = { computed: 0, hits: 0, contextualChecked: 0 };

  constructor(
    recognizer: Recognizer,
    readonly trie: TokenTrie,
  ) {
    this.recognizer = recognizer;
  }

  get words(): number {
    return (this.trie.vocabSize + 31) >>> 5;
  }

  /** The state after one byte, or null when no stack can take it. */
  stepByte(s: WalkState, b: number): WalkState | null {
    const u = utf8Step(s.cp, s.need, b);
    if (u < 0) return null;
    const cp = u >> 2, need = u & 3;
    if (need > 0) return partialFits(this.recognizer, s.stacks, cp, need) ? { stacks: s.stacks, cp, need } : null;
    const stacks = this.recognizer.advance(s.stacks, cp);
    return stacks.length === 0 ? null : { stacks, cp: 0, need: 0 };
  }

  /** The state after a token's bytes, or null when the grammar rejects it. */
  stepToken(s: WalkState, id: number): WalkState | null {
    const b = this.trie.bytes[id];
    if (b === undefined || b.length === 0) return null;
    let cur: WalkState | null = s;
    for (let i = 0; i < b.length && cur !== null; i++) cur = this.stepByte(cur, b[i]!);
    return cur;
  }

  /** Walks the trie from `start`, setting the bit of every token it allows in `allowed` and listing in
   *  `contextual` (when given) the tokens that reach a BOUNDARY with bytes left. */
  private walk(start: WalkState, allowed: Uint32Array, contextual: number[] | null): void {
    const t = this.trie;
    const rec = this.recognizer;
    const addRange = (from: number, to: number, list: number[]): void => {
      for (let k = from; k < to; k++) list.push(t.ids[k]!);
    };
    const visit = (n: number, stacks: readonly Stack[], cp: number, need: number, ctx: boolean): void => {
      const below = ctx || (need === 0 && contextual !== null && stacks.some((s) => s.pos === BOUNDARY));
      for (let c = t.firstChild[n]!; c >= 0; c = t.nextSibling[c]!) {
        const u = utf8Step(cp, need, t.byte[c]!);
        if (u < 0) continue;
        const ncp = u >> 2, nneed = u & 3;
        let next: readonly Stack[] | null;
        if (nneed > 0) next = partialFits(rec, stacks, ncp, nneed) ? stacks : null;
        else {
          const a = rec.advance(stacks, ncp);
          next = a.length === 0 ? null : a;
        }
        if (next === null) {
          if (below) addRange(t.tokOff[c]!, t.tokOff[t.end[c]!]!, contextual!);
          continue;
        }
        for (let k = t.tokOff[c]!; k < t.tokOff[c + 1]!; k++) {
          const id = t.ids[k]!;
          allowed[id >>> 5]! |= 1 << (id & 31);
        }
        if (t.firstChild[c]! >= 0) visit(c, next, ncp, nneed, below);
      }
    };
    visit(0, start.stacks, start.cp, start.need, false);
  }

  private cutMask(s: Stack): CachedMask {
    const cut = this.recognizer.truncate(s, CUT_DEPTH);
    let m = this.cache.get(cut.id);
    if (m !== undefined) {
      this.stats.hits++;
      return m;
    }
    const allowed = new Uint32Array(this.words);
    const contextual: number[] = [];
    this.walk({ stacks: [cut], cp: 0, need: 0 }, allowed, cut === s ? null : contextual);
    m = { allowed, contextual: Int32Array.from(contextual) };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(cut.id, m);
    this.stats.computed++;
    return m;
  }

  /** Sets `out` (vocabSize bits) to the tokens allowed next in state `s` (end-of-sequence tokens excluded: they
   *  stand for no bytes; the caller allows them when the grammar accepts). */
  mask(s: WalkState, out: Uint32Array): void {
    out.fill(0);
    if (s.need > 0) {
      // Inside a character split across tokens: rare, walked in full from the exact state.
      this.walk(s, out, null);
      return;
    }
    const pending: number[] = [];
    for (const st of s.stacks) {
      if (st.pos < 0) continue;
      const m = this.cutMask(st);
      const a = m.allowed;
      for (let w = 0; w < a.length; w++) out[w]! |= a[w]!;
      for (const id of m.contextual) pending.push(id);
    }
    const checked = new Set<number>();
    for (const id of pending) {
      if ((out[id >>> 5]! >>> (id & 31)) & 1 || checked.has(id)) continue;
      checked.add(id);
      this.stats.contextualChecked++;
      if (this.stepToken(s, id) !== null) out[id >>> 5]! |= 1 << (id & 31);
    }
  }

  /** The start state of a generation. */
  start(): WalkState {
    return { stacks: this.recognizer.start(), cp: 0, need: 0 };
  }

  /** Whether the grammar may end in state `s`. */
  accepts(s: WalkState): boolean {
    return s.need === 0 && this.recognizer.accepts(s.stacks);
  }

  /** The state after token `id`; an error when the grammar rejects it (a caller that ignored the mask). */
  push(s: WalkState, id: number): WalkState {
    const next = this.stepToken(s, id);
    if (next === null) throw new KotodamaError(`grammar: token ${id} (${JSON.stringify(new TextDecoder().decode(this.trie.bytes[id] ?? new Uint8Array(0)))}) does not continue the grammar here`);
    return next;
  }
}
