// Pre-tokenizers: the regexes that cut text into pieces before BPE (GPT-2, Llama-3, Qwen2, GPT-4, kotodama's
// own with CJK script runs), stored in Oniguruma spelling (as tokenizer.json holds them) and run as JS regexes.
// Not here: BPE merging, special-token splitting, BERT's basic tokenizer (wordpiece.ts).

import { KotodamaError } from "../util/errors.js";

/** Whitespace as Oniguruma / Rust regex define `\s` (Unicode White_Space): JS's own `\s` differs (it adds
 *  U+FEFF and lacks U+0085), which would change GPT-2 pieces, so every `\s` is rewritten to this class. */
const WS = "\\t-\\r\\x85\\p{Z}";

/** GPT-2 (openai/gpt-2 encoder.py; tiktoken "gpt2"/"r50k"; llama.cpp pre "gpt-2"). */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
/** Llama-3 (meta-llama tokenizer.json; llama.cpp pre "llama-bpe"). */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2 (Qwen tokenizer.json; llama.cpp pre "qwen2"): Llama-3's pattern with single digits. */
export const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** GPT-4 (tiktoken cl100k_base). */
export const GPT4_PATTERN =
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
/** kotodama's pattern for trained tokenizers: GPT-4's rules for spaced scripts, and Japanese/Chinese cut by
 *  script runs — one piece per run of kanji (Han, incl. 々), of hiragana, or of katakana (with the long-vowel
 *  mark ー). Japanese has no spaces, so GPT-4's "one piece per letter run" would make a sentence one piece;
 *  script changes mark word-ish boundaries (kanji stem + hiragana ending), which BPE then merges within. */
export const KOTODAMA_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|\\p{Han}+|\\p{Hiragana}+|[\\p{Katakana}ー]+" +
  "|[^\\r\\n\\p{L}\\p{N}]?[^\\P{L}\\p{Han}\\p{Hiragana}\\p{Katakana}ー]+" +
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Named patterns (names as llama.cpp's tokenizer.ggml.pre and kotodama's own). */
export const NAMED_PATTERNS: Readonly<Record<string, string>> = {
  "gpt-2": GPT2_PATTERN,
  "llama3": LLAMA3_PATTERN,
  "qwen2": QWEN2_PATTERN,
  "gpt-4": GPT4_PATTERN,
  kotodama: KOTODAMA_PATTERN,
};

const GENERAL_CATEGORY = /^(?:L|Lu|Ll|Lt|Lm|Lo|LC|M|Mn|Mc|Me|N|Nd|Nl|No|P|Pc|Pd|Ps|Pe|Pi|Pf|Po|S|Sm|Sc|Sk|So|Z|Zs|Zl|Zp|C|Cc|Cf|Cs|Co|Cn)$/;

/** Rewrites an Oniguruma/Rust-style pattern (as in tokenizer.json) into an equivalent JS `u` regex source:
 *  `\s`/`\S` → White_Space classes, `\p{Han}` → `\p{sc=Han}`, `(?i:…)` over letters → `[xX]` classes,
 *  possessive quantifiers → greedy (equivalent for these patterns: nothing after them can backtrack into
 *  them). Throws naming the construct when it cannot translate. */
export function onigToJs(pattern: string): string {
  let out = "";
  let inClass = false;
  let caseless = 0; // depth counter for (?i: ... ) groups
  const groupStack: boolean[] = [];
  let prevQuant = false; // the previous token was a quantifier (so a following "+" makes it possessive)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const afterQuant = prevQuant;
    prevQuant = false;
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) throw new KotodamaError(`pre-tokenizer pattern ends with a lone backslash: ${pattern}`);
      if (n === "s" || n === "S") {
        if (inClass) {
          if (n === "S") throw new KotodamaError(`pre-tokenizer pattern: \\S inside a class is not supported: ${pattern}`);
          out += WS;
        } else out += n === "s" ? `[${WS}]` : `[^${WS}]`;
        i++;
        continue;
      }
      if ((n === "p" || n === "P") && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i + 3);
        if (end < 0) throw new KotodamaError(`pre-tokenizer pattern: unterminated \\${n}{ in ${pattern}`);
        const name = pattern.slice(i + 3, end);
        const jsName = GENERAL_CATEGORY.test(name) || name.includes("=") ? name : `sc=${name}`;
        out += `\\${n}{${jsName}}`;
        i = end;
        continue;
      }
      if (n === "x" && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i + 3);
        out += `\\u{${pattern.slice(i + 3, end)}}`;
        i = end;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += caseless > 0 && /[a-zA-Z]/.test(c) ? c.toLowerCase() + c.toUpperCase() : c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") {
        out += "^";
        i++;
      }
      continue;
    }
    if (c === "(") {
      if (pattern.startsWith("(?i:", i)) {
        groupStack.push(true);
        caseless++;
        out += "(?:";
        i += 3;
        continue;
      }
      if (pattern.startsWith("(?", i) && !/^\(\?[:=!<]/.test(pattern.slice(i, i + 3))) {
        throw new KotodamaError(`pre-tokenizer pattern: unsupported group ${pattern.slice(i, i + 4)} in ${pattern}`);
      }
      groupStack.push(false);
      out += c;
      continue;
    }
    if (c === ")") {
      if (groupStack.pop() === true) caseless--;
      out += c;
      continue;
    }
    if (c === "+" && afterQuant) continue; // possessive quantifier: drop the "+"
    if (c === "?" || c === "*" || c === "+") {
      prevQuant = pattern[i - 1] !== "(";
      out += c;
      continue;
    }
    if (c === "{") {
      const end = pattern.indexOf("}", i);
      if (end > 0 && /^\{\d+(,\d*)?\}$/.test(pattern.slice(i, end + 1))) {
        out += pattern.slice(i, end + 1);
        i = end;
        prevQuant = true;
        continue;
      }
    }
    out += caseless > 0 && /[a-zA-Z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** Cuts text into pieces. Pieces concatenate back to the text exactly. */
export interface PreTokenizer {
  /** The pattern in Oniguruma spelling (what tokenizer.json stores). */
  readonly pattern: string;
  split(text: string): string[];
}

/** A regex pre-tokenizer with Hugging Face's "isolated" behaviour: matches are pieces, and so are the gaps. */
export function regexPreTokenizer(pattern: string): PreTokenizer {
  let re: RegExp;
  try {
    re = new RegExp(onigToJs(pattern), "gu");
  } catch (e) {
    throw new KotodamaError(`pre-tokenizer pattern does not compile (${(e as Error).message}): ${pattern}`);
  }
  return {
    pattern,
    split(text: string): string[] {
      const pieces = text.match(re);
      if (pieces === null) return text.length > 0 ? [text] : [];
      let n = 0;
      for (const p of pieces) n += p.length;
      if (n === text.length) return pieces; // the usual case: the alternatives cover every char
      const out: string[] = [];
      let last = 0;
      for (const m of text.matchAll(re)) {
        if (m.index > last) out.push(text.slice(last, m.index));
        if (m[0].length > 0) out.push(m[0]);
        last = m.index + m[0].length;
      }
      if (last < text.length) out.push(text.slice(last));
      return out;
    },
  };
}

/** The pattern llama.cpp uses for a tokenizer.ggml.pre name (byte-level BPE vocabularies). */
export function patternForGgufPre(pre: string): string | null {
  switch (pre) {
    case "gpt-2":
    case "phi-2":
    case "jina-es":
    case "jina-de":
    case "jina-v2-es":
    case "jina-v2-de":
    case "jina-v2-code":
    case "roberta-bpe":
      return GPT2_PATTERN;
    case "llama-bpe":
    case "llama3":
    case "llama-v3":
    case "falcon3":
    case "dbrx":
    case "smaug-bpe":
      return LLAMA3_PATTERN;
    case "qwen2":
    case "deepseek-r1-qwen":
      return QWEN2_PATTERN;
    case "kotodama":
      return KOTODAMA_PATTERN;
    default:
      return null;
  }
}
