// tokenizer.json: kotodama's writer read back by kotodama's reader, and Hugging Face-style files built from the
// reference vocabularies (as HF's converters build them) giving the same 46 test-vector ids as the GGUF
// originals; clear errors naming the file and field for broken files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { metaNumberArray, metaStringArray, readGguf } from "../formats/gguf/index.js";
import { FormatError } from "../util/errors.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { ByteLevelBpe } from "./bpe.js";
import { hfTokenizerJson, parseHfTokenizer } from "./hf-json.js";
import { loadTokenizer } from "./load.js";
import type { Tokenizer } from "./tokenizer.js";
import { trainBpe } from "./train.js";

const vocabDir = sharedPath("reference", "tokenizers");

function vectors(name: string): { text: string; ids: number[] }[] {
  const base = join(vocabDir!, `ggml-vocab-${name}.gguf`);
  const texts = readFileSync(`${base}.inp`, "utf8").split("\n__ggml_vocab_test__\n");
  texts.pop();
  const lines = readFileSync(`${base}.out`, "utf8").split("\n");
  return texts.map((text, i) => ({ text, ids: lines[i]!.trim() === "" ? [] : lines[i]!.trim().split(/\s+/).map(Number) }));
}

function agree(tok: Tokenizer, name: string): number {
  let n = 0;
  for (const v of vectors(name)) {
    assert.deepEqual(tok.encode(v.text, { addBos: false }), v.ids, `${tok.kind}: ${JSON.stringify(v.text)}`);
    n++;
  }
  return n;
}

test("byte-level BPE: GPT-2 written as tokenizer.json and read back gives the 46 gpt-2 vectors", (t) => {
  if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
  const gguf = loadTokenizer(join(vocabDir, "ggml-vocab-gpt-2.gguf"));
  assert.ok(gguf instanceof ByteLevelBpe);
  const json = hfTokenizerJson(gguf);
  const back = parseHfTokenizer(json, "gpt2-tokenizer.json");
  assert.equal(agree(back, "gpt-2"), 46);
  assert.equal(back.vocabSize, 50257);
  // A GPT-2-style file with the regex inside ByteLevel (use_regex) reads the same.
  const doc = JSON.parse(json) as Record<string, unknown>;
  doc.pre_tokenizer = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  assert.equal(agree(parseHfTokenizer(JSON.stringify(doc), "gpt2-b.json"), "gpt-2"), 46);
});

test("byte-level BPE: a trained tokenizer survives tokenizer.json save/load (same ids, same specials)", () => {
  const text = "Once upon a time there was a cat. 吾輩は猫である。名前はまだ無い。 The cat sat.";
  const tok = trainBpe({ texts: [text.repeat(3)], vocabSize: 320 });
  const back = parseHfTokenizer(hfTokenizerJson(tok), "t.json");
  assert.deepEqual(back.special, tok.special);
  for (const s of [text, "<|bos|> hi <|user|>", "新しい文"]) {
    assert.deepEqual(back.encode(s), tok.encode(s));
    assert.deepEqual(back.encode(s, { allowSpecial: true }), tok.encode(s, { allowSpecial: true }));
  }
});

/** Hugging Face's SentencePieceExtractor (transformers convert_slow_tokenizer.py): for every piece (in id
 *  order) every split into two pieces of the vocabulary, sorted by (left id, right id); then all merges
 *  sorted by the piece's score, highest first (a stable sort). */
function spmMerges(vocab: readonly string[], scores: ArrayLike<number>): [string, string][] {
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const merges: [string, string, number][] = [];
  vocab.forEach((piece, i) => {
    const chars = Array.from(piece);
    const local: [string, string, number][] = [];
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join("");
      const r = chars.slice(k).join("");
      if (ids.has(l) && ids.has(r)) local.push([l, r, scores[i]!]);
    }
    local.sort((a, b) => ids.get(a[0])! - ids.get(b[0])! || ids.get(a[1])! - ids.get(b[1])!);
    merges.push(...local);
  });
  merges.sort((a, b) => b[2] - a[2]);
  return merges.map(([l, r]) => [l, r]);
}

test("SentencePiece-style BPE by merges (Llama-2 tokenizer.json layout) gives the 46 llama-spm vectors", (t) => {
  if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
  const f = readGguf(join(vocabDir, "ggml-vocab-llama-spm.gguf"));
  const vocab = metaStringArray(f.metadata, "tokenizer.ggml.tokens")!;
  const scores = metaNumberArray(f.metadata, "tokenizer.ggml.scores")!;
  const merges = spmMerges(vocab, scores);
  const model = { type: "BPE", dropout: null, unk_token: "<unk>", fuse_unk: true, byte_fallback: true, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])), merges: merges.map(([a, b]) => `${a} ${b}`) };
  const added = [0, 1, 2].map((id) => ({ id, content: vocab[id], special: true }));
  const post = { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }] };
  const legacy = {
    added_tokens: added,
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    post_processor: post,
    model,
  };
  const tok = parseHfTokenizer(JSON.stringify(legacy), "llama2-tokenizer.json");
  assert.match(tok.kind, /merges, byte fallback/);
  assert.equal(agree(tok, "llama-spm"), 46);
  assert.deepEqual(tok.encode("Hello").slice(0, 1), [1]);
  const metaspace = { ...legacy, normalizer: null, pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false } };
  assert.equal(agree(parseHfTokenizer(JSON.stringify(metaspace), "llama2-metaspace.json"), "llama-spm"), 46);
});

test("WordPiece (BERT tokenizer.json layout) gives the 46 bert-bge vectors", (t) => {
  if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
  const f = readGguf(join(vocabDir, "ggml-vocab-bert-bge.gguf"));
  const ggufVocab = metaStringArray(f.metadata, "tokenizer.ggml.tokens")!;
  // Undo llama.cpp's "phantom space" spelling to get BERT's vocab.txt spelling back.
  const vocab = ggufVocab.map((t) => (t.startsWith("[") && t.endsWith("]") ? t : t.startsWith("\u2581") ? t.slice(1) : `##${t}`));
  const doc = {
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((c) => ({ id: vocab.indexOf(c), content: c, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", 102], cls: ["[CLS]", 101] },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
  const tok = parseHfTokenizer(JSON.stringify(doc), "bert-tokenizer.json");
  assert.equal(agree(tok, "bert-bge"), 46);
  assert.deepEqual(tok.encode("Hello world"), [101, 7592, 2088, 102]);
  assert.equal(tok.decode(tok.encode("Hello, unaffable world")), "hello , unaffable world");
});

test("broken tokenizer.json files: FormatError naming the file and the field", () => {
  const cases: [string, RegExp][] = [
    ["{", /bad\.json: not valid JSON/],
    ["[]", /bad\.json: .*top level is not an object/],
    ["{}", /bad\.json: .*'model' is missing/],
    [`{"model":{"type":"BPE","merges":[]}}`, /bad\.json: .*'model\.vocab' is missing/],
    [`{"model":{"type":"BPE","vocab":{"a":0}}}`, /bad\.json: .*'model\.merges' is missing/],
    [`{"model":{"type":"BPE","vocab":{"a":"x"},"merges":[]}}`, /bad\.json: .*model\.vocab\['a'\]/],
    [`{"model":{"type":"BPE","vocab":{"a":0,"b":2},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}`, /bad\.json: .*model\.vocab\['b'\] = 2 is beyond the 2 tokens/],
    [`{"model":{"type":"BPE","vocab":{"a":0,"b":2},"merges":[]},"added_tokens":[{"id":2,"content":"c"}],"pre_tokenizer":{"type":"ByteLevel"}}`, /bad\.json: .*no token has id 1/],
    [`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Whitespace"},{"type":"ByteLevel"}]}}`, /bad\.json: .*pre_tokenizer 'Whitespace' is not supported/],
    [`{"model":{"type":"Unigram","vocab":{}}}`, /bad\.json: .*Unigram/],
    [`{"model":{"type":"WordPiece","vocab":{"a":0}}}`, /bad\.json: .*unk/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseHfTokenizer(text, "bad.json"), (e: unknown) => e instanceof Error && re.test(e.message), text);
  }
  // Merges that name unknown tokens.
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[`x${b}`] = b;
  assert.throws(() => parseHfTokenizer(JSON.stringify({ model: { type: "BPE", vocab, merges: ["x1 x2"] }, pre_tokenizer: { type: "ByteLevel" } }), "bad.json"), FormatError);
});
