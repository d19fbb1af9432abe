// The executable specification of a token mask: every token of the vocabulary stepped byte by byte through the
// recognizer, no trie, no automaton, no cache (V × token length recognizer steps: 0.1–1 s at V = 151k). Tests hold
// the fast masks (mask.ts) equal to it on random grammar states. Not here: anything fast.
import type { Recognizer, Stack } from "./recognizer.js";
import type { TokenTrie } from "./token-trie.js";
import { partialFits, utf8Step } from "./utf8.js";

/** A grammar state as the reference sees it: the stacks and a partial UTF-8 character. */
export interface RefState {
  readonly stacks: readonly Stack[];
  readonly cp: number;
  readonly need: number;
}

/** The state after one byte, or null when no stack can take it. */
export function referenceStepByte(rec: Recognizer, s: RefState, b: number): RefState | null {
  const u = utf8Step(s.cp, s.need, b);
  if (u < 0) return null;
  const cp = u >> 2, need = u & 3;
  if (need > 0) return partialFits(rec, s.stacks, cp, need) ? { stacks: s.stacks, cp, need } : null;
  const stacks = rec.advance(s.stacks, cp);
  return stacks.length === 0 ? null : { stacks, cp: 0, need: 0 };
}

/** The state after a token's bytes (`bytes` empty: a control token, never allowed), or null. */
export function referenceStepBytes(rec: Recognizer, s: RefState, bytes: Uint8Array): RefState | null {
  if (bytes.length === 0) return null;
  let cur: RefState | null = s;
  for (let i = 0; i < bytes.length && cur !== null; i++) cur = referenceStepByte(rec, cur, bytes[i]!);
  return cur;
}

/** Sets `out` (vocabSize bits) to the tokens allowed in state `s`, walking every token. */
export function referenceMask(rec: Recognizer, trie: TokenTrie, s: RefState, out: Uint32Array): void {
  out.fill(0);
  for (let id = 0; id < trie.vocabSize; id++) {
    if (referenceStepBytes(rec, s, trie.bytes[id]!) !== null) out[id >>> 5]! |= 1 << (id & 31);
  }
}
