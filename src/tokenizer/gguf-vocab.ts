// The vocabulary embedded in a GGUF file (tokenizer.ggml.*) as a Tokenizer: model "gpt2" → byte-level BPE
// with the pre-tokenizer named by tokenizer.ggml.pre, "llama" → SentencePiece BPE by scores, "bert" →
// WordPiece. Not here: parsing GGUF bytes (formats/gguf), model weights.

import { type GgufFile, type GgufMetadata, metaBool, metaInt, metaNumberArray, metaString, metaStringArray, readGguf } from "../formats/gguf/index.js";
import { FormatError } from "../util/errors.js";
import { ByteLevelBpe } from "./bpe.js";
import { chatTemplatesFromGguf, withChatTemplate } from "./chat-template-source.js";
import { llamaCppTokenAttrs } from "./llamacpp-attrs.js";
import { llamaCppPre } from "./pretokenizers-llamacpp.js";
import type { AddedToken } from "./special.js";
import { SentencePieceBpe, TokenType } from "./spm.js";
import type { SpecialTokens, Tokenizer } from "./tokenizer.js";
import { WordPiece } from "./wordpiece.js";

const NONE = 0xffffffff;

/** Reads the tokenizer of a GGUF file (a path, bytes, or an already-read header). */
export function loadGgufTokenizer(input: string | Uint8Array | GgufFile, name?: string): Tokenizer {
  const f: GgufFile = typeof input === "string" || input instanceof Uint8Array ? readGguf(input, name === undefined ? {} : { name }) : input;
  return tokenizerFromGgufMetadata(f.metadata, f.source.name);
}

/** Builds the tokenizer from GGUF metadata, its chat templates attached; `file` names the source in errors. */
export function tokenizerFromGgufMetadata(meta: GgufMetadata, file: string): Tokenizer {
  return withChatTemplate(vocabFromGgufMetadata(meta, file), chatTemplatesFromGguf(meta, file));
}

function vocabFromGgufMetadata(meta: GgufMetadata, file: string): Tokenizer {
  const model = metaString(meta, "tokenizer.ggml.model", file);
  if (model === undefined) throw new FormatError(file, "metadata tokenizer.ggml.model is missing: the file holds no tokenizer");
  const stored = metaStringArray(meta, "tokenizer.ggml.tokens", file);
  if (stored === undefined) throw new FormatError(file, "metadata tokenizer.ggml.tokens is missing");
  // llama.cpp renames an empty token "[EMPTY_i]" (llama_vocab::impl::load).
  const vocab = stored.includes("") ? stored.map((t, i) => (t === "" ? `[EMPTY_${i}]` : t)) : stored;
  if (vocab.length === 0) throw new FormatError(file, "metadata tokenizer.ggml.tokens is empty");
  const n = vocab.length;
  const rawTypes = metaNumberArray(meta, "tokenizer.ggml.token_type", file);
  if (rawTypes !== undefined && rawTypes.length !== n) {
    throw new FormatError(file, `metadata tokenizer.ggml.token_type has ${rawTypes.length} entries, tokenizer.ggml.tokens ${n}`);
  }
  // llama.cpp retypes some tokens by name (llamacpp-attrs.ts).
  const attrs = llamaCppTokenAttrs(vocab, rawTypes ?? new Int32Array(n).fill(TokenType.normal), {
    modelName: metaString(meta, "general.name", file),
    arch: metaString(meta, "general.architecture", file),
    pre: metaString(meta, "tokenizer.ggml.pre", file),
    hasKey: (k) => meta.has(`tokenizer.ggml.${k}`),
  });
  const types = attrs.types;
  const id = (key: string): number | undefined => {
    const v = metaInt(meta, `tokenizer.ggml.${key}`, file);
    if (v === undefined || v === NONE || v === -1) return undefined;
    if (v >= n) throw new FormatError(file, `metadata tokenizer.ggml.${key} = ${v} is outside the vocabulary of ${n} tokens`);
    return v;
  };
  const addBos = metaBool(meta, "tokenizer.ggml.add_bos_token", file);

  if (model === "llama") {
    const scores = metaNumberArray(meta, "tokenizer.ggml.scores", file);
    if (scores === undefined) throw new FormatError(file, "metadata tokenizer.ggml.scores is missing (needed by a 'llama' vocabulary)");
    if (scores.length !== n) throw new FormatError(file, `metadata tokenizer.ggml.scores has ${scores.length} entries, tokenizer.ggml.tokens ${n}`);
    const special = defined({ bos: id("bos_token_id"), eos: id("eos_token_id"), unk: id("unknown_token_id"), pad: id("padding_token_id") });
    return new SentencePieceBpe({
      source: file,
      vocab,
      types,
      merging: { by: "scores", scores },
      special,
      addBos: addBos ?? true,
      addSpacePrefix: metaBool(meta, "tokenizer.ggml.add_space_prefix", file) ?? true,
      addedVerbatim: true,
      addedMatch: "longest-first",
      lstrip: attrs.lstrip,
      rstrip: attrs.rstrip,
    });
  }

  if (model === "gpt2") {
    const mergeStrings = metaStringArray(meta, "tokenizer.ggml.merges", file);
    if (mergeStrings === undefined) throw new FormatError(file, "metadata tokenizer.ggml.merges is missing (needed by a 'gpt2' vocabulary)");
    const merges = mergeStrings.map((m, i): [string, string] => {
      const sp = m.indexOf(" ", 1);
      if (sp < 0) throw new FormatError(file, `metadata tokenizer.ggml.merges[${i}] = ${JSON.stringify(m)} is not two tokens separated by a space`);
      return [m.slice(0, sp), m.slice(sp + 1)];
    });
    // Absent or "default": llama.cpp's fallback regex sequence (it warns that quality degrades), not GPT-2's.
    const preName = metaString(meta, "tokenizer.ggml.pre", file);
    const pre = llamaCppPre(preName);
    if (pre === null) throw new FormatError(file, `metadata tokenizer.ggml.pre = '${preName}' names a pre-tokenizer kotodama does not know (known: the llama.cpp names in docs/tokenizer.md, e.g. gpt-2, llama-bpe, qwen2, deepseek-llm, falcon, kimi-k2)`);
    const added: AddedToken[] = [];
    types.forEach((t, i) => {
      if (t === TokenType.control || t === TokenType.userDefined || t === TokenType.unknown) {
        added.push({ id: i, text: vocab[i]!, special: t !== TokenType.userDefined, lstrip: attrs.lstrip.has(i), rstrip: attrs.rstrip.has(i) });
      }
    });
    const special = defined({ bos: id("bos_token_id"), eos: id("eos_token_id"), unk: id("unknown_token_id"), pad: id("padding_token_id") });
    return new ByteLevelBpe({
      addedMatch: "longest-first",
      addedInModel: true,
      source: file,
      vocab,
      merges,
      pattern: pre.patterns.length === 1 ? pre.patterns[0]! : pre.patterns,
      added,
      special,
      addBos: addBos ?? false,
      ignoreMerges: pre.ignoreMerges,
      // Qwen2's tokenizer.json normalizes to NFC; llama.cpp does not (same ids on NFC text, which is most text).
      normalization: pre.name === "qwen2" ? "NFC" : null,
    });
  }

  if (model === "bert") {
    // llama.cpp's converter spells word starts "▁word" and continuations "piece"; WordPiece wants "word"/"##piece".
    const hfVocab = vocab.map((t, i) => {
      const ty = types[i];
      if (ty !== TokenType.normal) return t;
      if (t.startsWith("\u2581")) return t.slice(1);
      if (t.startsWith("[") && t.endsWith("]")) return t;
      return `##${t}`;
    });
    const added: AddedToken[] = [];
    types.forEach((t, i) => {
      if (t === TokenType.control || t === TokenType.userDefined || t === TokenType.unknown) added.push({ id: i, text: vocab[i]!, special: t !== TokenType.userDefined });
    });
    const special = defined({ bos: id("cls_token_id") ?? id("bos_token_id"), eos: id("seperator_token_id") ?? id("eos_token_id"), unk: id("unknown_token_id"), pad: id("padding_token_id") });
    if (special.unk === undefined) throw new FormatError(file, "metadata tokenizer.ggml.unknown_token_id is missing (needed by a 'bert' vocabulary)");
    return new WordPiece({ source: file, vocab: hfVocab, added, special, addBos: addBos ?? true, lowercase: true, stripAccents: true });
  }

  throw new FormatError(file, `metadata tokenizer.ggml.model = '${model}' is not supported (expected gpt2, llama or bert)`);
}

function defined(s: { bos?: number | undefined; eos?: number | undefined; unk?: number | undefined; pad?: number | undefined }): SpecialTokens {
  const out: { bos?: number; eos?: number; unk?: number; pad?: number } = {};
  if (s.bos !== undefined) out.bos = s.bos;
  if (s.eos !== undefined) out.eos = s.eos;
  if (s.unk !== undefined) out.unk = s.unk;
  if (s.pad !== undefined) out.pad = s.pad;
  return out;
}
