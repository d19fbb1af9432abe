// Special (added) tokens: the reserved names kotodama gives them, and cutting text at their literal strings
// when — and only when — the caller allows it. Not here: what a tokenizer does with the plain-text segments.

/** An added token: a literal string that maps to one id and bypasses BPE. */
export interface AddedToken {
  readonly id: number;
  readonly text: string;
  /** Control token (BOS, EOS, PAD, chat roles): decodes to nothing, matched only with allowSpecial. */
  readonly special: boolean;
  /** Drop ASCII whitespace (C isspace) before / after the token's text (llama.cpp LSTRIP / RSTRIP attributes). */
  readonly lstrip?: boolean;
  readonly rstrip?: boolean;
}

/** The special tokens every kotodama-trained tokenizer reserves, in id order after the merges. */
export const KOTODAMA_SPECIALS = [
  "<|bos|>",
  "<|eos|>",
  "<|pad|>",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
  "<|end|>",
] as const;

/** A text segment (to be tokenized) or an already-resolved token id. */
export type Segment = string | number;

/** How added-token strings are found in text. "leftmost": the leftmost match, the longest at that position
 *  (Hugging Face's AddedVocabulary, aho-corasick LeftmostLongest). "longest-first": llama.cpp's
 *  tokenizer_st_partition — every occurrence of the longest token (by UTF-8 length) is cut out first, then the
 *  next longest in the pieces left, and so on. They differ only when added tokens overlap ("ab", "bcd" in
 *  "abcd": [ab]cd vs a[bcd]). Equal lengths form one group here (llama.cpp's std::sort leaves their order
 *  unspecified). */
export type AddedMatch = "leftmost" | "longest-first";

/** Splits text at added-token strings. Control tokens (special: true) only when allowed; other added tokens
 *  always (as Hugging Face and llama.cpp do). */
export class SpecialSplitter {
  private readonly all: RegExp | null;
  private readonly plain: RegExp | null;
  private readonly allGroups: RegExp[];
  private readonly plainGroups: RegExp[];
  private readonly byText: Map<string, number>;
  private readonly strip: Map<string, { l: boolean; r: boolean }>;
  private readonly match: AddedMatch;

  constructor(tokens: readonly AddedToken[], match: AddedMatch = "leftmost") {
    this.match = match;
    const usable = tokens.filter((t) => t.text.length > 0);
    this.byText = new Map(usable.map((t) => [t.text, t.id]));
    this.strip = new Map(usable.filter((t) => t.lstrip === true || t.rstrip === true).map((t) => [t.text, { l: t.lstrip === true, r: t.rstrip === true }]));
    const build = (ts: readonly AddedToken[]): RegExp | null => {
      const texts = [...new Set(ts.map((t) => t.text))].sort((a, b) => b.length - a.length);
      return texts.length === 0 ? null : new RegExp(texts.map(escapeRegExp).join("|"), "gu");
    };
    const groups = (ts: readonly AddedToken[]): RegExp[] => {
      const byLen = new Map<number, string[]>();
      for (const t of new Set(ts.map((x) => x.text))) {
        const n = utf8Length(t);
        byLen.set(n, [...(byLen.get(n) ?? []), t]);
      }
      return [...byLen].sort((a, b) => b[0] - a[0]).map(([, texts]) => new RegExp(texts.map(escapeRegExp).join("|"), "gu"));
    };
    this.all = build(usable);
    this.plain = build(usable.filter((t) => !t.special));
    this.allGroups = match === "longest-first" ? groups(usable) : [];
    this.plainGroups = match === "longest-first" ? groups(usable.filter((t) => !t.special)) : [];
  }

  split(text: string, allowSpecial: boolean): Segment[] {
    const re = allowSpecial ? this.all : this.plain;
    if (re === null) return text.length > 0 ? [text] : [];
    if (this.match === "longest-first") {
      re.lastIndex = 0;
      if (!re.test(text)) return text.length > 0 ? [text] : [];
      let segs: Segment[] = [text];
      for (const g of allowSpecial ? this.allGroups : this.plainGroups) {
        segs = segs.flatMap((s) => (typeof s === "number" ? [s] : this.cut(s, g)));
      }
      return segs;
    }
    return this.cut(text, re);
  }

  private cut(text: string, re: RegExp): Segment[] {
    const out: Segment[] = [];
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const st = this.strip.get(m[0]);
      let left = m.index;
      if (st?.l === true) while (left > last && isCSpace(text.charCodeAt(left - 1))) left--;
      if (left > last) out.push(text.slice(last, left));
      out.push(this.byText.get(m[0])!);
      last = m.index + m[0].length;
      if (st?.r === true) while (last < text.length && isCSpace(text.charCodeAt(last))) last++;
      re.lastIndex = last;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}

/** C isspace in the "C" locale: space, \t, \n, \v, \f, \r. */
const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
