// llama.cpp's byte-level BPE pre-tokenizers: every `tokenizer.ggml.pre` name it accepts, the regex sequence it
// runs for it and whether it ignores merges; and the reverse map our GGUF export uses. Not here: running regexes
// (pretokenize.ts), the BPE itself (bpe.ts), SentencePiece/WordPiece vocabularies (no pre-tokenizer there).
//
// Source: llama.cpp src/llama-vocab.cpp (`llm_tokenizer_bpe` regex_exprs per LLAMA_VOCAB_PRE_TYPE_*, and the
// name → type chain in `llama_vocab::impl::load`), and src/unicode.cpp (`unicode_regex_split`), at the commit
// node-llama-cpp 3.22.1 bundles (de3ff815, its llama/gitRelease.bundle), so the oracle in our tests is the code
// these tables were read from. The regexes are kept as llama.cpp spells them where JS reads them the same way.
//
// How llama.cpp runs them, and what we reproduce:
// - Several regexes apply in sequence: each one cuts every piece left by the previous one; the text between
//   matches stays a piece of its own (unicode_regex_split_stl). `sequencePreTokenizer` does exactly that.
// - A regex with \p{..} runs on a "collapsed" text: every non-ASCII code point becomes one byte for its class
//   (letter, number, punctuation, mark, symbol; non-ASCII whitespace → \v). So \p{Lu}/\p{Ll}/… all mean "any
//   letter" there, and `\s` is Unicode White_Space. Running the regex on the real text with \p{L} gives the same
//   cuts, as long as subcategories are widened to \p{L} (`collapsed` below).
// - A regex without \p{..} runs on code points (std::wregex), with non-ASCII whitespace replaced by \v: so a
//   literal class such as [一-龥ࠀ-一] (which spans U+2000–U+3000) does NOT match U+3000 there. `wide` below adds a
//   lookahead that keeps non-ASCII whitespace out of such classes.
// - gpt-2, llama3, qwen2, qwen35 and kimi-k2 use hand-written C++ splitters that equal their regexes (kimi-k2's
//   does not split CamelCase, unlike Kimi's own tiktoken regex; our KIMI_K2 regex follows llama.cpp's code).

import { KotodamaError } from "../util/errors.js";
import { GPT2_PATTERN, KOTODAMA_PATTERN, KOTODAMA_V1_PATTERN, LLAMA3_PATTERN, onigToJs, QWEN2_PATTERN } from "./pretokenize.js";

const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
/** llama.cpp's GPT-2 regex lacks GPT-2's final `|\s+`; the cuts are the same (the one whitespace char that
 *  alternative takes — the last of a run, before a non-space that ` ?` cannot take — is then a gap piece of
 *  its own, tested in pretokenizers-llamacpp.test.ts), so the table uses GPT-2's spelling, which exports match.
 *  Llama-3 and Qwen2 likewise: tokenizer.json's `(?i:…)` translates to llama.cpp's `'[sS]…` classes. */
const GPT2 = GPT2_PATTERN;
const LLAMA3 = LLAMA3_PATTERN;
const QWEN2 = QWEN2_PATTERN;
const QWEN35 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const DEEPSEEK_CJK = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
const DS3_MAIN = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** GPT-4o (o200k) as llama.cpp adapts it: "upper* lower+" / "upper+ lower*" via lookaheads over [^a-z]/[^A-Z]
 *  (which, on collapsed text, makes every non-ASCII letter both upper and lower). */
const CASE_WORDS = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + `${CONTRACTIONS}?` + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + `${CONTRACTIONS}?`;
const GPT4O = `${CASE_WORDS}|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const BLOOM = " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+";
const WS_CASCADE = "\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}";

/** One regex of a sequence. `wide`: llama.cpp runs it on code points (no \p{..}), see the header. */
interface Stage {
  readonly re: string;
  readonly wide?: boolean;
}

/** A llama.cpp BPE pre-tokenizer type. */
export interface LlamaCppPre {
  /** The type's canonical name (the one our export writes). */
  readonly name: string;
  /** Regexes applied in sequence, in the Oniguruma spelling pretokenize.ts translates. */
  readonly patterns: readonly string[];
  /** llama.cpp `ignore_merges`: a pre-token that is itself a token is emitted whole. */
  readonly ignoreMerges: boolean;
}

const wide = (re: string): Stage => ({ re, wide: true });
const s = (re: string): Stage => ({ re });

/** The types, keyed by canonical name: [stages, ignore_merges, other names llama.cpp maps to the same type]. */
const TYPES: Readonly<Record<string, readonly [readonly Stage[], boolean, readonly string[]]>> = {
  "llama-bpe": [[s(LLAMA3)], true, ["llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"]],
  dbrx: [[s(LLAMA3)], false, ["smaug-bpe"]], // same regex as llama3, without ignore_merges
  glm4: [[s(LLAMA3)], false, ["chatglm-bpe"]],
  "jais-2": [[s(`${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|${WS_CASCADE}`)], false, []],
  "deepseek-llm": [[wide("[\\r\\n]"), wide("\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+"), wide("\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+"), wide("\\s+$"), wide(DEEPSEEK_CJK), s("\\p{N}+")], false, []],
  "deepseek-v3": [[s("\\p{N}{1,3}"), wide("[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+"), s(DS3_MAIN)], false, ["hunyuan-dense", "joyai-llm", "hy_v4"]],
  spark2_5: [[s("\\p{N}{1,3}"), wide("[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+"), s("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\\r\\n]|\\s+(?!\\S)|\\s+"), s("\\p{N}")], false, []],
  "deepseek-coder": [[wide("[\\r\\n]"), s("\\s?\\p{L}+"), s("\\s?\\p{P}+"), wide(DEEPSEEK_CJK), s("\\p{N}")], false, []],
  falcon: [[s("[\\p{P}\\$\\+<=>\\^~\\|`]+"), s(GPT2), wide("[0-9][0-9][0-9]")], false, []],
  starcoder: [[s("\\p{N}"), s(GPT2)], false, ["refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"]],
  "gpt-2": [[s(GPT2)], false, ["mpt", "olmo", "jais", "trillion", "granite-docling", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4"]],
  qwen2: [[s(QWEN2)], false, ["deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan", "solar-open", "megrez", "grok-2"]],
  qwen35: [[s(QWEN35)], false, []],
  bloom: [[wide(BLOOM)], false, ["poro-chat", "gpt3-finnish"]],
  viking: [[wide(BLOOM), s("\\p{N}")], false, []],
  tekken: [[s(TEKKEN)], true, []],
  chameleon: [[wide("<sentinel:[0-9]+>"), wide("(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z"), wide("([\\t\\n]|    |  )"), s("\\p{N}"), s("[\\p{P}!-/:-@\\[-`{-~]"), s(GPT2)], false, []],
  "gpt-4o": [[s(GPT4O)], false, ["llama4", "kanana2", "talkie", "minimax-m2"]],
  superbpe: [[s("\\p{N}+"), wide("(?=(\\d{3})+(?!\\d))")], false, []],
  bailingmoe: [[s("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+")], false, ["bailingmoe2", "llada-moe"]],
  "seed-coder": [[s(`${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`)], false, []],
  ufakzeka: [[s("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")], false, []],
  laguna: [[wide("[^\\n]+|[\\n]+"), s(QWEN2)], false, []],
  "exaone-moe": [[s(`${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+`)], false, []],
  minicpm5: [[s("\\p{N}{1,3}"), s(`${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`)], true, []],
  // kimi-k2: llama.cpp's hand-written splitter (unicode_regex_split_custom_kimi_k2) as one regex — Han runs by
  // its unicode_cpt_is_han ranges, other letters with one optional leading non-letter and a trailing contraction.
  // It is also the pattern kotodama trains with (pretokenize.ts KOTODAMA_PATTERN), so exports name it.
  "kimi-k2": [[s(KOTODAMA_PATTERN)], false, []],
  // No tokenizer.ggml.pre (or "default"): llama.cpp's fallback sequence, with a warning that quality degrades.
  default: [[s("[\\p{P}\\$\\+<=>\\^~\\|]+"), s(GPT2), s("\\p{N}+"), wide("[0-9][0-9][0-9]")], false, []],
};

/** Not supported (they need code, not a regex, or are not byte-level): gemma4, sarvam-moe and whitespace
 *  (SentencePiece-style BPE on raw UTF-8), afmoe and tiny_aya/cohere2moe (custom digit grouping), youtu and
 *  granite-embed-multi-* (not yet checked against a vocabulary). They stay unknown names: a FormatError. */
const BY_NAME: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [name, [, , aliases]] of Object.entries(TYPES)) {
    m.set(name, name);
    for (const a of aliases) m.set(a, name);
  }
  return m;
})();

/** Non-ASCII code points in llama.cpp's whitespace set (unicode_set_whitespace): replaced by \v before a
 *  wregex runs, so no literal class can match them. */
const NON_ASCII_WS = "\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

/** Keeps non-ASCII whitespace out of every non-negated class that lists non-ASCII characters (the wregex rule). */
function guardWide(re: string): string {
  let out = "";
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === "\\") {
      out += c + (re[i + 1] ?? "");
      i++;
      continue;
    }
    if (c !== "[") {
      out += c;
      continue;
    }
    let j = i + 1;
    while (j < re.length && re[j] !== "]") j += re[j] === "\\" ? 2 : 1;
    const cls = re.slice(i, j + 1);
    const nonAscii = [...cls].some((ch) => ch.codePointAt(0)! > 0x7f) || [...cls.matchAll(/\\x\{([0-9A-Fa-f]+)\}/g)].some((m) => parseInt(m[1]!, 16) > 0x7f);
    out += nonAscii && cls[1] !== "^" ? `(?![${NON_ASCII_WS}])${cls}` : cls;
    i = j;
  }
  return out;
}

/** The pre-tokenizer llama.cpp uses for a `tokenizer.ggml.pre` name (absent name: "default"), or null when
 *  llama.cpp does not know it or kotodama does not support it. "kotodama" (what exports wrote before llama.cpp
 *  compatibility) maps to the pattern those files were trained with, so they still load. */
export function llamaCppPre(name: string | undefined): LlamaCppPre | null {
  if (name === "kotodama") return { name, patterns: [KOTODAMA_V1_PATTERN], ignoreMerges: false };
  const key = BY_NAME.get(name ?? "default");
  if (key === undefined) return null;
  const [stages, ignoreMerges] = TYPES[key]!;
  return { name: key, patterns: stages.map((st) => (st.wide === true ? guardWide(st.re) : st.re)), ignoreMerges };
}

/** Every name llama.cpp accepts that kotodama reads (canonical names and aliases). */
export const LLAMACPP_PRE_NAMES: readonly string[] = [...BY_NAME.keys()];

/** The `tokenizer.ggml.pre` name under which llama.cpp cuts text exactly as a byte-level BPE tokenizer with
 *  these patterns does, or undefined when no llama.cpp type matches (the export must then refuse). Patterns
 *  compare by their JS translation (so `(?i:'s)` equals `'[sS]`): the table above is the single source of
 *  both directions. */
export function llamaCppPreNameFor(patterns: readonly string[], ignoreMerges: boolean): string | undefined {
  const js = patterns.map(safeJs);
  const preferred = ["llama-bpe", "gpt-2", "qwen2", "kimi-k2"]; // the usual names first, then table order
  const names = [...preferred, ...Object.keys(TYPES).filter((n) => !preferred.includes(n) && n !== "default")];
  return names.find((n) => {
    const p = llamaCppPre(n)!;
    return p.ignoreMerges === ignoreMerges && p.patterns.length === js.length && p.patterns.every((x, i) => safeJs(x) === js[i]);
  });
}

function safeJs(p: string): string {
  try {
    return onigToJs(p);
  } catch {
    return `\u0000untranslatable:${p}`;
  }
}

/** The `tokenizer.ggml.pre` a GGUF export must write for a byte-level BPE tokenizer (given its spec), so that
 *  llama.cpp both accepts the file and cuts text exactly as kotodama does. Throws, naming the tokenizer, when
 *  no llama.cpp type does (e.g. the GPT-4 pattern, kotodama's first pattern, or NFC normalization other than
 *  Qwen2's): writing a name llama.cpp refuses, or one that cuts differently, would ship a broken model. */
export function llamaCppPreName(spec: { readonly source: string; readonly pattern: string | readonly string[]; readonly ignoreMerges?: boolean; readonly normalization?: "NFC" | null }): string {
  const patterns = typeof spec.pattern === "string" ? [spec.pattern] : spec.pattern;
  const name = llamaCppPreNameFor(patterns, spec.ignoreMerges === true);
  if (name === undefined) {
    const v1 = patterns.length === 1 && patterns[0] === KOTODAMA_V1_PATTERN;
    throw new KotodamaError(
      `${spec.source}: the tokenizer's pre-tokenizer has no llama.cpp equivalent, so llama.cpp would refuse the GGUF file or cut text differently` +
        (v1 ? " (it was trained with kotodama's first pattern, which cut hiragana from katakana; retrain it: the current pattern is llama.cpp's \"kimi-k2\")" : ` (pattern ${JSON.stringify(patterns.length === 1 ? patterns[0] : patterns)}${spec.ignoreMerges === true ? ", ignore_merges" : ""})`),
    );
  }
  if (spec.normalization === "NFC" && name !== "qwen2") throw new KotodamaError(`${spec.source}: the tokenizer normalizes to NFC, which llama.cpp's "${name}" pre-tokenizer does not do`);
  return name;
}
