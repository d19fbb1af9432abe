// Hugging Face tokenizer.json: load byte-level BPE (GPT-2, Llama-3, Qwen2, kotodama), SentencePiece-style
// BPE with byte fallback (Llama-2, Phi-3), WordPiece (BERT) and Unigram (hf-unigram.ts); save byte-level BPE so other tools read it.
// Not here: the algorithms (bpe.ts, spm.ts, wordpiece.ts); tokenizer_config.json (chat templates).

import { readFileSync, writeFileSync } from "node:fs";
import { FormatError } from "../util/errors.js";
import { ByteLevelBpe } from "./bpe.js";
import { unigramFromHfJson, unigramVocab } from "./hf-unigram.js";
import { GPT2_PATTERN } from "./pretokenize.js";
import type { AddedToken } from "./special.js";
import { SentencePieceBpe, TokenType } from "./spm.js";
import type { SpecialTokens, Tokenizer } from "./tokenizer.js";
import { WordPiece } from "./wordpiece.js";

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (x: Json): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** Reads a tokenizer.json file. */
export function loadHfTokenizer(path: string): Tokenizer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FormatError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseHfTokenizer(text, path);
}

/** Parses tokenizer.json text; `file` names the source in errors. */
export function parseHfTokenizer(text: string, file: string): Tokenizer {
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(root)) throw new FormatError(file, "tokenizer.json: the top level is not an object");
  const model = root.model;
  if (!isObj(model)) throw new FormatError(file, "tokenizer.json: field 'model' is missing or not an object");
  const type = model.type ?? (Array.isArray(model.merges) ? "BPE" : undefined);
  const added = readAdded(root.added_tokens, file);
  if (type === "Unigram") {
    const { vocab } = unigramVocab(model, added, file);
    const byName = new Map(vocab.map((t, i) => [t, i]));
    const post = postProcessor(root.post_processor, byName, vocab.length, file);
    const special = guessSpecials(byName, post.first, post.last, undefined);
    return unigramFromHfJson(root, model, added, special, post.first !== undefined && post.first === special.bos, file);
  }
  const vocabObj = model.vocab;
  if (!isObj(vocabObj)) throw new FormatError(file, "tokenizer.json: field 'model.vocab' is missing or not an object of token → id");
  const vocab = vocabArray(vocabObj, added, file);
  const byName = new Map(vocab.map((t, i) => [t, i]));
  const post = postProcessor(root.post_processor, byName, vocab.length, file);
  const special = guessSpecials(byName, post.first, post.last, model.unk_token);

  if (type === "WordPiece") {
    const norm = isObj(root.normalizer) ? root.normalizer : {};
    const lowercase = norm.lowercase !== false;
    const strip = typeof norm.strip_accents === "boolean" ? norm.strip_accents : lowercase;
    return new WordPiece({
      source: file,
      vocab,
      added,
      special,
      addBos: post.first !== undefined,
      lowercase,
      stripAccents: strip,
      continuingPrefix: typeof model.continuing_subword_prefix === "string" ? model.continuing_subword_prefix : "##",
      maxInputCharsPerWord: typeof model.max_input_chars_per_word === "number" ? model.max_input_chars_per_word : 100,
    });
  }
  if (type !== "BPE") throw new FormatError(file, `tokenizer.json: model.type '${String(type)}' is not supported (expected BPE, WordPiece or Unigram)`);
  const merges = readMerges(model.merges, file);

  const pre = flatten(root.pre_tokenizer, "pretokenizers");
  const byteLevel = pre.find((p) => p.type === "ByteLevel");
  if (byteLevel !== undefined) {
    if (byteLevel.add_prefix_space === true) throw new FormatError(file, "tokenizer.json: ByteLevel add_prefix_space=true is not supported");
    // Splits apply in sequence (a Sequence of several Splits: DeepSeek, Falcon-style digit isolation); a
    // ByteLevel with use_regex runs GPT-2's split at its place in the sequence.
    const patterns: string[] = [];
    for (const p of pre) {
      if (p.type === "ByteLevel") {
        if (p.use_regex !== false) patterns.push(GPT2_PATTERN);
        continue;
      }
      if (p.type === "Digits") {
        patterns.push(p.individual_digits === true ? "\\p{N}" : "\\p{N}+"); // HF Digits: char::is_numeric, isolated
        continue;
      }
      if (p.type !== "Split") throw new FormatError(file, `tokenizer.json: pre_tokenizer '${String(p.type)}' is not supported with ByteLevel (expected Split, Digits, ByteLevel)`);
      const pat = p.pattern;
      if (!isObj(pat) || typeof pat.Regex !== "string") throw new FormatError(file, "tokenizer.json: pre_tokenizer Split needs pattern.Regex");
      if (p.behavior !== "Isolated" || p.invert === true) throw new FormatError(file, `tokenizer.json: Split behavior '${String(p.behavior)}' is not supported (expected Isolated)`);
      patterns.push(pat.Regex);
    }
    let pattern: string | string[];
    if (patterns.length > 0) pattern = patterns.length === 1 ? patterns[0]! : patterns;
    else throw new FormatError(file, "tokenizer.json: ByteLevel with use_regex=false and no Split pre-tokenizer");
    const norms = flatten(root.normalizer, "normalizers");
    if (norms.some((n) => n.type !== "NFC")) throw new FormatError(file, `tokenizer.json: normalizer ${norms.map((n) => String(n.type)).join(", ")} is not supported for byte-level BPE (only NFC)`);
    return new ByteLevelBpe({
      source: file,
      vocab,
      merges,
      pattern,
      added,
      special,
      addBos: post.first !== undefined && post.first === special.bos,
      ignoreMerges: model.ignore_merges === true,
      normalization: norms.length > 0 ? "NFC" : null,
    });
  }

  // SentencePiece-style: spaces → "▁" via a Metaspace pre-tokenizer or Prepend/Replace normalizers.
  const meta = pre.find((p) => p.type === "Metaspace");
  const norms = flatten(root.normalizer, "normalizers");
  const prepend = norms.some((n) => n.type === "Prepend" && n.prepend === "\u2581");
  const replace = norms.some((n) => n.type === "Replace" && n.content === "\u2581");
  if (meta === undefined && !replace) throw new FormatError(file, "tokenizer.json: BPE without ByteLevel, Metaspace or a '▁' Replace normalizer is not supported");
  const addSpacePrefix = meta !== undefined ? meta.prepend_scheme !== "never" && meta.add_prefix_space !== false : prepend;
  const types = vocab.map((t, id) => {
    const a = added.find((x) => x.id === id);
    if (a !== undefined) return a.special ? TokenType.control : TokenType.userDefined;
    if (model.byte_fallback === true && /^<0x[0-9A-F]{2}>$/.test(t)) return TokenType.byte;
    return id === special.unk ? TokenType.unknown : TokenType.normal;
  });
  return new SentencePieceBpe({
    source: file,
    vocab,
    types,
    merging: { by: "merges", merges },
    special,
    addBos: post.first !== undefined && post.first === special.bos,
    addSpacePrefix,
    splitWords: meta !== undefined && meta.split === true,
  });
}

function readAdded(x: Json, file: string): AddedToken[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new FormatError(file, "tokenizer.json: field 'added_tokens' is not an array");
  return x.map((t, i) => {
    if (!isObj(t) || typeof t.content !== "string" || typeof t.id !== "number" || !Number.isInteger(t.id) || t.id < 0) {
      throw new FormatError(file, `tokenizer.json: added_tokens[${i}] needs an integer 'id' ≥ 0 and a string 'content'`);
    }
    return { id: t.id, text: t.content, special: t.special === true };
  });
}

/** id → token text. Ids come from the file, so they are bounded before anything is allocated: ids must cover
 *  0..n-1 without gaps, and there are at most (vocab entries + added tokens) distinct ids, so any id at or above
 *  that count is necessarily a gap — rejected here, naming the field, instead of allocating an array that long
 *  (an added token with id 2^40 used to end in "RangeError: Invalid array length", 10^8 in gigabytes). */
function vocabArray(obj: Obj, added: readonly AddedToken[], file: string): string[] {
  const entries = Object.entries(obj);
  const limit = entries.length + added.length; // no valid file has an id at or above this
  let n = 0;
  for (const [t, id] of entries) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new FormatError(file, `tokenizer.json: model.vocab['${t}'] = ${JSON.stringify(id)} is not a token id`);
    }
    if (id >= limit) throw new FormatError(file, `tokenizer.json: model.vocab['${t}'] = ${id} is beyond the ${limit} tokens the file defines (ids must be 0..n-1 without gaps)`);
    n = Math.max(n, id + 1);
  }
  added.forEach((a, i) => {
    if (a.id >= limit) throw new FormatError(file, `tokenizer.json: added_tokens[${i}].id = ${a.id} is beyond the ${limit} tokens the file defines (ids must be 0..n-1 without gaps)`);
    n = Math.max(n, a.id + 1);
  });
  const vocab = new Array<string | undefined>(n).fill(undefined);
  for (const [t, id] of entries) {
    if (vocab[id as number] !== undefined) throw new FormatError(file, `tokenizer.json: id ${String(id)} is given to both '${vocab[id as number]}' and '${t}'`);
    vocab[id as number] = t;
  }
  for (const a of added) vocab[a.id] = a.text;
  const hole = vocab.findIndex((t) => t === undefined);
  if (hole >= 0) throw new FormatError(file, `tokenizer.json: no token has id ${hole} (ids must be 0..${n - 1} without gaps)`);
  return vocab as string[];
}

function readMerges(x: Json, file: string): [string, string][] {
  if (!Array.isArray(x)) throw new FormatError(file, "tokenizer.json: field 'model.merges' is missing or not an array");
  return x.map((m, i): [string, string] => {
    if (typeof m === "string") {
      const sp = m.indexOf(" ", 1);
      if (sp > 0) return [m.slice(0, sp), m.slice(sp + 1)];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string") return [m[0], m[1]];
    throw new FormatError(file, `tokenizer.json: model.merges[${i}] = ${JSON.stringify(m)} is not "a b" or ["a", "b"]`);
  });
}

/** A component or a Sequence of components, as a flat list. */
function flatten(x: Json, key: string): Obj[] {
  if (!isObj(x)) return [];
  if (x.type === "Sequence" && Array.isArray(x[key])) return (x[key] as Json[]).filter(isObj).flatMap((y) => flatten(y, key));
  return [x];
}

/** The special tokens a post-processor puts first and last around a single sequence. */
function postProcessor(x: Json, byName: Map<string, number>, vocabSize: number, file: string): { first?: number; last?: number } {
  for (const p of flatten(x, "processors")) {
    if (p.type === "BertProcessing" || p.type === "RobertaProcessing") {
      const cls = p.cls;
      const sep = p.sep;
      if (Array.isArray(cls) && Array.isArray(sep)) {
        const idAt = (v: Json, field: string): number => {
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= vocabSize) throw new FormatError(file, `tokenizer.json: post_processor.${field} = ${JSON.stringify(v)} is not a token id of this vocabulary`);
          return v;
        };
        return { first: idAt(cls[1], "cls[1]"), last: idAt(sep[1], "sep[1]") };
      }
    }
    if (p.type === "TemplateProcessing" && Array.isArray(p.single)) {
      const items = p.single as Json[];
      const idOf = (it: Json): number | undefined => {
        if (!isObj(it) || !isObj(it.SpecialToken)) return undefined;
        const name = it.SpecialToken.id;
        const id = typeof name === "string" ? byName.get(name) : undefined;
        if (id === undefined) throw new FormatError(file, `tokenizer.json: post_processor names special token ${JSON.stringify(name)}, not in the vocabulary`);
        return id;
      };
      const out: { first?: number; last?: number } = {};
      const first = idOf(items[0]);
      const last = items.length > 1 ? idOf(items[items.length - 1]) : undefined;
      if (first !== undefined) out.first = first;
      if (last !== undefined) out.last = last;
      return out;
    }
  }
  return {};
}

/** tokenizer.json does not say which token is BOS/EOS (tokenizer_config.json does): use the post-processor
 *  and the conventional names. */
function guessSpecials(byName: Map<string, number>, first: number | undefined, last: number | undefined, unkName: Json): SpecialTokens {
  const find = (...names: string[]): number | undefined => {
    for (const n of names) {
      const id = byName.get(n);
      if (id !== undefined) return id;
    }
    return undefined;
  };
  const out: { bos?: number; eos?: number; unk?: number; pad?: number } = {};
  const bos = first ?? find("<|bos|>", "<s>", "<|begin_of_text|>", "[CLS]", "<|endoftext|>");
  const eos = last ?? find("<|eos|>", "</s>", "<|end_of_text|>", "[SEP]", "<|endoftext|>");
  const unk = typeof unkName === "string" ? byName.get(unkName) : find("<unk>", "[UNK]");
  const pad = find("<|pad|>", "<pad>", "[PAD]");
  if (bos !== undefined) out.bos = bos;
  if (eos !== undefined) out.eos = eos;
  if (unk !== undefined) out.unk = unk;
  if (pad !== undefined) out.pad = pad;
  return out;
}

/** tokenizer.json text for a byte-level BPE tokenizer (the kind kotodama trains). */
export function hfTokenizerJson(tok: ByteLevelBpe): string {
  const s = tok.spec;
  const addedIds = new Set(s.added.map((a) => a.id));
  const vocab: Record<string, number> = {};
  s.vocab.forEach((t, id) => {
    if (!addedIds.has(id)) vocab[t] = id;
  });
  const bos = s.special.bos;
  const doc = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: s.added.map((a) => ({ id: a.id, content: a.text, single_word: false, lstrip: false, rstrip: false, normalized: false, special: a.special })),
    normalizer: s.normalization === "NFC" ? { type: "NFC" } : null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        ...(typeof s.pattern === "string" ? [s.pattern] : s.pattern).map((p) => ({ type: "Split", pattern: { Regex: p }, behavior: "Isolated", invert: false })),
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor:
      s.addBos && bos !== undefined
        ? {
            type: "TemplateProcessing",
            single: [{ SpecialToken: { id: s.vocab[bos], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
            pair: [{ SpecialToken: { id: s.vocab[bos], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
            special_tokens: { [s.vocab[bos]!]: { id: s.vocab[bos], ids: [bos], tokens: [s.vocab[bos]] } },
          }
        : null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: s.ignoreMerges === true,
      vocab,
      merges: s.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  return JSON.stringify(doc, null, 1);
}

export function saveHfTokenizer(tok: Tokenizer, path: string): void {
  if (!(tok instanceof ByteLevelBpe)) throw new FormatError(path, `saving as tokenizer.json supports byte-level BPE tokenizers, not ${tok.kind}`);
  writeFileSync(path, hfTokenizerJson(tok));
}
