// llama.cpp's pre-tokenizer table: every name resolves and compiles, pieces cover the text, the equivalences the
// table relies on hold (llama.cpp's GPT-2 regex without `|\s+`), the wregex whitespace rule, and the names our
// export writes. Not here: agreement with llama.cpp's ids (vectors.test.ts, tests/tokenizer-llamacpp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { GPT2_PATTERN, GPT4_PATTERN, KOTODAMA_PATTERN, KOTODAMA_V1_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN, regexPreTokenizer } from "./pretokenize.js";
import { LLAMACPP_PRE_NAMES, llamaCppPre, llamaCppPreName } from "./pretokenizers-llamacpp.js";

function randomText(rng: Rng, n: number): string {
  const pool = ["a", "Z", "é", "ß", " ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u0085", "1", "٣", "²", ".", "!", "'s", "'LL", "吾", "輩", "は", "カ", "ー", "々", "😀", "가", "Ω", "–", "$", "<", "\u200b", "\u0301"];
  let s = "";
  for (let i = 0; i < n; i++) s += pool[rng.int(pool.length)]!;
  return s;
}

test("every llama.cpp pre name resolves, compiles and cuts text into pieces that concatenate back", () => {
  assert.ok(LLAMACPP_PRE_NAMES.length >= 70, `${LLAMACPP_PRE_NAMES.length} names`);
  for (const n of ["llama-bpe", "llama3", "qwen2", "smollm", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "starcoder", "mpt", "refact", "tekken", "gpt-2", "jais", "olmo", "dbrx", "smaug-bpe", "poro-chat", "viking", "command-r", "codeshell", "bloom", "gpt3-finnish", "exaone", "chameleon", "minerva-7b", "gpt-4o", "superbpe", "trillion", "bailingmoe", "seed-coder", "kimi-k2"]) {
    assert.ok(LLAMACPP_PRE_NAMES.includes(n), n);
  }
  const rng = new Rng(17);
  for (const n of [...LLAMACPP_PRE_NAMES, "kotodama", undefined]) {
    const pre = llamaCppPre(n);
    assert.ok(pre !== null, String(n));
    const split = regexPreTokenizer(pre.patterns);
    for (let i = 0; i < 50; i++) {
      const s = randomText(rng, 30);
      const pieces = split.split(s);
      assert.equal(pieces.join(""), s, `${String(n)}: ${JSON.stringify(s)}`);
      assert.ok(pieces.every((p) => p.length > 0), `${String(n)}: empty piece`);
    }
  }
  assert.equal(llamaCppPre("mystery"), null);
  assert.equal(llamaCppPre(undefined)!.name, "default");
});

test("llama.cpp's GPT-2 regex (no final |\\s+) cuts exactly as GPT-2's, so the table may use GPT-2's spelling", () => {
  const lcpp = regexPreTokenizer("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)");
  const ours = regexPreTokenizer(GPT2_PATTERN);
  const rng = new Rng(4);
  for (let i = 0; i < 2000; i++) {
    const s = randomText(rng, 25);
    assert.deepEqual(lcpp.split(s), ours.split(s), JSON.stringify(s));
  }
  assert.deepEqual(ours.split("a\n\tb"), ["a", "\n", "\t", "b"]); // the case the missing alternative covers
});

test("sequences and llama.cpp's wregex rule: multi-regex types, and non-ASCII whitespace kept out of literal classes", () => {
  const falcon = regexPreTokenizer(llamaCppPre("falcon")!.patterns);
  assert.deepEqual(falcon.split("x=1234567 !?"), ["x", "=", "123", "456", "7", " ", "!?"]);
  const coder = regexPreTokenizer(llamaCppPre("deepseek-coder")!.patterns);
  // U+3000 lies inside the literal range ࠀ-一 but llama.cpp turns it into \v before its wregex runs.
  assert.deepEqual(coder.split("漢字\u3000한국"), ["漢字", "\u3000", "한국"]);
  const superbpe = regexPreTokenizer(llamaCppPre("superbpe")!.patterns);
  assert.deepEqual(superbpe.split("1234567"), ["1", "234", "567"]); // empty lookahead matches cut, yield nothing
});

test("the names exports write: kotodama → kimi-k2, Llama-3 → llama-bpe (ignore_merges) or dbrx; no equivalent → error", () => {
  const spec = (pattern: string, ignoreMerges = false): { source: string; pattern: string; ignoreMerges: boolean } => ({ source: "t.json", pattern, ignoreMerges });
  assert.equal(llamaCppPreName(spec(KOTODAMA_PATTERN)), "kimi-k2");
  assert.equal(llamaCppPreName(spec(GPT2_PATTERN)), "gpt-2");
  assert.equal(llamaCppPreName(spec(LLAMA3_PATTERN, true)), "llama-bpe");
  assert.equal(llamaCppPreName(spec(LLAMA3_PATTERN, false)), "dbrx");
  assert.equal(llamaCppPreName(spec(QWEN2_PATTERN)), "qwen2");
  assert.equal(llamaCppPreName({ source: "t.json", pattern: llamaCppPre("deepseek-llm")!.patterns }), "deepseek-llm");
  assert.throws(() => llamaCppPreName(spec(GPT4_PATTERN)), (e: unknown) => e instanceof KotodamaError && /^t\.json: .*no llama\.cpp equivalent/.test(e.message));
  assert.throws(() => llamaCppPreName(spec(KOTODAMA_V1_PATTERN)), /first pattern.*retrain/);
  assert.throws(() => llamaCppPreName({ ...spec(GPT2_PATTERN), normalization: "NFC" }), /NFC/);
});
