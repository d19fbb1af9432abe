// Cutting long byte-level BPE pre-tokens where no merge joins (bpe-cut.ts): the cut points on hand-computed
// cases, and whole encodes with cuts (and the cache, the scanner, the native merge) equal to encodes without
// them (regex, TypeScript merge, no cache) on random Japanese-heavy text, for GPT-2's vocabulary and a trained
// kotodama vocabulary (kimi-k2 pattern). Not here: agreement with tiktoken (bpe.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { ByteLevelBpe } from "./bpe.js";
import { MergeJoins } from "./bpe-cut.js";
import { BYTE_TO_CHAR } from "./bytes.js";
import { randomJapanese } from "./conformance.js";
import { loadTokenizer } from "./load.js";
import { trainBpe } from "./train.js";

const cutsOf = (j: MergeJoins, s: string): number[] => {
  const out = new Int32Array(s.length);
  return [...out.subarray(0, j.cuts(s, 0, s.length, out))];
};
const bl = (s: string): string => [...new TextEncoder().encode(s)].map((b) => BYTE_TO_CHAR[b]!).join("");

test("cut points: between characters whose last and first bytes no merge rule joins", () => {
  const j = MergeJoins.fromMerges([["a", "b"], ["ab", "c"], [bl("é").slice(1), "x"]])!;
  assert.deepEqual(cutsOf(j, "abcab"), [3]); // a|b and b|c are joined by rules, c|a is not
  assert.deepEqual(cutsOf(j, "xaby"), [1, 3]);
  assert.deepEqual(cutsOf(j, "éxéa"), [2, 3]); // é = C3 A9: A9|x joined; x|é and é|a not
  assert.deepEqual(cutsOf(j, "a😀b\ud800c"), [1, 3, 4, 5]); // never inside a surrogate pair; a lone one is EF BF BD
  assert.deepEqual(cutsOf(j, ""), []);
  // Offsets are relative to the string, cuts strictly inside [s, e).
  const out = new Int32Array(8);
  assert.equal(j.cuts("zzcazz", 2, 4, out), 1);
  assert.equal(out[0], 3);
  // A rule spelled outside the byte-level alphabet (an added token's literal text): no cut is claimed safe.
  assert.equal(MergeJoins.fromMerges([["a", "b"], ["あ", "い"]]), null);
});

function assertCutsChangeNothing(fast: ByteLevelBpe, texts: readonly string[]): void {
  const ref = new ByteLevelBpe({ ...fast.spec, preTokenizer: "regex", merge: "typescript", cacheSize: 0, cut: false });
  const small = new ByteLevelBpe({ ...fast.spec, cacheSize: 7 }); // the cache (and the per-character ids) clear often
  const uncached = new ByteLevelBpe({ ...fast.spec, cacheSize: 0 });
  for (let pass = 0; pass < 2; pass++) {
    for (const s of texts) {
      const want = ref.encode(s, { addBos: false });
      const msg = JSON.stringify(s.slice(0, 60));
      assert.deepEqual(fast.encode(s, { addBos: false }), want, msg);
      assert.deepEqual(small.encode(s, { addBos: false }), want, msg);
      assert.deepEqual(uncached.encode(s, { addBos: false }), want, msg);
    }
  }
}

function japaneseTexts(seed: number): string[] {
  const rng = new Rng(seed);
  const texts: string[] = [];
  for (let i = 0; i < 600; i++) texts.push(randomJapanese(rng, 1 + rng.int(rng.int(5) === 0 ? 400 : 40), true));
  texts.push("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。".repeat(30), "日本語".repeat(200));
  return texts;
}

test("GPT-2 vocabulary: cut + cache + scanner + native merge give the ids of whole-piece merging, on Japanese", (t) => {
  const vocab = sharedPath("reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  if (vocab === null) return void sharedOrSkip(t, "reference", "tokenizers");
  const fast = loadTokenizer(vocab);
  assert.ok(fast instanceof ByteLevelBpe);
  const texts = japaneseTexts(5);
  const data = sharedPath("data");
  if (data !== null) texts.push(readFileSync(join(data, "aozora", "clean", "789_ruby_5639.txt"), "utf8").slice(100000, 160000));
  assertCutsChangeNothing(fast, texts);
});

test("trained kotodama vocabulary (kimi-k2 pattern, Japanese merges): cuts change no id", () => {
  const rng = new Rng(8);
  const corpus = Array.from({ length: 300 }, () => randomJapanese(rng, 60));
  corpus.push("吾輩は猫である。名前はまだ無い。".repeat(50), "ですます調の文章です。".repeat(40));
  const tok = trainBpe({ texts: corpus, vocabSize: 1200 });
  assertCutsChangeNothing(tok, [...japaneseTexts(6), ...corpus.slice(0, 50)]);
});
