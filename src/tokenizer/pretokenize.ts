// Pre-tokenizers: the regexes that cut text into pieces before BPE (GPT-2, Llama-3, Qwen2, GPT-4, kotodama's
// own), stored in Oniguruma spelling (as tokenizer.json holds them), run as JS regexes, alone or in sequence.
// Not here: llama.cpp's table of named pre-tokenizers (pretokenizers-llamacpp.ts), BPE merging, special tokens.

import { KotodamaError } from "../util/errors.js";

/** Whitespace as Oniguruma / Rust regex define `\s` (Unicode White_Space): JS's own `\s` differs (it adds
 *  U+FEFF and lacks U+0085), which would change GPT-2 pieces, so every `\s` is rewritten to this class. */
export const WHITE_SPACE_CLASS = "\\t-\\r\\x85\\p{Z}";
const WS = WHITE_SPACE_CLASS;

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
/** Han as llama.cpp's unicode_cpt_is_han (src/unicode.cpp) defines it: the CJK Unified Ideographs blocks and
 *  the compatibility ideographs — not the Han script (々 〆 〇 and the radicals are not in it). */
const HAN = "\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{F900}-\\x{FAFF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2EBEF}\\x{2F800}-\\x{2FA1F}";
/** kotodama's pattern for trained tokenizers, chosen so that llama.cpp runs it too: it is llama.cpp's "kimi-k2"
 *  pre-tokenizer (unicode_regex_split_custom_kimi_k2) written as one regex. Japanese/Chinese: one piece per
 *  run of Han ideographs — Japanese has no spaces, and the kanji/kana boundary (吾輩|は|猫|である) is the
 *  word-ish cut that matters most; kana and Latin letters form runs together (no llama.cpp type cuts
 *  hiragana from katakana). Spaced scripts: GPT-4's rules (letter runs with one optional leading non-letter,
 *  digits by 1–3, punctuation runs, whitespace) with English contractions kept on their word ("don't"). */
export const KOTODAMA_PATTERN =
  `[${HAN}]+|[^\\r\\n\\p{L}\\p{N}]?[^\\P{L}${HAN}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?` +
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** kotodama's first pattern (tokenizers trained before the llama.cpp-compatible one): GPT-4's rules, and CJK cut
 *  by script runs — kanji (Han, incl. 々), hiragana, katakana (with ー). Still read (tokenizer.json carries the
 *  regex; GGUF pre "kotodama" names it), but llama.cpp has no equivalent, so such tokenizers cannot be exported. */
export const KOTODAMA_V1_PATTERN =
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
  "kotodama-v1": KOTODAMA_V1_PATTERN,
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

/** A regex pre-tokenizer with Hugging Face's "isolated" behaviour: matches are pieces, and so are the gaps.
 *  Several patterns apply in sequence, each to every piece the previous one left (HF Sequence of Splits;
 *  llama.cpp's regex_exprs lists, unicode_regex_split). */
export function regexPreTokenizer(pattern: string | readonly string[]): PreTokenizer {
  const patterns = typeof pattern === "string" ? [pattern] : pattern;
  if (patterns.length === 0) throw new KotodamaError("pre-tokenizer: an empty list of patterns");
  const stages = patterns.map(compile);
  const first = stages[0]!;
  return {
    pattern: patterns.length === 1 ? patterns[0]! : patterns.join(" ⟶ "),
    split(text: string): string[] {
      let pieces = splitOne(first, text);
      for (let k = 1; k < stages.length; k++) {
        const re = stages[k]!;
        const next: string[] = [];
        for (const p of pieces) for (const q of splitOne(re, p)) next.push(q);
        pieces = next;
      }
      return pieces;
    },
  };
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(onigToJs(pattern), "gu");
  } catch (e) {
    if (e instanceof KotodamaError) throw e;
    throw new KotodamaError(`pre-tokenizer pattern does not compile (${(e as Error).message}): ${pattern}`);
  }
}

/** Matches and the gaps between them, in order; empty matches cut but yield no piece. */
function splitOne(re: RegExp, text: string): string[] {
  const pieces = text.match(re);
  if (pieces === null) return text.length > 0 ? [text] : [];
  let n = 0;
  let empty = false;
  for (const p of pieces) {
    n += p.length;
    if (p.length === 0) empty = true;
  }
  if (n === text.length && !empty) return pieces; // the usual case: the alternatives cover every char
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[0].length > 0) out.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
