// WordPiece (BERT): Hugging Face's BertNormalizer (clean text, pad CJK ideographs, strip accents, lowercase),
// BertPreTokenizer (whitespace and punctuation) and greedy longest-match-first with "##" continuations.
// Not here: file parsing (GGUF stores these vocabularies in llama.cpp's "▁word"/"piece" spelling; see
// gguf-vocab.ts, which converts back to "word"/"##piece").

import { KotodamaError } from "../util/errors.js";
import { utf8Encode } from "./bytes.js";
import { SpecialSplitter, type AddedToken } from "./special.js";
import type { EncodeOptions, SpecialTokens, Tokenizer } from "./tokenizer.js";

export interface WordPieceSpec {
  readonly source: string;
  /** id → token, continuations spelled with the prefix ("##ing"). */
  readonly vocab: readonly string[];
  readonly added: readonly AddedToken[];
  /** bos = [CLS], eos = [SEP] (added around the text when addBos), unk = [UNK]. */
  readonly special: SpecialTokens;
  readonly addBos: boolean;
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly continuingPrefix?: string;
  readonly maxInputCharsPerWord?: number;
}

const WHITE = /[\t-\r\x85\p{Z}]/u; // Rust char::is_whitespace (White_Space)
const OTHER = /\p{C}/u;
const PUNCT = /[!-/:-@[-`{-~\p{P}]/u;
const MN = /\p{Mn}/gu;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WordPiece implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  readonly spec: WordPieceSpec;
  private readonly ids = new Map<string, number>();
  private readonly splitter: SpecialSplitter;
  private readonly prefix: string;
  private readonly controls: Set<number>;
  private readonly addedIds: Set<number>;

  constructor(spec: WordPieceSpec) {
    this.spec = spec;
    this.special = spec.special;
    this.vocabSize = spec.vocab.length;
    this.prefix = spec.continuingPrefix ?? "##";
    spec.vocab.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
    });
    if (spec.special.unk === undefined) throw new KotodamaError(`${spec.source}: a WordPiece vocabulary needs an unk token`);
    this.splitter = new SpecialSplitter(spec.added);
    this.controls = new Set(spec.added.filter((t) => t.special).map((t) => t.id));
    this.addedIds = new Set(spec.added.map((t) => t.id));
    this.kind = `wordpiece (${spec.lowercase ? "uncased" : "cased"}, ${this.vocabSize} tokens)`;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const wrap = (options.addBos ?? this.spec.addBos) && this.special.bos !== undefined;
    if (wrap) out.push(this.special.bos!);
    for (const seg of this.splitter.split(text, options.allowSpecial ?? false)) {
      if (typeof seg === "number") out.push(seg);
      else for (const w of this.preTokenize(this.normalize(seg))) this.encodeWord(w, out);
    }
    if (wrap && this.special.eos !== undefined) out.push(this.special.eos);
    return out;
  }

  /** BertNormalizer. */
  normalize(text: string): string {
    let s = "";
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp === 0 || cp === 0xfffd) continue;
      if (ch !== "\t" && ch !== "\n" && ch !== "\r" && OTHER.test(ch)) continue;
      if (WHITE.test(ch)) s += " ";
      else if (isChinese(cp)) s += ` ${ch} `;
      else s += ch;
    }
    if (this.spec.stripAccents) s = s.normalize("NFD").replace(MN, "");
    if (this.spec.lowercase) s = s.toLowerCase();
    return s;
  }

  /** BertPreTokenizer: split on whitespace (dropped) and punctuation (kept, one char per piece). */
  preTokenize(text: string): string[] {
    const words: string[] = [];
    let cur = "";
    for (const ch of text) {
      if (WHITE.test(ch)) {
        if (cur) words.push(cur);
        cur = "";
      } else if (PUNCT.test(ch)) {
        if (cur) words.push(cur);
        words.push(ch);
        cur = "";
      } else cur += ch;
    }
    if (cur) words.push(cur);
    return words;
  }

  private encodeWord(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > (this.spec.maxInputCharsPerWord ?? 100)) {
      out.push(this.special.unk!);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found = -1;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : "") + chars.slice(start, end).join("");
        const id = this.ids.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) {
        out.push(this.special.unk!);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  }

  /** Words joined by spaces, "##" continuations glued (Hugging Face's WordPiece decoder, no cleanup). */
  decode(ids: readonly number[]): string {
    let s = "";
    for (const id of ids) {
      this.check(id);
      if (this.controls.has(id)) continue;
      const t = this.spec.vocab[id]!;
      if (t.startsWith(this.prefix)) s += t.slice(this.prefix.length);
      else s += (s.length > 0 ? " " : "") + t;
    }
    return s;
  }

  tokenText(id: number): string {
    this.check(id);
    return this.spec.vocab[id]!;
  }

  tokenBytes(id: number): Uint8Array {
    this.check(id);
    if (this.controls.has(id)) return new Uint8Array(0);
    const t = this.spec.vocab[id]!;
    return utf8Encode(t.startsWith(this.prefix) ? t.slice(this.prefix.length) : ` ${t}`);
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
