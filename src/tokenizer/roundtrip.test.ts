// Property test: decode(encode(s)) === s for random Unicode strings and for every file of the Aozora and
// TinyStories corpora in ../shared/data, through the lossless tokenizers (trained byte-level BPE, GPT-2,
// Llama SentencePiece with byte fallback). Big files are sampled: from each file, the first 24 KiB and three
// seeded 8 KiB windows (cut at code-point boundaries), so the whole file stays under ~10 s on 2 cores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { randomUnicode } from "./conformance.js";
import { loadTokenizer } from "./load.js";
import type { Tokenizer } from "./tokenizer.js";
import { trainBpe } from "./train.js";

const dataDir = sharedPath("data");
const vocabDir = sharedPath("reference", "tokenizers");

/** Corpus files: Aozora clean and raw, TinyStories (the JSON file's stories as one text). */
function corpusFiles(): { name: string; text: string }[] {
  if (dataDir === null) return [];
  const out: { name: string; text: string }[] = [];
  for (const sub of ["aozora/clean", "aozora/raw", "tinystories"]) {
    const dir = join(dataDir, sub);
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith(".txt") && !f.endsWith(".json")) continue;
      const raw = readFileSync(join(dir, f), "utf8");
      const text = f.endsWith(".json") ? (JSON.parse(raw) as { texts: string[] }).texts.join("\n") : raw;
      out.push({ name: `${sub}/${f}`, text });
    }
  }
  return out;
}

/** The first 24 Ki code units and three seeded 8 Ki windows, never splitting a surrogate pair. */
function samples(text: string, rng: Rng): string[] {
  const cut = (a: number, b: number): string => {
    const isLow = (i: number): boolean => i > 0 && i < text.length && (text.charCodeAt(i) & 0xfc00) === 0xdc00;
    while (isLow(a)) a++;
    while (isLow(b)) b++;
    return text.slice(a, b);
  };
  const out = [cut(0, 24576)];
  for (let k = 0; k < 3 && text.length > 8192; k++) {
    const a = rng.int(text.length - 8192);
    out.push(cut(a, a + 8192));
  }
  return out;
}

function lossless(): { name: string; tok: Tokenizer }[] {
  const files = corpusFiles();
  const trainText = files.length > 0 ? files.map((f) => f.text.slice(0, 20000)) : ["Once upon a time. 昔々あるところに。"];
  const out = [{ name: "trained 2k", tok: trainBpe({ texts: trainText, vocabSize: 2048 }) as Tokenizer }];
  if (vocabDir !== null) {
    out.push({ name: "gpt-2", tok: loadTokenizer(join(vocabDir, "ggml-vocab-gpt-2.gguf")) });
    out.push({ name: "llama-spm", tok: loadTokenizer(join(vocabDir, "ggml-vocab-llama-spm.gguf")) });
  }
  return out;
}

test("round trip: random Unicode strings", () => {
  const rng = new Rng(7);
  for (const { name, tok } of lossless()) {
    const exclude = name === "llama-spm" ? "\u2581" : "";
    for (let i = 0; i < 300; i++) {
      const s = randomUnicode(rng, 60, exclude);
      assert.equal(tok.decode(tok.encode(s)), s, `${name}: ${JSON.stringify(s)}`);
    }
  }
});

test("round trip: every Aozora and TinyStories file in ../shared/data (sampled windows)", (t) => {
  const files = corpusFiles();
  if (files.length === 0) return void sharedOrSkip(t, "data");
  assert.ok(files.length >= 46 + 4, `expected 23 clean + 23 raw Aozora files and 4 TinyStories files, got ${files.length}`);
  const rng = new Rng(11);
  const toks = lossless();
  let chars = 0;
  for (const f of files) {
    for (const s of samples(f.text, rng)) {
      for (const { name, tok } of toks) {
        // "▁" (U+2581) is SentencePiece's space: it cannot round-trip through a Llama vocabulary by design.
        const text = name === "llama-spm" ? s.replaceAll("\u2581", "_") : s;
        assert.equal(tok.decode(tok.encode(text)), text, `${name}: ${f.name}`);
      }
      chars += s.length;
    }
  }
  t.diagnostic(`${files.length} files, ${chars} chars sampled, ${toks.length} tokenizers`);
});
