// The conformance suite (conformance.ts) run against every Tokenizer implementation and every file kind:
// byte-level BPE (GGUF gpt2, trained, tokenizer.json round trip), SentencePiece BPE (GGUF llama, llama2.c
// tokenizer.bin, tokenizer.json by merges) and WordPiece (GGUF bert).
import { test } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { checkTokenizer } from "./conformance.js";
import { hfTokenizerJson } from "./hf-json.js";
import { loadTokenizer } from "./load.js";
import type { Tokenizer } from "./tokenizer.js";
import { trainBpe } from "./train.js";

const vocabDir = sharedPath("reference", "tokenizers");
const storiesDir = sharedPath("reference", "stories260K");

const TRAIN_TEXT = [
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
  "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。",
  "カタカナのテキストとひらがなのテキスト。Tom and his dog ran to the park! 123 4567",
].join("\n");

function cases(): { name: string; make: () => Tokenizer; lossless: boolean; exclude?: string }[] {
  const out: { name: string; make: () => Tokenizer; lossless: boolean; exclude?: string }[] = [];
  out.push({ name: "trained byte-level BPE", make: () => trainBpe({ texts: [TRAIN_TEXT], vocabSize: 400 }), lossless: true });
  out.push({
    name: "trained → tokenizer.json → loaded",
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), "kotodama-tok-"));
      const p = join(dir, "tokenizer.json");
      writeFileSync(p, hfTokenizerJson(trainBpe({ texts: [TRAIN_TEXT], vocabSize: 400 })));
      return loadTokenizer(p);
    },
    lossless: true,
  });
  if (vocabDir !== null) {
    out.push({ name: "GGUF gpt2", make: () => loadTokenizer(join(vocabDir, "ggml-vocab-gpt-2.gguf")), lossless: true });
    out.push({ name: "GGUF llama (llama-spm)", make: () => loadTokenizer(join(vocabDir, "ggml-vocab-llama-spm.gguf")), lossless: true, exclude: "\u2581" });
    out.push({ name: "GGUF llama (phi-3)", make: () => loadTokenizer(join(vocabDir, "ggml-vocab-phi-3.gguf")), lossless: true, exclude: "\u2581" });
    out.push({ name: "GGUF bert", make: () => loadTokenizer(join(vocabDir, "ggml-vocab-bert-bge.gguf")), lossless: false });
  }
  if (storiesDir !== null) {
    out.push({ name: "llama2.c tok512.bin", make: () => loadTokenizer(join(storiesDir, "tok512.bin")), lossless: true, exclude: "\u2581" });
    out.push({ name: "GGUF stories260K", make: () => loadTokenizer(join(storiesDir, "stories260K.gguf")), lossless: true, exclude: "\u2581" });
  }
  return out;
}

for (const c of cases()) {
  test(`conformance: ${c.name}`, () => {
    checkTokenizer(c.make(), c.exclude === undefined ? { lossless: c.lossless } : { lossless: c.lossless, excludeChars: c.exclude });
  });
}

test("conformance: reference files", (t) => {
  // Without these folders only trained tokenizers were checked above: show it as a skip (a failure in CI).
  sharedOrSkip(t, "reference", "tokenizers");
  sharedOrSkip(t, "reference", "stories260K");
});
