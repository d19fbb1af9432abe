// Unigram language-model tokenization (Kudo 2018; T5, ALBERT, XLNet, mBART tokenizer.json): normalize, Metaspace
// ("▁" for spaces, prepend_scheme always/first/never, optional split at word starts), then the Viterbi best path over
// piece log-probabilities, unknown runs fused into one unk (or spelled as <0xXX> byte tokens with byte_fallback).
// Semantics as Hugging Face tokenizers' models/unigram/model.rs encode_optimized. Not here: parsing tokenizer.json
// (hf-json.ts), the Precompiled (sentencepiece charsmap) normalizer, GGUF "t5" vocabularies.

import { FormatError, KotodamaError } from "../util/errors.js";
import { concatBytes, parseByteToken, utf8Decode, utf8Encode } from "./bytes.js";
import { SpecialSplitter, type AddedToken } from "./special.js";
import type { EncodeOptions, SpecialTokens, Tokenizer } from "./tokenizer.js";

/** Hugging Face: an unknown character costs the lowest piece score minus 10 (K_UNK_PENALTY). */
const UNK_PENALTY = 10;

export interface MetaspaceSpec {
  /** Usually "▁". */
  readonly replacement: string;
  /** "always": prefix the replacement to every text segment not starting with it; "first": only to the first
   *  segment of the input (not after an added token); "never". */
  readonly prependScheme: "always" | "first" | "never";
  /** Cut at every replacement character, the piece keeping it at its start (no token crosses a word start). */
  readonly split: boolean;
  /** A WhitespaceSplit pre-tokenizer runs first (T5): words cut at whitespace, the whitespace dropped. */
  readonly whitespaceSplit?: boolean;
}

export interface UnigramSpec {
  readonly source: string;
  readonly vocab: readonly string[];
  /** Piece log-probabilities (tokenizer.json model.vocab [piece, score]). */
  readonly scores: ArrayLike<number>;
  readonly unkId: number | undefined;
  readonly byteFallback: boolean;
  /** Added tokens: matched before the model (control ones only with allowSpecial) and kept out of the lattice. */
  readonly added: readonly AddedToken[];
  readonly special: SpecialTokens;
  readonly addBos: boolean;
  /** The normalizer chain, composed (hf-json.ts builds it from the file). */
  readonly normalize: (s: string) => string;
  readonly metaspace: MetaspaceSpec | null;
}

interface TrieNode {
  id: number;
  next: Map<number, TrieNode> | null;
}

export class Unigram implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  readonly addsSpacePrefix: boolean;
  readonly spec: UnigramSpec;
  private readonly root: TrieNode = { id: -1, next: null };
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly unkScore: number;
  private readonly splitter: SpecialSplitter;
  private readonly controls: Set<number>;
  private readonly addedIds: Set<number>;
  private readonly bytesOf: Uint8Array[];

  constructor(spec: UnigramSpec) {
    this.spec = spec;
    this.special = spec.special;
    this.vocabSize = spec.vocab.length;
    if (spec.scores.length !== spec.vocab.length) throw new FormatError(spec.source, `unigram: ${spec.scores.length} scores for ${spec.vocab.length} pieces`);
    if (spec.unkId !== undefined && !(spec.unkId >= 0 && spec.unkId < spec.vocab.length)) throw new FormatError(spec.source, `unigram: unk_id ${spec.unkId} is outside the vocabulary of ${spec.vocab.length}`);
    this.addsSpacePrefix = spec.metaspace !== null && spec.metaspace.prependScheme !== "never";
    this.addedIds = new Set(spec.added.map((a) => a.id));
    this.controls = new Set(spec.added.filter((a) => a.special).map((a) => a.id));
    let min = Infinity;
    spec.vocab.forEach((t, id) => {
      const s = spec.scores[id]!;
      if (!Number.isFinite(s)) throw new FormatError(spec.source, `unigram: piece ${id} ('${t}') has score ${s}`);
      if (s < min) min = s;
      if (!this.ids.has(t)) this.ids.set(t, id);
      const b = parseByteToken(t);
      if (b >= 0 && this.byteIds[b] === -1) this.byteIds[b] = id;
      if (t.length > 0 && !this.addedIds.has(id)) this.insert(t, id);
    });
    this.unkScore = min - UNK_PENALTY;
    this.splitter = new SpecialSplitter(spec.added);
    const repl = spec.metaspace?.replacement ?? null;
    this.bytesOf = spec.vocab.map((t, id) => {
      if (this.controls.has(id) || id === spec.unkId) return new Uint8Array(0);
      if (spec.byteFallback && parseByteToken(t) >= 0 && this.byteIds[parseByteToken(t)] === id) return Uint8Array.of(parseByteToken(t));
      return utf8Encode(repl !== null && !this.addedIds.has(id) ? t.replaceAll(repl, " ") : t);
    });
    this.kind = `unigram (${spec.byteFallback ? "byte fallback, " : ""}${this.vocabSize} tokens)`;
  }

  private insert(piece: string, id: number): void {
    let node = this.root;
    for (const ch of piece) {
      const c = ch.codePointAt(0)!;
      node.next ??= new Map();
      let n = node.next.get(c);
      if (n === undefined) {
        n = { id: -1, next: null };
        node.next.set(c, n);
      }
      node = n;
    }
    if (node.id < 0) node.id = id; // the first of duplicate pieces, as token_to_ids' lookup of the text
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if ((options.addBos ?? this.spec.addBos) && this.special.bos !== undefined) out.push(this.special.bos);
    let first = true;
    for (const seg of this.splitter.split(text, options.allowSpecial ?? false)) {
      if (typeof seg === "number") {
        out.push(seg);
        first = false;
        continue;
      }
      const norm = this.spec.normalize(seg);
      const ms = this.spec.metaspace;
      const words = ms?.whitespaceSplit === true ? norm.split(/[\p{White_Space}]+/u).filter((w) => w.length > 0) : [norm];
      for (const word of words) {
        if (ms === null) {
          this.viterbi(word, out);
          continue;
        }
        let s = word.replaceAll(" ", ms.replacement);
        const prepend = ms.prependScheme === "always" || (ms.prependScheme === "first" && first);
        if (prepend && !s.startsWith(ms.replacement)) s = ms.replacement + s;
        if (ms.split) for (const w of splitBefore(s, ms.replacement)) this.viterbi(w, out);
        else this.viterbi(s, out);
        first = false;
      }
      first = false;
    }
    return out;
  }

  /** Best path over code points: best[e] is the best score of a segmentation of s[0, e); a later candidate
   *  replaces it only when strictly better, so ties keep the earliest start (Hugging Face encode_optimized). */
  private viterbi(s: string, out: number[]): void {
    const cps = Array.from(s, (c) => c.codePointAt(0)!);
    const n = cps.length;
    if (n === 0) return;
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const idAt = new Int32Array(n + 1);
    const scores = this.spec.scores;
    for (let i = 0; i < n; i++) {
      if (i > 0 && from[i] < 0) continue; // unreachable (cannot happen: every char has a node or an unk)
      const base = best[i]!;
      let single = false;
      let node: TrieNode | undefined = this.root;
      for (let j = i; j < n && node !== undefined; j++) {
        node = node.next?.get(cps[j]!);
        if (node === undefined) break;
        if (node.id < 0) continue;
        const cand = base + scores[node.id]!;
        if (from[j + 1]! < 0 || cand > best[j + 1]!) {
          best[j + 1] = cand;
          from[j + 1] = i;
          idAt[j + 1] = node.id;
        }
        if (j === i) single = true;
      }
      if (!single) {
        const cand = base + this.unkScore;
        if (from[i + 1]! < 0 || cand > best[i + 1]!) {
          best[i + 1] = cand;
          from[i + 1] = i;
          idAt[i + 1] = -1; // unknown
        }
      }
    }
    // Backtrack; runs of unknown characters fuse into one piece (fuse_unk).
    const pieces: { start: number; end: number; id: number }[] = [];
    for (let e = n; e > 0; e = from[e]!) {
      const st = from[e]!;
      const id = idAt[e]!;
      const last = pieces[pieces.length - 1];
      if (id < 0 && last !== undefined && last.id < 0) last.start = st;
      else pieces.push({ start: st, end: e, id });
    }
    for (let k = pieces.length - 1; k >= 0; k--) {
      const p = pieces[k]!;
      if (p.id >= 0) {
        out.push(p.id);
        continue;
      }
      const text = String.fromCodePoint(...cps.slice(p.start, p.end));
      const known = this.ids.get(text);
      if (known !== undefined && !this.addedIds.has(known)) {
        out.push(known);
        continue;
      }
      const bytes = utf8Encode(text);
      if (this.spec.byteFallback && bytes.every((b) => this.byteIds[b]! >= 0)) {
        for (const b of bytes) out.push(this.byteIds[b]!);
        continue;
      }
      if (this.spec.unkId === undefined) throw new KotodamaError(`${this.spec.source}: '${text}' has no piece and the unigram model has no unk_id`);
      out.push(this.spec.unkId);
    }
  }

  /** Pieces joined with the replacement read as a space (Metaspace decoder), the space of the first token
   *  removed (prepend_scheme always/first; Hugging Face strips it from token 0 only), byte tokens fused into
   *  UTF-8 (ByteFallback + Fuse decoders); control tokens skipped (skip_special_tokens). */
  decode(ids: readonly number[]): string {
    const chunks: Uint8Array[] = [];
    const ms = this.spec.metaspace;
    let atStart = ms !== null && ms.prependScheme !== "never";
    for (const id of ids) {
      const b = this.tokenBytes(id);
      if (b.length === 0) continue;
      chunks.push(atStart && b[0] === 0x20 ? b.subarray(1) : b);
      atStart = false;
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
    return this.controls.has(id);
  }

  isAdded(id: number): boolean {
    this.check(id);
    return this.addedIds.has(id);
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new KotodamaError(`${this.spec.source}: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
  }
}

/** "a▁b▁c" → ["a", "▁b", "▁c"]: Metaspace split=true (SplitDelimiterBehavior::MergedWithNext). */
function splitBefore(s: string, r: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = s.indexOf(r, 1); i > 0; i = s.indexOf(r, i + r.length)) {
    out.push(s.slice(start, i));
    start = i;
  }
  out.push(s.slice(start));
  return out.filter((w) => w.length > 0);
}
