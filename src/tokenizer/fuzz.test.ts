// Corrupt and truncated tokenizer files: a clear FormatError naming the file and what is wrong for the known
// breakages (tokenizer.json missing fields, GGUF with a bad vocab array, tokenizer.bin cut short), and a seeded
// fuzz over mutated files of every kind: only KotodamaError may escape, never a crash, hang or wrong type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeGguf, gguf } from "../formats/gguf/index.js";
import type { GgufValue } from "../formats/gguf/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { BYTE_TO_CHAR } from "./bytes.js";
import { loadGgufTokenizer } from "./gguf-vocab.js";
import { hfTokenizerJson, parseHfTokenizer } from "./hf-json.js";
import { parseLlama2cTokenizer } from "./llama2c.js";
import { trainBpe } from "./train.js";

const storiesDir = sharedPath("reference", "stories260K");

/** A small GGUF holding only a vocabulary (like llama.cpp's ggml-vocab-*.gguf). */
function vocabGguf(model: "llama" | "gpt2", override: Record<string, GgufValue> = {}): Uint8Array {
  const meta = new Map<string, GgufValue>();
  meta.set("general.architecture", gguf.str("llama"));
  meta.set("tokenizer.ggml.model", gguf.str(model));
  if (model === "llama") {
    const toks = ["<unk>", "<s>", "</s>", ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`), "▁", "a", "b", "▁a", "ab", "▁ab"];
    meta.set("tokenizer.ggml.tokens", gguf.strings(toks));
    meta.set("tokenizer.ggml.scores", gguf.f32s(Float32Array.from(toks, (_, i) => -i)));
    meta.set("tokenizer.ggml.token_type", gguf.i32s(Int32Array.from(toks, (t, i) => (i === 0 ? 2 : i < 3 ? 3 : t.startsWith("<0x") ? 6 : 1))));
    meta.set("tokenizer.ggml.bos_token_id", gguf.u32(1));
    meta.set("tokenizer.ggml.eos_token_id", gguf.u32(2));
    meta.set("tokenizer.ggml.unknown_token_id", gguf.u32(0));
  } else {
    const toks = [...BYTE_TO_CHAR, "Ġa", "Ġab", "<|endoftext|>"];
    meta.set("tokenizer.ggml.tokens", gguf.strings(toks));
    meta.set("tokenizer.ggml.merges", gguf.strings(["Ġ a", "Ġa b"]));
    meta.set("tokenizer.ggml.token_type", gguf.i32s(Int32Array.from(toks, (_, i) => (i === toks.length - 1 ? 3 : 1))));
    meta.set("tokenizer.ggml.pre", gguf.str("gpt-2"));
  }
  for (const [k, v] of Object.entries(override)) meta.set(k, v);
  return encodeGguf({ metadata: meta, tensors: [] });
}

function throwsFormat(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof FormatError && re.test(e.message), re.source);
}

test("hand-built vocab GGUFs load and encode as expected", () => {
  const spm = loadGgufTokenizer(vocabGguf("llama"), "spm.gguf");
  assert.deepEqual(spm.encode("ab a"), [1, 264, 262]); // <s> ▁ab ▁a
  assert.deepEqual(spm.encode("é", { addBos: false }), [259, 3 + 0xc3, 3 + 0xa9]); // ▁ then byte fallback
  const bpe = loadGgufTokenizer(vocabGguf("gpt2"), "bpe.gguf");
  assert.deepEqual(bpe.encode(" ab"), [257]);
});

test("GGUF with a bad vocabulary: FormatError naming the file and the key", () => {
  throwsFormat(() => loadGgufTokenizer(vocabGguf("llama", { "tokenizer.ggml.tokens": gguf.i32s(new Int32Array(3)) }), "v.gguf"), /^v\.gguf: metadata tokenizer\.ggml\.tokens: expected an array of strings/);
  throwsFormat(() => loadGgufTokenizer(vocabGguf("llama", { "tokenizer.ggml.scores": gguf.f32s(new Float32Array(5)) }), "v.gguf"), /^v\.gguf: metadata tokenizer\.ggml\.scores has 5 entries/);
  throwsFormat(() => loadGgufTokenizer(vocabGguf("llama", { "tokenizer.ggml.bos_token_id": gguf.u32(9999) }), "v.gguf"), /bos_token_id = 9999 is outside/);
  throwsFormat(() => loadGgufTokenizer(vocabGguf("gpt2", { "tokenizer.ggml.merges": gguf.strings(["Ġa b", "nospace"]) }), "v.gguf"), /merges\[1\]/);
  throwsFormat(() => loadGgufTokenizer(vocabGguf("gpt2", { "tokenizer.ggml.pre": gguf.str("mystery") }), "v.gguf"), /tokenizer\.ggml\.pre = 'mystery'/);
  throwsFormat(() => loadGgufTokenizer(vocabGguf("gpt2", { "tokenizer.ggml.model": gguf.str("rwkv") }), "v.gguf"), /'rwkv' is not supported/);
  const truncated = vocabGguf("llama").subarray(0, 500);
  throwsFormat(() => loadGgufTokenizer(truncated, "cut.gguf"), /^cut\.gguf: /);
});

test("llama2.c tokenizer.bin cut short: FormatError naming the file and the token", (t) => {
  if (storiesDir === null) return void sharedOrSkip(t, "reference", "stories260K");
  const bytes = readFileSync(join(storiesDir, "tok512.bin"));
  assert.equal(parseLlama2cTokenizer(bytes, "tok512.bin", 512).vocabSize, 512);
  throwsFormat(() => parseLlama2cTokenizer(bytes.subarray(0, 3), "tok.bin"), /^tok\.bin: .*too short/);
  throwsFormat(() => parseLlama2cTokenizer(bytes.subarray(0, 1000), "tok.bin", 512), /^tok\.bin: llama2\.c tokenizer\.bin: cut short in the (header|text) of token \d+/);
  throwsFormat(() => parseLlama2cTokenizer(bytes.subarray(0, bytes.length - 1), "tok.bin"), /cut short/);
});

/** Calls f; passes when it returns or throws a KotodamaError; fails on any other exception. */
function survives(f: () => void, what: string): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof KotodamaError) return false;
    assert.fail(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

function mutate(rng: Rng, src: Uint8Array): Uint8Array {
  const b = Uint8Array.from(src);
  const kind = rng.int(3);
  if (kind === 0) return b.subarray(0, rng.int(b.length)); // truncate
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) {
    const at = rng.int(b.length);
    b[at] = kind === 1 ? rng.int(256) : b[at]! ^ (1 << rng.int(8)); // random byte / bit flip
  }
  return b;
}

test("fuzz: mutated GGUF vocabularies, tokenizer.bin and tokenizer.json never crash or hang", { timeout: 60000 }, () => {
  const rng = new Rng(2024);
  const text = "Hello ab a, 吾輩は猫 🚀 <s> <|endoftext|>";
  const seeds: { name: string; bytes: Uint8Array; load: (b: Uint8Array) => { encode(s: string): number[]; decode(ids: number[]): string } }[] = [
    { name: "spm.gguf", bytes: vocabGguf("llama"), load: (b) => loadGgufTokenizer(b, "spm.gguf") },
    { name: "bpe.gguf", bytes: vocabGguf("gpt2"), load: (b) => loadGgufTokenizer(b, "bpe.gguf") },
    {
      name: "tokenizer.json",
      bytes: new TextEncoder().encode(hfTokenizerJson(trainBpe({ texts: ["abc abd abe ab a b 吾輩は猫"], vocabSize: 270 }))),
      load: (b) => parseHfTokenizer(new TextDecoder().decode(b), "tokenizer.json"),
    },
  ];
  const uni = { version: "1.0", added_tokens: [{ id: 1, content: "<s>", special: true }], normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Strip" }] },
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: 0, byte_fallback: true, vocab: [["<unk>", 0], ["<s>", 0], ...Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, -9]), ["\u2581", -2], ["\u2581ab", -1], ["a", -3], ["b", -3], ["猫", -4]] } };
  seeds.push({ name: "unigram.json", bytes: new TextEncoder().encode(JSON.stringify(uni)), load: (b) => parseHfTokenizer(new TextDecoder().decode(b), "unigram.json") });
  const spmGemma = vocabGguf("llama", { "tokenizer.ggml.add_space_prefix": gguf.bool(false), "general.name": gguf.str("phi3-like") });
  seeds.push({ name: "spm-gemma.gguf", bytes: spmGemma, load: (b) => loadGgufTokenizer(b, "spm-gemma.gguf") });
  if (storiesDir !== null) seeds.push({ name: "tok512.bin", bytes: readFileSync(join(storiesDir, "tok512.bin")), load: (b) => parseLlama2cTokenizer(b, "tok512.bin") });
  let rejected = 0;
  let loaded = 0;
  for (const s of seeds) {
    for (let i = 0; i < 150; i++) {
      const m = mutate(rng, s.bytes);
      const ok = survives(() => {
        const tok = s.load(m);
        tok.decode(tok.encode(text));
      }, `${s.name} mutation ${i}`);
      if (ok) loaded++;
      else rejected++;
    }
  }
  assert.ok(rejected > 0 && loaded > 0, `rejected ${rejected}, loaded ${loaded}`);
});

test("tokenizer.json added_tokens with ids far beyond the vocabulary: FormatError naming the field, nothing allocated", () => {
  const doc = JSON.parse(hfTokenizerJson(trainBpe({ texts: ["abc abd abe ab a b"], vocabSize: 270 }))) as { added_tokens: { id: number; content: string; special: boolean }[] };
  for (const id of [2 ** 40, 1e8, 2 ** 31, 2 ** 53 - 1]) {
    const d = structuredClone(doc);
    d.added_tokens[0]!.id = id;
    throwsFormat(() => parseHfTokenizer(JSON.stringify(d), "big.json").encode("ab <|bos|>", { allowSpecial: true }), new RegExp(`^big\\.json: tokenizer\\.json: added_tokens\\[0\\]\\.id = ${id} is beyond`));
  }
  const d = structuredClone(doc) as unknown as { model: { vocab: Record<string, number> } };
  d.model.vocab.a = 2 ** 40;
  throwsFormat(() => parseHfTokenizer(JSON.stringify(d), "big.json"), /model\.vocab\['a'\] = 1099511627776 is beyond/);
});

test("fuzz: tokenizer.json added_tokens mutated (ids, contents, special flags): only KotodamaError escapes", { timeout: 60000 }, () => {
  const rng = new Rng(909);
  const base = JSON.parse(hfTokenizerJson(trainBpe({ texts: ["abc abd abe ab a b 吾輩は猫"], vocabSize: 280 }))) as { added_tokens: Record<string, unknown>[] };
  const ids = (): unknown => {
    const pick = rng.int(10);
    if (pick === 0) return 2 ** 40;
    if (pick === 1) return 1e8;
    if (pick === 2) return -1 - rng.int(5);
    if (pick === 3) return rng.int(300) + 0.5;
    if (pick === 4) return String(rng.int(300));
    if (pick === 5) return null;
    if (pick === 6) return 2 ** 31 + rng.int(1000);
    return rng.int(300); // in range: collisions with vocab ids and with each other, gaps
  };
  const contents = (): unknown => {
    const pick = rng.int(7);
    if (pick === 0) return "";
    if (pick === 1) return "a";
    if (pick === 2) return "<|bos|>";
    if (pick === 3) return "x".repeat(1 + rng.int(2000));
    if (pick === 4) return 42;
    if (pick === 5) return "\u{1F680}\uD800";
    return String.fromCodePoint(...Array.from({ length: 1 + rng.int(4) }, () => rng.int(0x3000)));
  };
  const text = "Hello ab a, 吾輩は猫 🚀 <|bos|> <|user|> a";
  let rejected = 0;
  let loaded = 0;
  for (let i = 0; i < 300; i++) {
    const d = structuredClone(base);
    const k = 1 + rng.int(3);
    for (let j = 0; j < k; j++) {
      const what = rng.int(5);
      const t = d.added_tokens[rng.int(d.added_tokens.length)] ?? {};
      if (what === 0) t.id = ids();
      else if (what === 1) t.content = contents();
      else if (what === 2) t.special = [true, false, "yes", null, 1][rng.int(5)];
      else if (what === 3) d.added_tokens.push({ id: ids(), content: contents(), special: rng.int(2) === 0 });
      else d.added_tokens.splice(rng.int(Math.max(1, d.added_tokens.length)), 1);
    }
    const ok = survives(() => {
      const tok = parseHfTokenizer(JSON.stringify(d), "added.json");
      for (const allowSpecial of [false, true]) tok.decode(tok.encode(text, { allowSpecial }));
    }, `added_tokens mutation ${i}`);
    if (ok) loaded++;
    else rejected++;
  }
  assert.ok(rejected > 50 && loaded > 20, `rejected ${rejected}, loaded ${loaded}`);
});
