// Byte-level BPE (GPT-2, Llama-3, Qwen2 and kotodama-trained vocabularies): regex pre-tokens → UTF-8 bytes →
// rank-ordered merges, with a per-tokenizer cache of pre-token → ids and long pieces cut where no merge joins.
// Not here: file formats (hf-json.ts, gguf-vocab.ts), training (train.ts), SentencePiece-style BPE (spm.ts), the
// cut rule (bpe-cut.ts), the cache's table (piece-cache.ts), the merge (merge.ts).

import { nativeBpeMerge } from "../engine/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { MergeJoins } from "./bpe-cut.js";
import { BYTE_TO_CHAR, byteLevelToBytes, concatBytes, utf8Decode, utf8Encode } from "./bytes.js";
import { BpeMerger, PairTable } from "./merge.js";
import { PieceCache } from "./piece-cache.js";
import { regexPreTokenizer, type PreTokenizer } from "./pretokenize.js";
import { scanningPreTokenizer, type ScanningPreTokenizer } from "./pretokenize-scan.js";
import { SpecialSplitter, type AddedMatch, type AddedToken } from "./special.js";
import type { EncodeOptions, SpecialTokens, Tokenizer } from "./tokenizer.js";

/** Everything a byte-level BPE tokenizer is made of (what tokenizer.json / GGUF hold). */
export interface ByteLevelBpeSpec {
  /** Where it came from, for error messages (a file path or "trained"). */
  readonly source: string;
  /** id → token text: byte-level alphabet for ordinary tokens, literal text for added tokens. */
  readonly vocab: readonly string[];
  /** Merge rules in rank order, as pairs of token texts. */
  readonly merges: readonly (readonly [string, string])[];
  /** Pre-tokenizer regex, Oniguruma spelling (pretokenize.ts); a list applies in sequence (llama.cpp's
   *  multi-regex types such as deepseek-llm or falcon; tokenizer.json Sequence of Splits). */
  readonly pattern: string | readonly string[];
  readonly added: readonly AddedToken[];
  readonly special: SpecialTokens;
  /** Prepend BOS by default. */
  readonly addBos: boolean;
  /** Hugging Face `ignore_merges` (Llama-3): a pre-token that is itself a token is not merged piecewise. */
  readonly ignoreMerges?: boolean;
  /** How added-token text is found (special.ts AddedMatch); GGUF files: llama.cpp's "longest-first". */
  readonly addedMatch?: AddedMatch;
  /** Added tokens are also merge results and operands (llama.cpp: token_to_id holds every token, so a name it
   *  retypes as control, e.g. Qwen2's "</s>", stays reachable by merges). Default false (Hugging Face). */
  readonly addedInModel?: boolean;
  /** Unicode normalization applied before pre-tokenizing (Qwen2: NFC). */
  readonly normalization?: "NFC" | null;
  /** "regex" runs the pattern as a regex even where a hand-written scanner equals it (the reference path, for
   *  tests and benchmarks); default "auto" uses the scanner. */
  readonly preTokenizer?: "auto" | "regex";
  /** "typescript" merges long pieces with the TypeScript heap (merge.ts, the specification) even where the
   *  native addon offers its equal (native/generic/bpe.c); default "auto" uses the addon when it loads. */
  readonly merge?: "auto" | "typescript";
  /** Encode-cache capacity in pre-tokens (cleared when full); 0 disables it. Default 65536. */
  readonly cacheSize?: number;
  /** false merges every pre-token whole, never cut at points no merge can join (bpe-cut.ts): the reference path
   *  for tests and benchmarks. Default true. */
  readonly cut?: boolean;
}

/** Pre-tokens longer than this (UTF-16 units) are not cached: they rarely repeat (long CJK runs under
 *  GPT-2's rules) and would only churn the cache. */
const CACHE_MAX_PIECE = 24;
/** Nor are pre-tokens of more than this many UTF-8 bytes: a run of 9+ kana or kanji repeats about once in 500
 *  (Aozora 789_ruby_5639 under GPT-2's pattern: pieces of ≤ 8 chars give 23499 of the 23525 hits), and
 *  storing each costs more than merging it again; English words of up to 24 letters stay cached. */
const CACHE_MAX_BYTES = 24;
/** Pieces longer than this (UTF-16 units) that miss the cache are cut where no merge can join (bpe-cut.ts) and
 *  their segments encoded apart; shorter ones are merged whole (a cut would save little, and they get cached). */
const CUT_ABOVE = 8;

export class ByteLevelBpe implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  readonly spec: ByteLevelBpeSpec;
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Int32Array(256);
  private readonly merger: BpeMerger;
  private readonly pre: PreTokenizer;
  /** The hand-written equivalent of the pattern, when there is one (pretokenize-scan.ts); else the regex runs. */
  private readonly scan: ScanningPreTokenizer | null;
  private readonly splitter: SpecialSplitter;
  private readonly bytesOf: Uint8Array[];
  private readonly controls: Set<number>;
  private readonly addedIds: Set<number>;
  /** Pre-token → its ids (piece-cache.ts). Pieces of ≤ CACHE_MAX_PIECE UTF-16 units have ≤ 3·CACHE_MAX_PIECE
   *  < 128 ids, what an entry holds. */
  private readonly cache: PieceCache;
  /** UTF-8 length of the piece encodePiece last saw (0 for a whole-token match). */
  private pieceBytes = 0;
  private readonly cacheSize: number;
  private sym = new Int32Array(256);
  /** Ids of the encode in progress, [0, len): scratch, like sym. */
  private ids32 = new Int32Array(1024);
  private len = 0;
  /** Some byte has no token: symbols of -1 are dropped after merging (as llama.cpp drops them). */
  private readonly dropsBytes: boolean;
  /** Safe cut points of long pieces (bpe-cut.ts); null with ignore_merges (it applies to whole pre-tokens) or
   *  when a merge rule is not byte-level. */
  private readonly joins: MergeJoins | null;
  private cutAt = new Int32Array(64);
  /** Ids of one-unit segments by UTF-16 code unit, 4 ints each: count + 1 (0: not yet merged), then ≤ 3 ids.
   *  Part of the cache (cleared with it; absent when cacheSize is 0). */
  private charIds: Int32Array | null = null;

  constructor(spec: ByteLevelBpeSpec) {
    this.spec = spec;
    this.special = spec.special;
    this.vocabSize = spec.vocab.length;
    this.addedIds = new Set(spec.added.map((t) => t.id));
    const addedIds = this.addedIds;
    spec.vocab.forEach((t, id) => {
      if ((spec.addedInModel === true || !addedIds.has(id)) && !this.ids.has(t)) this.ids.set(t, id);
    });
    let missing = 0;
    for (let b = 0; b < 256; b++) {
      const id = this.ids.get(BYTE_TO_CHAR[b]!);
      this.byteIds[b] = id ?? -1;
      if (id === undefined) missing++;
    }
    // A vocabulary may lack byte tokens (GPT-NeoX lacks some). llama.cpp then looks each leftover symbol up
    // byte by byte and emits nothing when that fails (llm_tokenizer_bpe_session::tokenize), so such bytes are
    // dropped. We do the same, unless the vocabulary lacks most bytes (then it is not byte-level at all).
    if (missing > 128) throw new FormatError(spec.source, `byte-level vocabulary lacks the tokens of ${missing} of the 256 bytes (e.g. byte ${this.byteIds.indexOf(-1)}): not a byte-level BPE vocabulary`);
    this.dropsBytes = missing > 0;
    const triples: [number, number, number][] = [];
    spec.merges.forEach(([a, b], r) => {
      const ia = this.ids.get(a);
      const ib = this.ids.get(b);
      const im = this.ids.get(a + b);
      if (ia === undefined || ib === undefined || im === undefined) {
        throw new FormatError(spec.source, `merge ${r} ('${a}' '${b}') refers to a token not in the vocabulary`);
      }
      triples.push([ia, ib, im]);
    });
    this.merger = new BpeMerger(new PairTable(triples), spec.merge === "typescript" ? null : nativeBpeMerge());
    this.joins = spec.ignoreMerges === true || spec.cut === false ? null : MergeJoins.fromMerges(spec.merges);
    this.pre = regexPreTokenizer(spec.pattern);
    this.scan = spec.preTokenizer === "regex" ? null : scanningPreTokenizer(spec.pattern);
    this.splitter = new SpecialSplitter(spec.added, spec.addedMatch ?? "leftmost");
    this.controls = new Set(spec.added.filter((t) => t.special).map((t) => t.id));
    this.bytesOf = spec.vocab.map((t, id) => {
      if (this.controls.has(id)) return new Uint8Array(0);
      if (addedIds.has(id)) return utf8Encode(t);
      return byteLevelToBytes(t) ?? utf8Encode(t);
    });
    this.cacheSize = spec.cacheSize ?? 65536;
    this.cache = new PieceCache(this.cacheSize);
    this.kind = `bpe (byte-level, ${this.vocabSize} tokens)`;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    this.len = 0;
    if ((options.addBos ?? this.spec.addBos) && this.special.bos !== undefined) this.put(this.special.bos);
    for (const seg of this.splitter.split(text, options.allowSpecial ?? false)) {
      if (typeof seg === "number") this.put(seg);
      else this.appendOrdinary(seg);
    }
    return this.take([]);
  }

  /** Encodes text with no special-token handling and no BOS, appending to out. */
  encodeOrdinary(text: string, out: number[] = []): number[] {
    this.len = 0;
    this.appendOrdinary(text);
    return this.take(out);
  }

  /** Encodes text into this.ids32 after this.len. Ids collect in a typed array and become a number[] once, in
   *  take(): pushing half a million ids one by one onto a growing array cost more than merging them (its
   *  reallocations drive the GC). */
  private appendOrdinary(text: string): void {
    const t = this.spec.normalization === "NFC" ? text.normalize("NFC") : text;
    const scan = this.scan;
    if (scan !== null) {
      for (let i = 0; i < t.length; ) {
        const j = scan.next(t, i);
        this.encodeSpan(t, i, j);
        i = j;
      }
    } else {
      for (const piece of this.pre.split(t)) this.encodeSpan(piece, 0, piece.length);
    }
  }

  private put(id: number): void {
    if (this.len === this.ids32.length) this.grow(this.len + 1);
    this.ids32[this.len++] = id;
  }

  private grow(need: number): void {
    const bigger = new Int32Array(Math.max(need, this.ids32.length * 2));
    bigger.set(this.ids32.subarray(0, this.len));
    this.ids32 = bigger;
  }

  /** Appends this.ids32[0..len) to out and returns it; drops an outsized buffer. */
  private take(out: number[]): number[] {
    const ids = this.ids32;
    const n = this.len;
    if (out.length === 0) {
      out = new Array<number>(n);
      for (let i = 0; i < n; i++) out[i] = ids[i]!;
    } else {
      for (let i = 0; i < n; i++) out.push(ids[i]!);
    }
    this.len = 0;
    if (ids.length > 1 << 22) this.ids32 = new Int32Array(1024);
    return out;
  }

  /** Encodes the pre-token text[s, e), through the cache, into this.ids32; a long one that misses the cache is
   *  cut where no merge joins (when `cut`) and its segments encoded apart (each through the cache). */
  private encodeSpan(text: string, s: number, e: number, cut = true): void {
    const cacheable = this.cacheSize > 0 && e - s <= CACHE_MAX_PIECE;
    if (cacheable) {
      const hit = this.cache.get(text, s, e);
      if (hit >= 0) {
        const at = hit >>> 7;
        const m = hit & 127;
        if (this.len + m > this.ids32.length) this.grow(this.len + m);
        const ids = this.ids32;
        const pool = this.cache.ids;
        for (let i = 0; i < m; i++) ids[this.len + i] = pool[at + i]!;
        this.len += m;
        return;
      }
    }
    if (cut && e - s > CUT_ABOVE && this.joins !== null) {
      if (this.cutAt.length < e - s) this.cutAt = new Int32Array((e - s) * 2);
      const k = this.joins.cuts(text, s, e, this.cutAt);
      if (k > 0) {
        const start = this.len;
        this.encodeSegments(text, s, e, k);
        if (cacheable && utf8Length(text, s, e) <= CACHE_MAX_BYTES) this.cache.set(text, s, e, this.ids32, start, this.len - start);
        return;
      }
    }
    const m = this.mergedPiece(text, s, e); // ids in this.sym[0..m)
    const sym = this.sym;
    if (this.len + m > this.ids32.length) this.grow(this.len + m);
    const ids = this.ids32;
    for (let i = 0; i < m; i++) ids[this.len + i] = sym[i]!;
    this.len += m;
    if (cacheable && this.pieceBytes <= CACHE_MAX_BYTES) this.cache.set(text, s, e, sym, 0, m);
  }

  /** Encodes text[s, e) as the k + 1 segments between its cut points this.cutAt[0..k) (bpe-cut.ts) into
   *  this.ids32. One-unit segments (a kana or kanji between two cuts: most of a Japanese run under GPT-2) come
   *  from charIds, the others go through encodeSpan uncut (and its cache). */
  private encodeSegments(text: string, s: number, e: number, k: number): void {
    const cuts = this.cutAt;
    let from = s;
    for (let c = 0; c <= k; c++) {
      const to = c < k ? cuts[c]! : e;
      const u = to - from === 1 && this.cacheSize > 0 ? text.charCodeAt(from) : -1;
      if (u >= 0 && (u < 0xd800 || u > 0xdfff)) {
        const charIds = this.charIds ?? (this.charIds = new Int32Array(65536 * 4));
        let n = charIds[u * 4]! - 1;
        if (n < 0) {
          n = this.mergedPiece(text, from, to);
          charIds[u * 4] = n + 1;
          for (let i = 0; i < n; i++) charIds[u * 4 + 1 + i] = this.sym[i]!;
        }
        if (this.len + n > this.ids32.length) this.grow(this.len + n);
        for (let i = 0; i < n; i++) this.ids32[this.len + i] = charIds[u * 4 + 1 + i]!;
        this.len += n;
      } else {
        this.encodeSpan(text, from, to, false);
      }
      from = to;
    }
  }

  /** Merges text[s, e) into this.sym with dropped bytes removed; returns the number of ids. */
  private mergedPiece(text: string, s: number, e: number): number {
    let m = this.encodePiece(text, s, e);
    if (this.dropsBytes) {
      const sym = this.sym;
      let k = 0;
      for (let i = 0; i < m; i++) if (sym[i]! >= 0) sym[k++] = sym[i]!;
      m = k;
    }
    return m;
  }

  /** Drops cached pre-tokens (the cache and charIds are this tokenizer's only mutable state besides scratch). */
  clearCache(): void {
    this.cache.clear();
    this.charIds?.fill(0);
  }

  /** Encodes the pre-token text[s, e) into this.sym; returns the number of ids. */
  private encodePiece(piece: string, s: number, e: number): number {
    if (this.spec.ignoreMerges === true) {
      const whole = this.ids.get(this.toByteLevel(piece.slice(s, e)));
      if (whole !== undefined) {
        this.sym[0] = whole;
        this.pieceBytes = 0;
        return 1;
      }
    }
    // UTF-8 bytes of the piece, written straight as byte-token ids (an inline encoder: shorter than a call
    // into TextEncoder for the few-character pieces BPE sees). Lone surrogates become U+FFFD, as TextEncoder.
    const len = e - s;
    if (this.sym.length < len * 3) this.sym = new Int32Array(len * 6);
    const sym = this.sym;
    const ids = this.byteIds;
    let n = 0;
    for (let i = s; i < e; i++) {
      let c = piece.charCodeAt(i);
      if (c < 0x80) {
        sym[n++] = ids[c]!;
        continue;
      }
      if (c < 0x800) {
        sym[n++] = ids[0xc0 | (c >> 6)]!;
        sym[n++] = ids[0x80 | (c & 63)]!;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < e ? piece.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          sym[n++] = ids[0xf0 | (c >> 18)]!;
          sym[n++] = ids[0x80 | ((c >> 12) & 63)]!;
          sym[n++] = ids[0x80 | ((c >> 6) & 63)]!;
          sym[n++] = ids[0x80 | (c & 63)]!;
          continue;
        }
        c = 0xfffd;
      }
      sym[n++] = ids[0xe0 | (c >> 12)]!;
      sym[n++] = ids[0x80 | ((c >> 6) & 63)]!;
      sym[n++] = ids[0x80 | (c & 63)]!;
    }
    this.pieceBytes = n;
    return this.merger.merge(sym, n);
  }

  private toByteLevel(piece: string): string {
    const b = utf8Encode(piece);
    let s = "";
    for (let i = 0; i < b.length; i++) s += BYTE_TO_CHAR[b[i]!]!;
    return s;
  }

  decode(ids: readonly number[]): string {
    return utf8Decode(concatBytes(ids.map((id) => this.tokenBytes(id))));
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
    return this.controls.has(id);
  }

  isAdded(id: number): boolean {
    return this.addedIds.has(id);
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new KotodamaError(`${this.spec.source}: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
  }
}

/** UTF-8 length of text[s, e) as encodePiece writes it (a lone surrogate: U+FFFD, 3 bytes). */
function utf8Length(text: string, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c <= 0xdbff && c >= 0xd800 && i + 1 < e && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
