// Copy-constrained decoding: the output must be a contiguous span of one of the given sources, byte for byte, so a
// grounded answer cannot say anything its sources do not (rag ask --mode copy). The model chooses where the span
// starts (a word's start, or the space before it; any character in scripts written without spaces) and where it
// ends (an end-of-turn token, allowed once the span holds a letter or digit and ends on a whole character, not
// inside a word of Latin letters or digits). A reply cut by the token limit may end inside a character: the caller
// drops that tail (rag/local-model.ts).
//   Checked on bytes: the state is the list of places (source, end offset) the text so far can stand at; a token is
// allowed when its bytes continue at least one of them. The greedy fast path (`allows`) checks the model's own
// choice first; the full mask is computed only when that is refused, with the places indexed by their next byte.
// Not here: the prompt and the citation (rag/answer.ts), decoding (generate.ts).
import type { Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import type { AllowsHook, GenerateHooks, LogitsHook } from "./generate.js";

/** A copy reply's span text: a reply cut by the token limit may end inside a character (released as U+FFFD); the span
 *  is the text before it. */
export const copySpanText = (reply: string): string => reply.replace(/\uFFFD+$/u, "");

export interface CopySpanConstraint {
  readonly hooks: GenerateHooks;
  /** Index of the first source the text so far is a span of (null before any text). */
  source(generated: readonly number[]): number | null;
}

const enc = new TextEncoder();
const isAsciiAlnum = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** The constraint for one generation from `sources` (each non-empty); `endIds` are the tokens that end a reply. */
export function copySpanConstraint(tok: Tokenizer, sources: readonly string[], endIds: ReadonlySet<number>): CopySpanConstraint {
  const bytes = sources.map((s) => enc.encode(s));
  if (bytes.length === 0 || bytes.every((b) => b.length === 0)) throw new KotodamaError("copy decoding: no source text to copy from");
  // Places are packed as source * 2^32 + offset in a plain number (exact below 2^53).
  const SHIFT = 2 ** 32;
  const starts: number[] = [];
  bytes.forEach((b, k) => {
    for (let s = 0; s < b.length; s++) {
      if (isContinuation(b[s]!)) continue;
      if (isSpace(b[s]!) || s === 0 || !isAsciiAlnum(b[s - 1]!)) starts.push(k * SHIFT + s);
    }
  });
  const tokenBytes = new Map<number, Uint8Array>();
  const bytesOf = (id: number): Uint8Array => {
    let b = tokenBytes.get(id);
    if (b === undefined) tokenBytes.set(id, (b = tok.tokenBytes(id)));
    return b;
  };
  const continues = (place: number, b: Uint8Array): boolean => {
    const src = bytes[Math.floor(place / SHIFT)]!, at = place % SHIFT;
    if (at + b.length > src.length) return false;
    for (let i = 0; i < b.length; i++) if (src[at + i] !== b[i]) return false;
    return true;
  };
  let places = starts;
  let consumed = 0;
  let text: number[] = [];
  const sync = (generated: readonly number[]): void => {
    for (; consumed < generated.length; consumed++) {
      const b = bytesOf(generated[consumed]!);
      places = places.filter((p) => continues(p, b)).map((p) => p + b.length);
      text = [...text, ...b];
    }
  };
  /** The span so far may end here: it holds a letter or digit and ends on a whole character. */
  const strict = new TextDecoder("utf-8", { fatal: true });
  const mayEnd = (): boolean => {
    if (text.length === 0 || places.length === 0) return false;
    // Not inside a word of a spaced script ("Montan|a"): the span ends after a non-letter or before one somewhere.
    if (isAsciiAlnum(text[text.length - 1]!) && !places.some((p) => {
      const src = bytes[Math.floor(p / SHIFT)]!, at = p % SHIFT;
      return at >= src.length || !isAsciiAlnum(src[at]!);
    })) return false;
    try {
      return LETTER_OR_DIGIT.test(strict.decode(Uint8Array.from(text)));
    } catch {
      return false; // a character cut in the middle
    }
  };
  const allowsToken = (id: number): boolean => {
    if (endIds.has(id)) return mayEnd();
    const b = bytesOf(id);
    if (b.length === 0 || (tok.isControl?.(id) ?? false)) return false;
    return places.some((p) => continues(p, b));
  };
  const allows: AllowsHook = (id, generated) => {
    sync(generated);
    return allowsToken(id);
  };
  const logits: LogitsHook = (l, generated) => {
    sync(generated);
    const byFirst = new Map<number, number[]>();
    for (const p of places) {
      const src = bytes[Math.floor(p / SHIFT)]!, at = p % SHIFT;
      if (at >= src.length) continue;
      const key = src[at]!;
      const list = byFirst.get(key);
      if (list === undefined) byFirst.set(key, [p]);
      else list.push(p);
    }
    let allowed = 0;
    const end = mayEnd();
    for (let id = 0; id < l.length; id++) {
      let ok: boolean;
      if (id >= tok.vocabSize) ok = false;
      else if (endIds.has(id)) ok = end;
      else {
        const b = bytesOf(id);
        const list = b.length === 0 || (tok.isControl?.(id) ?? false) ? undefined : byFirst.get(b[0]!);
        ok = list !== undefined && list.some((p) => continues(p, b));
      }
      if (ok) allowed++;
      else l[id] = -Infinity;
    }
    if (allowed === 0) {
      // Nothing continues the span (a source's end) and it may not end yet: let the reply end anyway.
      for (const id of endIds) if (id < l.length) l[id] = 0;
    }
  };
  return {
    hooks: { logits, allows },
    source: (generated) => {
      sync(generated);
      return text.length === 0 || places.length === 0 ? null : Math.floor(places[0]! / SHIFT);
    },
  };
}
