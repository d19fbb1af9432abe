// Special (added) tokens: the reserved names kotodama gives them, and cutting text at their literal strings
// when — and only when — the caller allows it. Not here: what a tokenizer does with the plain-text segments.

/** An added token: a literal string that maps to one id and bypasses BPE. */
export interface AddedToken {
  readonly id: number;
  readonly text: string;
  /** Control token (BOS, EOS, PAD, chat roles): decodes to nothing, matched only with allowSpecial. */
  readonly special: boolean;
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

/** Splits text at added-token strings, longest first, leftmost first. Control tokens (special: true) only
 *  when allowed; other added tokens always (as Hugging Face and llama.cpp do). */
export class SpecialSplitter {
  private readonly all: RegExp | null;
  private readonly plain: RegExp | null;
  private readonly byText: Map<string, number>;

  constructor(tokens: readonly AddedToken[]) {
    const usable = tokens.filter((t) => t.text.length > 0);
    this.byText = new Map(usable.map((t) => [t.text, t.id]));
    const build = (ts: readonly AddedToken[]): RegExp | null => {
      const texts = [...new Set(ts.map((t) => t.text))].sort((a, b) => b.length - a.length);
      return texts.length === 0 ? null : new RegExp(texts.map(escapeRegExp).join("|"), "gu");
    };
    this.all = build(usable);
    this.plain = build(usable.filter((t) => !t.special));
  }

  split(text: string, allowSpecial: boolean): Segment[] {
    const re = allowSpecial ? this.all : this.plain;
    if (re === null) return text.length > 0 ? [text] : [];
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(re)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(this.byText.get(m[0])!);
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
