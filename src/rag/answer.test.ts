// Grounded answering end to end on a real index: citations (generated and extracted) point at the cited characters
// of the source files (Japanese and English, characters outside the BMP), an irrelevant question is answered "the
// sources do not say" without calling the model, and a model that says so is taken as abstaining.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEX_DEFAULTS, updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";
import { ASK_DEFAULTS, askGrounded } from "./answer.js";
import type { ChatMessage, Generator } from "./generator.js";
import { NOT_IN_SOURCES } from "./language.js";

/** Python's s[start:end] on code points — written independently of the library's cpSlice. */
const pySlice = (s: string, start: number, end: number): string => [...s].slice(start, end).join("");

function fixture(): { dir: string; docs: string; idx: LexicalIndex } {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-ask-"));
  const docs = join(dir, "docs");
  mkdirSync(docs);
  // 𠮷 and 🍚 are outside the BMP (two UTF-16 units, one character); the kanji are 3 bytes in UTF-8.
  writeFileSync(join(docs, "ja.txt"), "𠮷野家は🍚牛丼の店である。東京に本店がある。\n\n富士山は日本一高い山だ。標高は3776メートルである。\n");
  writeFileSync(join(docs, "en.md"), "# Rivers\n\nThe Nile — “the longest river” — flows north. It ends in the Mediterranean Sea.\n\n## Lakes\n\nLake Baikal is the deepest lake. 🌊 The lake lies in Siberia.\n");
  updateIndex(join(dir, "index"), [docs], { ...INDEX_DEFAULTS, chunk: { targetChars: 40, overlapChars: 0 } });
  return { dir, docs, idx: new LexicalIndex(join(dir, "index")) };
}

/** A generator that records its calls and replies with a fixed text; its tokens are characters. */
function fake(reply: string, contextTokens = 4096): Generator & { calls: ChatMessage[][] } {
  const calls: ChatMessage[][] = [];
  return {
    calls,
    contextTokens,
    countTokens: (m) => m.reduce((s, x) => s + [...String(x.content)].length, 0),
    complete: (m) => {
      calls.push([...m]);
      return Promise.resolve(reply);
    },
  };
}

test("generated citations map to document ids and offsets that hold exactly the cited characters", async () => {
  const { dir, docs, idx } = fixture();
  try {
    for (const [q, file] of [["𠮷野家の本店はどこにあるか。", "ja.txt"], ["Where does the Nile end?", "en.md"]] as const) {
      const gen = fake("It is in the first source [1], see also ［2］ and [9].");
      const a = await askGrounded(q, idx, { generator: gen }, { ...ASK_DEFAULTS, threshold: 0, k: 3 });
      assert.equal(gen.calls.length, 1);
      assert.equal(a.abstained, false);
      assert.deepEqual(a.unknownCitations, [9]);
      assert.deepEqual(a.citations.map((c) => c.n), [1, 2].slice(0, Math.min(2, a.sources.length)));
      assert.ok(a.citations[0]!.docId.endsWith(file), `${q}: best source ${a.citations[0]!.docId}`);
      // The marker offsets are code points into the answer.
      assert.equal(pySlice(a.answer, a.citations[0]!.marker.start, a.citations[0]!.marker.end), "[1]");
      for (const c of a.citations) {
        const text = readFileSync(c.source, "utf8");
        assert.equal(pySlice(text, c.start, c.end), c.text, `${c.docId} [${c.start}, ${c.end})`);
        assert.ok(String(a.messages![1]!.content).includes(`[${c.n}] ${c.text}`), "the cited text is what the prompt numbered");
      }
    }
    // Past the astral characters: 本店 is at code point 16 of ja.txt but UTF-16 index 18; offsets count code points.
    const a = await askGrounded("東京に本店がある", idx, { generator: fake("[1]") }, { ...ASK_DEFAULTS, threshold: 0, k: 1 });
    const c = a.citations[0]!;
    const file = readFileSync(join(docs, "ja.txt"), "utf8");
    assert.equal(file.indexOf("本店"), 18);
    assert.equal(pySlice(file, 16, 18), "本店");
    assert.deepEqual([c.start, c.end], [0, 22]);
    assert.equal(pySlice(c.text, 16 - c.start, 18 - c.start), "本店");
  } finally {
    idx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("extractive answers cite the chosen sentence's own span", async () => {
  const { dir, idx } = fixture();
  try {
    const lexical = { ...ASK_DEFAULTS, threshold: 0, mode: "extract", extractScorer: "lexical" } as const;
    const whole = await askGrounded("富士山の標高は何メートルか。", idx, {}, { ...lexical, extractSpan: "sentence" });
    assert.equal(whole.answer, "標高は3776メートルである。 [1]");
    // The phrase the question leaves out (標高, は, メートル are in the question): 3776, cited with its sentence.
    const a = await askGrounded("富士山の標高は何メートルか。", idx, {}, { ...lexical, extractSpan: "phrase" });
    assert.equal(a.answer, "3776 [1]");
    assert.equal(pySlice(a.answer, a.citations[0]!.marker.start, a.citations[0]!.marker.end), "[1]");
    const c = a.citations[0]!;
    assert.equal(c.text, "標高は3776メートルである。");
    assert.equal(pySlice(readFileSync(c.source, "utf8"), c.start, c.end), c.text);
    const e = await askGrounded("Which lake is the deepest?", idx, {}, { ...ASK_DEFAULTS, threshold: 0, mode: "extract", extractScorer: "lexical" });
    assert.equal(e.answer, "Baikal [1]");
    assert.equal(e.citations[0]!.text, "Lake Baikal is the deepest lake.");
    assert.equal(pySlice(readFileSync(e.citations[0]!.source, "utf8"), e.citations[0]!.start, e.citations[0]!.end), "Lake Baikal is the deepest lake.");
    // The model scorer picks by a supplied log-probability: here one that prefers the sentence mentioning Siberia.
    const score = (pairs: readonly { prefix: string; continuation: string }[]): Promise<{ logprob: number; tokens: number }[]> =>
      Promise.resolve(pairs.map((x) => ({ logprob: x.prefix.startsWith("Question") && x.continuation.includes("Siberia") ? 0 : -5, tokens: 1 })));
    const m = await askGrounded("Which lake is the deepest?", idx, { scoreContinuation: score }, { ...ASK_DEFAULTS, threshold: 0, mode: "extract", extractScorer: "model", extractSpan: "sentence" });
    assert.equal(m.citations[0]!.text, "🌊 The lake lies in Siberia.");
    assert.equal(pySlice(readFileSync(m.citations[0]!.source, "utf8"), m.citations[0]!.start, m.citations[0]!.end), "🌊 The lake lies in Siberia.");
  } finally {
    idx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("below the threshold the answer is 'the sources do not say' and the model is not called", async () => {
  const { dir, idx } = fixture();
  try {
    const gen = fake("should not be called [1]");
    // Relevant: above the default threshold, the model is called once.
    const ok = await askGrounded("富士山は日本一高い山か。", idx, { generator: gen }, ASK_DEFAULTS);
    assert.equal(ok.belowThreshold, false);
    assert.ok(ok.relevance >= ASK_DEFAULTS.threshold, `relevance ${ok.relevance}`);
    assert.equal(gen.calls.length, 1);
    // Irrelevant, Japanese and English: the fixed text of the question's language, no call.
    const ja = await askGrounded("量子コンピュータの誤り訂正符号の閾値はいくつか。", idx, { generator: gen }, ASK_DEFAULTS);
    assert.equal(ja.answer, NOT_IN_SOURCES.ja);
    assert.equal(ja.answer, "資料には書かれていません。");
    assert.ok(ja.belowThreshold && ja.abstained && ja.citations.length === 0);
    const en = await askGrounded("Who won the 1998 football world cup final?", idx, { generator: gen }, ASK_DEFAULTS);
    assert.equal(en.answer, "The sources do not say.");
    assert.equal(gen.calls.length, 1, "no call for either irrelevant question");
    // The threshold is what decides: the same relevant question with a threshold above its relevance is refused.
    const strict = await askGrounded("富士山は日本一高い山か。", idx, { generator: gen }, { ...ASK_DEFAULTS, threshold: ok.relevance + 1e-9 });
    assert.ok(strict.belowThreshold);
    assert.equal(gen.calls.length, 1);
    // A model that says the sources do not say is abstaining.
    const said = await askGrounded("富士山は日本一高い山か。", idx, { generator: fake("資料には書かれていません。") }, ASK_DEFAULTS);
    assert.ok(said.abstained && !said.belowThreshold);
  } finally {
    idx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
