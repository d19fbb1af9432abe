// SentencePiece-style BPE (Llama-2, Phi-3, llama2.c, TinyStories): spaces become "▁", a space is prefixed,
// pieces merge by score (llama.cpp llm_tokenizer_spm) or by merge rank (Hugging Face BPE), and characters
// outside the vocabulary fall back to "<0xXX>" byte tokens. Not here: file parsing (see the loaders).

import { FormatError, KotodamaError } from "../util/errors.js";
import { byteTokenText, concatBytes, parseByteToken, utf8Decode, utf8Encode } from "./bytes.js";
import { BpeMerger, PairTable } from "./merge.js";
import { SpecialSplitter, type AddedMatch, type AddedToken } from "./special.js";
import type { EncodeOptions, SpecialTokens, Tokenizer } from "./tokenizer.js";

/** llama.cpp / GGUF token types (tokenizer.ggml.token_type). */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface SpmSpec {
  readonly source: string;
  /** id → piece text, spaces spelled "▁", byte tokens "<0xXX>". */
  readonly vocab: readonly string[];
  /** id → TokenType value. */
  readonly types: ArrayLike<number>;
  /** "scores": merge the adjacent pair whose merged piece has the highest score (sentencepiece, llama.cpp,
   *  llama2.c). "merges": Hugging Face BPE, the pair of lowest merge rank. */
  readonly merging: { readonly by: "scores"; readonly scores: ArrayLike<number> } | { readonly by: "merges"; readonly merges: readonly (readonly [string, string])[] };
  readonly special: SpecialTokens;
  readonly addBos: boolean;
  /** Prefix a space to the text (and to text after a special token), as sentencepiece's add_dummy_prefix. */
  readonly addSpacePrefix: boolean;
  /** Hugging Face Metaspace split=true: no merge crosses a "▁" word start. */
  readonly splitWords?: boolean;
  /** User-defined tokens render as their stored text, "▁" included (llama.cpp token_to_piece: GGUF); otherwise
   *  "▁" becomes a space as for pieces (Hugging Face runs added tokens through the Metaspace/Replace decoder). */
  readonly addedVerbatim?: boolean;
  /** How added-token text is found: "leftmost" (Hugging Face: leftmost, then longest match) or "longest-first"
   *  (llama.cpp: every occurrence of the longest token, then the next longest, in the pieces left over). */
  readonly addedMatch?: AddedMatch;
  /** Added tokens that drop whitespace before / after them (llama.cpp's per-name attributes, llamacpp-attrs.ts). */
  readonly lstrip?: ReadonlySet<number>;
  readonly rstrip?: ReadonlySet<number>;
}

const SPACE = "\u2581";

export class SentencePieceBpe implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  readonly addsSpacePrefix: boolean;
  readonly spec: SpmSpec;
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly splitter: SpecialSplitter;
  private readonly bytesOf: Uint8Array[];
  private readonly merger: BpeMerger | null;
  private readonly scores: ArrayLike<number> | null;

  constructor(spec: SpmSpec) {
    this.spec = spec;
    this.special = spec.special;
    this.vocabSize = spec.vocab.length;
    this.addsSpacePrefix = spec.addSpacePrefix;
    if (spec.types.length !== spec.vocab.length) {
      throw new FormatError(spec.source, `token types has ${spec.types.length} entries, vocabulary ${spec.vocab.length}`);
    }
    spec.vocab.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
      if (spec.types[id] === TokenType.byte) {
        const b = parseByteToken(t);
        if (b < 0) throw new FormatError(spec.source, `token ${id} has type byte but text '${t}' is not <0xXX>`);
        this.byteIds[b] = id;
      }
    });
    // llama.cpp's special-token cache holds control, user-defined and unknown tokens: control and unknown text
    // is matched only when special tokens are parsed, user-defined text always (llama-vocab.cpp
    // tokenizer_st_partition).
    const added: AddedToken[] = [];
    spec.vocab.forEach((t, id) => {
      const ty = spec.types[id];
      if (ty === TokenType.control || ty === TokenType.userDefined || ty === TokenType.unknown) added.push({ id, text: t, special: ty !== TokenType.userDefined, lstrip: spec.lstrip?.has(id) === true, rstrip: spec.rstrip?.has(id) === true });
    });
    this.splitter = new SpecialSplitter(added.filter((t) => t.text.length > 0), spec.addedMatch ?? "leftmost");
    // What a token renders as (llama.cpp token_to_piece without special: control and unknown → nothing, normal →
    // "▁" unescaped, byte → its byte, user-defined → its text; unused and undefined types → nothing).
    this.bytesOf = spec.vocab.map((t, id) => {
      const ty = spec.types[id];
      if (ty === TokenType.byte) return Uint8Array.of(parseByteToken(t));
      if (ty === TokenType.normal) return utf8Encode(t.replaceAll(SPACE, " "));
      if (ty === TokenType.userDefined) return utf8Encode(spec.addedVerbatim === true ? t : t.replaceAll(SPACE, " "));
      return new Uint8Array(0);
    });
    if (spec.merging.by === "scores") {
      if (spec.merging.scores.length !== spec.vocab.length) {
        throw new FormatError(spec.source, `scores has ${spec.merging.scores.length} entries, vocabulary ${spec.vocab.length}`);
      }
      this.scores = spec.merging.scores;
      this.merger = null;
    } else {
      const triples: [number, number, number][] = [];
      spec.merging.merges.forEach(([a, b], r) => {
        const ia = this.ids.get(a);
        const ib = this.ids.get(b);
        const im = this.ids.get(a + b);
        if (ia === undefined || ib === undefined || im === undefined) {
          throw new FormatError(spec.source, `merge ${r} ('${a}' '${b}') refers to a token not in the vocabulary`);
        }
        triples.push([ia, ib, im]);
      });
      this.merger = new BpeMerger(new PairTable(triples));
      this.scores = null;
    }
    const hasBytes = this.byteIds.every((x) => x >= 0);
    this.kind = `sentencepiece bpe (${spec.merging.by}${hasBytes ? ", byte fallback" : ""}, ${this.vocabSize} tokens)`;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if ((options.addBos ?? this.spec.addBos) && this.special.bos !== undefined) out.push(this.special.bos);
    let prevSpecial = true; // llama.cpp: a space prefix goes before the first text and after special tokens
    for (const seg of this.splitter.split(text, options.allowSpecial ?? false)) {
      if (typeof seg === "number") {
        out.push(seg);
        prevSpecial = true;
        continue;
      }
      const t = (this.spec.addSpacePrefix && prevSpecial ? " " : "") + seg;
      const escaped = t.replaceAll(" ", SPACE);
      if (this.spec.splitWords === true) {
        for (const w of escaped.split(/(?=\u2581)/u)) if (w.length > 0) this.encodeWord(w, out);
      } else this.encodeWord(escaped, out);
      prevSpecial = false;
    }
    return out;
  }

  private encodeWord(text: string, out: number[]): void {
    if (this.merger !== null) this.encodeByMerges(text, out);
    else this.encodeByScores(text, out);
  }

  /** Pushes the byte tokens of s (or unk when the vocabulary has no byte tokens). */
  private pushBytes(s: string, out: number[]): void {
    for (const b of utf8Encode(s)) {
      const id = this.byteIds[b]!;
      if (id >= 0) out.push(id);
      else if (this.special.unk !== undefined) out.push(this.special.unk);
      else throw new KotodamaError(`${this.spec.source}: byte ${byteTokenText(b)} has no token and the vocabulary has no unk`);
    }
  }

  /** Hugging Face BPE with byte_fallback: chars → ids (unknown chars → byte tokens), merge by rank. */
  private encodeByMerges(text: string, out: number[]): void {
    const sym: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id !== undefined) sym.push(id);
      else this.pushBytes(ch, sym);
    }
    const arr = Int32Array.from(sym);
    const n = this.merger!.merge(arr, arr.length);
    for (let i = 0; i < n; i++) out.push(arr[i]!);
  }

  /** llama.cpp llm_tokenizer_spm: symbols are UTF-8 chars; a max-heap of (score of merged piece, -left)
   *  merges bigrams whose concatenation is a token; leftovers are resegmented via the merge history or bytes. */
  private encodeByScores(text: string, out: number[]): void {
    const chars = Array.from(text);
    const n = chars.length;
    const start = new Int32Array(n);
    const len = new Int32Array(n);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    let off = 0;
    for (let i = 0; i < n; i++) {
      start[i] = off;
      len[i] = chars[i]!.length;
      off += len[i]!;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const scores = this.scores!;
    const heap: [number, number, number, number][] = []; // (score, left, right, size)
    const better = (x: [number, number, number, number], y: [number, number, number, number]): boolean =>
      x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
    const revMerge = new Map<string, [number, number]>();
    const tryAdd = (l: number, r: number): void => {
      if (l < 0 || r < 0) return;
      const s = text.slice(start[l]!, start[l]! + len[l]! + len[r]!);
      const id = this.ids.get(s);
      if (id === undefined) return;
      heapPush(heap, [scores[id]!, l, r, s.length], better);
      revMerge.set(s, [l, r]);
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    while (heap.length > 0) {
      const [, l, r, size] = heapPop(heap, better);
      if (len[l] === 0 || len[r] === 0 || len[l]! + len[r]! !== size) continue;
      len[l] = len[l]! + len[r]!;
      len[r] = 0;
      next[l] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = l;
      tryAdd(prev[l]!, l);
      tryAdd(l, next[l]!);
    }
    const resegment = (s: string): void => {
      const id = this.ids.get(s);
      if (id !== undefined) {
        out.push(id);
        return;
      }
      const p = revMerge.get(s);
      if (p === undefined) {
        this.pushBytes(s, out);
        return;
      }
      resegment(text.slice(start[p[0]]!, start[p[0]]! + (start[p[1]]! - start[p[0]]!)));
      resegment(text.slice(start[p[1]]!, start[p[1]]! + (s.length - (start[p[1]]! - start[p[0]]!))));
    };
    for (let i = n > 0 ? 0 : -1; i !== -1; i = next[i]!) resegment(text.slice(start[i]!, start[i]! + len[i]!));
  }

  /** Pieces joined; the space encode() prefixed to the text (and to text after an added token) removed. */
  decode(ids: readonly number[]): string {
    const chunks: Uint8Array[] = [];
    let fragmentStart = this.spec.addSpacePrefix;
    for (const id of ids) {
      const b = this.tokenBytes(id);
      if (this.isAdded(id)) {
        chunks.push(b);
        fragmentStart = this.spec.addSpacePrefix;
        continue;
      }
      if (b.length === 0) continue;
      chunks.push(fragmentStart && b[0] === 0x20 ? b.subarray(1) : b);
      fragmentStart = false;
    }
    return utf8Decode(concatBytes(chunks));
  }

  tokenText(id: number): string {
    this.check(id);
    return this.spec.vocab[id]!;
  }

  tokenBytes(id: number): Uint8Array {
    this.check(id);
    return this.bytesOf[id]!;
  }

  isControl(id: number): boolean {
    this.check(id);
    return this.spec.types[id] === TokenType.control;
  }

  isAdded(id: number): boolean {
    this.check(id);
    const t = this.spec.types[id];
    return t === TokenType.control || t === TokenType.userDefined;
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new KotodamaError(`${this.spec.source}: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
  }
}

function heapPush<T>(h: T[], x: T, better: (a: T, b: T) => boolean): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!better(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function heapPop<T>(h: T[], better: (a: T, b: T) => boolean): T {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && better(h[l]!, h[m]!)) m = l;
      if (r < h.length && better(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}
