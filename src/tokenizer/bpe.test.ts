// Byte-level BPE and its parts: pre-tokenizer patterns (Oniguruma → JS translation, White_Space semantics,
// CJK script runs), the two merge algorithms against each other, the GPT-2 vocabulary and the cl100k (=
// Llama-3) pattern against OpenAI's tiktoken (WASM, Rust regex) on random Unicode and corpus text, and
// streaming decode of split characters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { ByteLevelBpe } from "./bpe.js";
import { bytesToByteLevel } from "./bytes.js";
import { randomJapanese, randomUnicode } from "./conformance.js";
import { loadTokenizer } from "./load.js";
import { mergeByHeap, mergeByScan, PairTable } from "./merge.js";
import { GPT2_PATTERN, KOTODAMA_PATTERN, KOTODAMA_V1_PATTERN, LLAMA3_PATTERN, NAMED_PATTERNS, onigToJs, regexPreTokenizer } from "./pretokenize.js";
import { StreamDecoder } from "./stream.js";

const vocabDir = sharedPath("reference", "tokenizers");
const dataDir = sharedPath("data");

test("onigToJs: case-insensitive groups, possessives, scripts and \\s", () => {
  assert.equal(onigToJs("(?i:'s|'ll)"), "(?:'[sS]|'[lL][lL])");
  assert.equal(onigToJs("'(?i:[sdmt])"), "'(?:[sSdDmMtT])");
  assert.equal(onigToJs("a?+b++c"), "a?b+c");
  assert.equal(onigToJs("\\p{L}+\\p{Han}"), "\\p{L}+\\p{sc=Han}");
  assert.equal(onigToJs("\\s+(?!\\S)"), "[\\t-\\r\\x85\\p{Z}]+(?![^\\t-\\r\\x85\\p{Z}])");
  assert.equal(onigToJs("[^\\s\\p{L}]"), "[^\\t-\\r\\x85\\p{Z}\\p{L}]");
  for (const p of Object.values(NAMED_PATTERNS)) assert.doesNotThrow(() => new RegExp(onigToJs(p), "gu"));
});

test("pre-tokenizers: pieces concatenate to the input; GPT-2, Llama-3 and kotodama cuts", () => {
  const rng = new Rng(3);
  for (const p of Object.values(NAMED_PATTERNS)) {
    const pre = regexPreTokenizer(p);
    for (let i = 0; i < 200; i++) {
      const s = randomUnicode(rng, 50);
      assert.equal(pre.split(s).join(""), s);
    }
  }
  assert.deepEqual(regexPreTokenizer(GPT2_PATTERN).split("Hello world's  123!!\n\n x"), ["Hello", " world", "'s", " ", " 123", "!!", "\n\n", " x"]);
  // Unicode White_Space, not JS's \s: U+0085 is space, U+FEFF is not.
  assert.deepEqual(regexPreTokenizer(GPT2_PATTERN).split("a\u0085b\ufeffc"), ["a", "\u0085", "b", "\ufeff", "c"]);
  assert.deepEqual(regexPreTokenizer(LLAMA3_PATTERN).split("I'LL 12345 x"), ["I", "'LL", " ", "123", "45", " x"]);
  // kotodama = llama.cpp's kimi-k2: Han runs apart; kana and Latin letters run together; contractions stay on.
  assert.deepEqual(regexPreTokenizer(KOTODAMA_PATTERN).split("吾輩は猫である。カタカナーとHello 世界、ABC123 don't 人々"), [
    "吾輩", "は", "猫", "である", "。カタカナーとHello", " ", "世界", "、ABC", "123", " don't", " ", "人", "々", // 々 is not in llama.cpp's Han ranges
  ]);
  // The first kotodama pattern (still read): script runs of kanji, hiragana, katakana.
  assert.deepEqual(regexPreTokenizer(KOTODAMA_V1_PATTERN).split("吾輩は猫である。カタカナーとHello 世界、ABC123"), [
    "吾輩", "は", "猫", "である", "。", "カタカナー", "と", "Hello", " ", "世界", "、ABC", "123",
  ]);
});

test("merge by scan and merge by heap agree (random tables and sequences)", () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 50; trial++) {
    const alphabet = 2 + rng.int(6);
    const triples: [number, number, number][] = [];
    let next = alphabet;
    for (let r = 0; r < 20; r++) triples.push([rng.int(next), rng.int(next), next++]);
    const table = new PairTable(triples);
    for (let k = 0; k < 20; k++) {
      const n = 1 + rng.int(200);
      const a = Int32Array.from({ length: n }, () => rng.int(alphabet));
      const b = a.slice();
      const na = mergeByScan(table, a, n, new Int32Array(n));
      const nb = mergeByHeap(table, b, n);
      assert.deepEqual(a.slice(0, na), b.slice(0, nb));
    }
  }
});

test("GPT-2 vocabulary: same ids as OpenAI tiktoken (WASM) on random Unicode and corpus text", async (t) => {
  if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
  let tiktoken: typeof import("tiktoken");
  try {
    tiktoken = await import("tiktoken");
  } catch {
    return t.skip("npm package tiktoken (dev dependency) not installed");
  }
  const enc = tiktoken.get_encoding("gpt2");
  const tok = loadTokenizer(join(vocabDir, "ggml-vocab-gpt-2.gguf"));
  const rng = new Rng(9);
  const texts: string[] = [];
  for (let i = 0; i < 500; i++) texts.push(randomUnicode(rng, 60));
  // Japanese fuzz: long kana/kanji runs (one pre-token each, cut where no merge joins: bpe-cut.ts), repeats.
  for (let i = 0; i < 400; i++) texts.push(randomJapanese(rng, 1 + rng.int(rng.int(4) === 0 ? 300 : 40)));
  if (dataDir === null) sharedOrSkip(t, "data"); // the corpus half of the comparison is missing: a visible skip
  if (dataDir !== null) {
    texts.push(readFileSync(join(dataDir, "tinystories", "tinystories_val.txt"), "utf8").slice(0, 100000));
    texts.push(readFileSync(join(dataDir, "aozora", "raw", "127_ruby_150.txt"), "utf8"));
    texts.push(readFileSync(join(dataDir, "aozora", "clean", "789_ruby_5639.txt"), "utf8").slice(0, 200000));
  }
  try {
    for (const s of texts) assert.deepEqual(tok.encode(s), [...enc.encode(s, [], [])], JSON.stringify(s.slice(0, 80)));
  } finally {
    enc.free();
  }
});

/** tiktoken's cl100k_base ranks (bundled with the npm package) as vocabulary + merges: for each multi-byte
 *  token in rank order, the two parts that BPE limited to lower ranks leaves (the usual tiktoken → HF
 *  conversion). */
function cl100kAsMerges(bpeRanks: string): { vocab: string[]; merges: [string, string][] } {
  const toks: Uint8Array[] = [];
  const rank = new Map<string, number>();
  for (const line of bpeRanks.split("\n").filter(Boolean)) {
    const [, off, ...ts] = line.split(" ");
    ts.forEach((t, i) => {
      const b = Buffer.from(t, "base64");
      toks[Number(off) + i] = b;
      rank.set(b.toString("latin1"), Number(off) + i);
    });
  }
  const merges: [string, string][] = [];
  toks.forEach((tok, r) => {
    if (tok.length === 1) return;
    const parts = [...tok].map((b) => String.fromCharCode(b));
    for (;;) {
      let at = -1;
      let best = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const x = rank.get(parts[i]! + parts[i + 1]!);
        if (x !== undefined && x < best) [best, at] = [x, i];
      }
      if (at < 0 || best >= r) break;
      parts.splice(at, 2, parts[at]! + parts[at + 1]!);
    }
    assert.equal(parts.length, 2, `cl100k token ${r} does not split in two`);
    merges.push([bytesToByteLevel(Buffer.from(parts[0]!, "latin1")), bytesToByteLevel(Buffer.from(parts[1]!, "latin1"))]);
  });
  return { vocab: toks.map((b) => bytesToByteLevel(b)), merges };
}

test("Llama-3 / cl100k pattern: same ids as tiktoken cl100k_base (Rust regex) on random and corpus text", async (t) => {
  let tiktoken: typeof import("tiktoken");
  try {
    tiktoken = await import("tiktoken");
  } catch {
    return t.skip("npm package tiktoken (dev dependency) not installed");
  }
  const require = createRequire(import.meta.url);
  const data = JSON.parse(readFileSync(require.resolve("tiktoken/encoders/cl100k_base.json"), "utf8")) as { pat_str: string; bpe_ranks: string };
  assert.equal(data.pat_str, LLAMA3_PATTERN, "cl100k's pattern is the one Llama-3 adopted");
  const { vocab, merges } = cl100kAsMerges(data.bpe_ranks);
  const tok = new ByteLevelBpe({ source: "cl100k_base", vocab, merges, pattern: LLAMA3_PATTERN, added: [], special: {}, addBos: false });
  const enc = tiktoken.get_encoding("cl100k_base");
  const rng = new Rng(13);
  const texts = ["I'LL DON'T we'Re  \n\n  \r\n 12345 \u0085\ufeff x"];
  for (let i = 0; i < 1000; i++) texts.push(randomUnicode(rng, 60, "", false));
  for (let i = 0; i < 400; i++) texts.push(randomJapanese(rng, 1 + rng.int(rng.int(4) === 0 ? 300 : 40)));
  if (dataDir === null) sharedOrSkip(t, "data"); // the corpus half of the comparison is missing: a visible skip
  if (dataDir !== null) {
    texts.push(readFileSync(join(dataDir, "tinystories", "tinystories_val.txt"), "utf8").slice(0, 100000));
    texts.push(readFileSync(join(dataDir, "aozora", "raw", "127_ruby_150.txt"), "utf8"));
  }
  try {
    for (const s of texts) assert.deepEqual(tok.encode(s), [...enc.encode(s, [], [])], JSON.stringify(s.slice(0, 80)));
  } finally {
    enc.free();
  }
});

test("streaming decode holds back a character split across byte tokens", (t) => {
  if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
  for (const name of ["gpt-2", "llama-spm"]) {
    const tok = loadTokenizer(join(vocabDir, `ggml-vocab-${name}.gguf`));
    const ids = tok.encode("a🚀", { addBos: false });
    assert.ok(ids.length >= 3, `${name}: the emoji should take several byte tokens, got ${ids.length} tokens`);
    const sd = new StreamDecoder(tok);
    const outs = ids.map((id) => sd.push(id));
    assert.equal(outs[0], "a");
    assert.ok(outs.slice(1, -1).every((o) => o === ""), `${name}: partial character printed: ${JSON.stringify(outs)}`);
    assert.equal(outs[outs.length - 1], "🚀");
    assert.equal(sd.flush(), "");
    // An unfinished character at the end comes out as U+FFFD on flush, as decode() renders it.
    const sd2 = new StreamDecoder(tok);
    assert.equal(sd2.push(ids[1]!), "");
    assert.equal(sd2.flush(), tok.decode([ids[1]!]).replace(/^ /, ""));
  }
});
