// Token masks for a grammar: which tokens of a vocabulary may come next. A walk goes down the vocabulary's byte trie
// (token-trie.ts) in one loop over its preorder nodes, carrying a state of the grammar's byte automaton
// (byte-dfa.ts: stacks + partial UTF-8 character) per node, and skips a whole subtree as soon as its prefix is
// refused. Once the automaton is warm a node costs one table read, so a walk of every token is a few ms at V = 151k.
// Speed, after XGrammar's split into context-independent and context-dependent tokens (Dong et al. 2024), reduced:
// a mask is computed, once per grammar, for each stack cut to its top K positions (BOUNDARY below). A token
// consumed within those K positions is allowed whatever lies below; one that needs to go below is context-
// dependent, and only those are checked against the full stacks at each step. Masks are cached by the cut stack.
// Not here: grammar syntax (gbnf.ts), the stack machinery (recognizer.ts), the walk-every-token specification
// (reference.ts), logits and sampling (constraint.ts).
import { KotodamaError } from "../../util/errors.js";
import { ByteDfa, HIGH_MIXED, HIGH_NONE, HIGH_SAME, REJECT, UNKNOWN, type DfaState } from "./byte-dfa.js";
import { utf8Step } from "./utf8.js";
import { Recognizer } from "./recognizer.js";
import type { TokenTrie } from "./token-trie.js";

/** Where a generation stands: the automaton's state (stacks and a partial UTF-8 character). */
export type WalkState = DfaState;

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

/** The grammar and vocabulary side of constrained decoding, shared by every generation with this grammar: the
 *  recognizer, its byte automaton, the trie and the mask cache. Not thread-safe, not meant to be: one per worker. */
export class GrammarMasker {
  readonly recognizer: Recognizer;
  readonly dfa: ByteDfa;
  private readonly cache = new Map<number, CachedMask>();
  /** Per trie depth during a walk (the path to the current node): automaton state, partial character, and whether
   *  a BOUNDARY was passed on the way. */
  private readonly nodeState: Int32Array;
  private readonly nodeCp: Int32Array;
  private readonly nodeNeed: Uint8Array;
  private readonly nodeBelow: Uint8Array;
  /** Counters for the benchmark and the docs: cut-stack masks computed (trie walks), served from the cache,
   *  contextual tokens checked, and trie nodes visited by walks. */
  readonly stats = { computed: 0, hits: 0, contextualChecked: 0, nodesWalked: 0 };

  /** `maxDfaStates`: the automaton's bound before it starts over (tests set it low to exercise that path). */
  constructor(
    recognizer: Recognizer,
    readonly trie: TokenTrie,
    maxDfaStates?: number,
  ) {
    this.recognizer = recognizer;
    this.dfa = new ByteDfa(recognizer, maxDfaStates);
    this.nodeState = new Int32Array(trie.maxDepth + 1);
    this.nodeCp = new Int32Array(trie.maxDepth + 1);
    this.nodeNeed = new Uint8Array(trie.maxDepth + 1);
    this.nodeBelow = new Uint8Array(trie.maxDepth + 1);
  }

  get words(): number {
    return (this.trie.vocabSize + 31) >>> 5;
  }

  /** The state after one byte, or null when no stack can take it. */
  stepByte(s: WalkState, b: number): WalkState | null {
    return this.stepBytes(s, Uint8Array.of(b));
  }

  /** The state after a token's bytes, or null when the grammar rejects it. */
  stepToken(s: WalkState, id: number): WalkState | null {
    const b = this.trie.bytes[id];
    return b === undefined || b.length === 0 ? null : this.stepBytes(s, b);
  }

  private stepBytes(s: WalkState, bytes: Uint8Array): WalkState | null {
    const dfa = this.dfa;
    let st = dfa.resolve(s).id, cp = s.cp, need = s.need;
    for (let i = 0; i < bytes.length; i++) {
      const u = utf8Step(cp, need, bytes[i]!);
      if (u < 0) return null;
      cp = u >> 2;
      need = u & 3;
      if (need > 0) {
        if (!dfa.fits(st, cp, need)) return null;
      } else {
        st = dfa.char(st, cp);
        cp = 0;
        if (st === REJECT) return null;
      }
    }
    const base = dfa.state(st);
    return need === 0 ? base : { id: st, epoch: base.epoch, stacks: base.stacks, cp, need };
  }

  /** Walks the trie from `start`, setting the bit of every token it allows in `allowed` and listing in
   *  `contextual` (when given) the tokens refused after a BOUNDARY (they need the full stacks). One pass over the
   *  nodes in preorder: a node's parent is the last node visited one level up, and a refused node skips its
   *  subtree [c, end[c]). A node holds (automaton state, partial character); ASCII bytes between characters are one read
   *  of the automaton's table. */
  private walk(start: WalkState, allowed: Uint32Array, contextual: number[] | null): void {
    const t = this.trie, dfa = this.dfa;
    const N = t.nodes, depth = t.depth, byte = t.byte, end = t.end, tokOff = t.tokOff, ids = t.ids;
    const ns = this.nodeState, ncp = this.nodeCp, nneed = this.nodeNeed, nb = this.nodeBelow;
    const track = contextual !== null;
    let ascii = dfa.ascii, bnd = dfa.boundary, high = dfa.highKind, highNext = dfa.highNext;
    ns[0] = start.id;
    ncp[0] = start.cp;
    nneed[0] = start.need;
    nb[0] = track && start.need === 0 ? bnd[start.id]! : 0;
    let visited = 0;
    for (let c = 1; c < N;) {
      visited++;
      const d = depth[c]!, p = d - 1, s = ns[p]!, need = nneed[p]!, b = byte[c]!;
      let next = s, cp = 0, nd = 0;
      if (need === 0 && b < 0x80) {
        next = ascii[s * 128 + b]!;
        if (next === UNKNOWN) {
          next = dfa.char(s, b);
          ascii = dfa.ascii;
          bnd = dfa.boundary;
          high = dfa.highKind;
          highNext = dfa.highNext;
        }
      } else {
        const u = utf8Step(ncp[p]!, need, b);
        const k = high[s]!;
        if (u < 0 || k === HIGH_NONE) next = REJECT;
        else {
          cp = u >> 2;
          nd = u & 3;
          if (nd > 0) {
            if (k === HIGH_MIXED && !dfa.fits(s, cp, nd)) next = REJECT;
          } else {
            next = k === HIGH_SAME ? highNext[s]! : UNKNOWN;
            if (next === UNKNOWN) {
              next = dfa.char(s, cp);
              ascii = dfa.ascii;
              bnd = dfa.boundary;
              high = dfa.highKind;
              highNext = dfa.highNext;
            }
            cp = 0;
          }
        }
      }
      if (next === REJECT) {
        if (nb[p] === 1) for (let k = tokOff[c]!, e = tokOff[end[c]!]!; k < e; k++) contextual!.push(ids[k]!);
        c = end[c]!;
        continue;
      }
      for (let k = tokOff[c]!, e = tokOff[c + 1]!; k < e; k++) {
        const id = ids[k]!;
        allowed[id >>> 5]! |= 1 << (id & 31);
      }
      ns[d] = next;
      ncp[d] = cp;
      nneed[d] = nd;
      nb[d] = nb[p]! | (track && nd === 0 ? bnd[next]! : 0);
      c++;
    }
    this.stats.nodesWalked += visited;
  }

  private cutMask(s: WalkState["stacks"][number]): CachedMask {
    const cut = this.recognizer.truncate(s, CUT_DEPTH);
    let m = this.cache.get(cut.id);
    if (m !== undefined) {
      this.stats.hits++;
      return m;
    }
    const allowed = new Uint32Array(this.words);
    const contextual: number[] = [];
    this.walk(this.dfa.intern([cut]), allowed, cut === s ? null : contextual);
    m = { allowed, contextual: Int32Array.from(contextual) };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(cut.id, m);
    this.stats.computed++;
    return m;
  }

  /** Sets `out` (vocabSize bits) to the tokens allowed next in state `s` (end-of-sequence tokens excluded: they
   *  stand for no bytes; the caller allows them when the grammar accepts). */
  mask(state: WalkState, out: Uint32Array): void {
    this.dfa.maybeReset();
    const s = this.dfa.resolve(state);
    out.fill(0);
    if (s.need > 0) {
      // Inside a character split across tokens: rare, walked in full from the exact state.
      this.walk(s, out, null);
      return;
    }
    let pending: Int32Array[] | null = null;
    for (const st of s.stacks) {
      if (st.pos < 0) continue;
      const m = this.cutMask(st);
      const a = m.allowed;
      for (let w = 0; w < a.length; w++) out[w]! |= a[w]!;
      if (m.contextual.length > 0) (pending ??= []).push(m.contextual);
    }
    if (pending === null) return;
    // A contextual token is checked once: after its first check its bit is set (allowed) or it is in `refused`.
    const refused = new Set<number>();
    for (const list of pending) {
      for (const id of list) {
        if ((out[id >>> 5]! >>> (id & 31)) & 1 || refused.has(id)) continue;
        this.stats.contextualChecked++;
        if (this.stepToken(s, id) !== null) out[id >>> 5]! |= 1 << (id & 31);
        else refused.add(id);
      }
    }
  }

  /** Per-schema precomputation (XGrammar computes its per-position masks when the grammar is compiled): the masks
   *  of the cut stacks of every stack reachable from the start, so that generation meets no cold state. A stack's
   *  successors do not depend on which character its class took (Recognizer.after), so the reachable stacks are a
   *  breadth-first search over stacks, not characters; a recursive grammar has infinitely many, hence the bounds
   *  (stacks visited, milliseconds; whatever is left is computed on first use as before). Returns what it did. */
  precompute(maxMs = 2000, maxStacks = 20000): { stacks: number; walks: number; complete: boolean } {
    this.dfa.maybeReset();
    const t0 = performance.now(), walks0 = this.stats.computed;
    const seen = new Set<number>();
    const queue = [...this.recognizer.start()];
    let head = 0;
    for (; head < queue.length; head++) {
      if (seen.size >= maxStacks || this.cache.size >= MAX_CACHED / 2 || performance.now() - t0 > maxMs) break;
      const st = queue[head]!;
      if (seen.has(st.id)) continue;
      seen.add(st.id);
      if (st.pos < 0) continue;
      this.cutMask(st);
      for (const n of this.recognizer.after(st)) if (!seen.has(n.id)) queue.push(n);
    }
    return { stacks: seen.size, walks: this.stats.computed - walks0, complete: head >= queue.length };
  }

  /** The start state of a generation. */
  start(): WalkState {
    return this.dfa.intern(this.recognizer.start());
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
