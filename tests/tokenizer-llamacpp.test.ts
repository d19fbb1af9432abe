// kotodama's tokenizers against llama.cpp itself (node-llama-cpp): a kotodama-trained tokenizer exported to GGUF
// (run directory → convertModel) is accepted and cut identically on 500 mixed Japanese/English strings (emoji,
// digits, newlines, runs of spaces); and, when KOTODAMA_LLAMA_VOCAB_DIR names llama.cpp's models/ folder, every
// vocabulary there (vocab-only load) gives llama.cpp's ids on the same strings. Not here: model logits
// (tests/convert-roundtrip.test.ts), the HF-made test vectors (src/tokenizer/vectors.test.ts).
import type { LlamaModel } from "node-llama-cpp";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { convertModel } from "../src/formats/convert.js";
import { readGguf } from "../src/formats/gguf/read.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { saveWeights } from "../src/models/io.js";
import { initDecoderWeights, namedWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { ByteLevelBpe } from "../src/tokenizer/bpe.js";
import { saveHfTokenizer } from "../src/tokenizer/hf-json.js";
import { KOTODAMA_V1_PATTERN } from "../src/tokenizer/pretokenize.js";
import { loadTokenizer } from "../src/tokenizer/load.js";
import { trainBpe } from "../src/tokenizer/train.js";
import { FormatError } from "../src/util/errors.js";
import { sharedOrSkip } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

/** A run directory (random weights) whose tokenizer.json is `tok`; vocabulary sized to the tokenizer. */
function makeRun(dir: string, tok: ByteLevelBpe): void {
  const config: ModelConfig = { ...MODEL_PRESETS.default, vocabSize: tok.vocabSize, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 64 };
  const rng = new Rng(7);
  const w = initDecoderWeights(new Graph(createRefBackend()), config, rng);
  for (const n of namedWeights(w)) rng.fillNormal(n.tensor.data, 0, 0.02);
  saveWeights(join(dir, "model.safetensors"), w);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model: config }));
  saveHfTokenizer(tok, join(dir, "tokenizer.json"));
}

/** Mixed test strings: Aozora lines and windows, and synthetic mixes of scripts, emoji, digits and whitespace. */
function testStrings(aozora: string, rng: Rng): string[] {
  const out: string[] = [];
  const lines = aozora.split("\n").filter((l) => l.length > 0);
  for (let i = 0; i < 150; i++) out.push(lines[rng.int(lines.length)]!);
  for (let i = 0; i < 50; i++) {
    const at = rng.int(Math.max(1, aozora.length - 300));
    out.push(aozora.slice(at, at + 20 + rng.int(280)));
  }
  const parts = [
    "吾輩は猫である。", "名前はまだ無い", "カタカナー", "ひらがな", "漢字", "人々", "〇", "Hello", " world", "don't", "I'LL", "O'Neil's",
    "CamelCaseWord", "naïve café", "Ελληνικά", "русский", "١٢٣", "12345678", "3.14", "1,000", "😀", "👨‍👩‍👧", "🇯🇵", "🚀🚀", "\u3000", "\u00a0",
    " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "、", "。", "「", "」", "!?", "...", "—", "<|user|>", "'s", "\u200b", "𠮷野家",
  ];
  for (let i = 0; i < 300; i++) {
    let s = "";
    const k = 1 + rng.int(8);
    for (let j = 0; j < k; j++) s += parts[rng.int(parts.length)]!;
    out.push(s);
  }
  return out;
}

test("a trained tokenizer exported to GGUF: llama.cpp accepts it and cuts it exactly as kotodama (500 mixed strings)", { timeout: 300000 }, async (t) => {
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  const aozoraDir = sharedOrSkip(t, "data", "aozora", "clean");
  const tinyDir = sharedOrSkip(t, "data", "tinystories");
  if (aozoraDir === null || tinyDir === null) return;
  const ja = readdirSync(aozoraDir).sort().slice(0, 4).map((f) => readFileSync(join(aozoraDir, f), "utf8").slice(0, 60000));
  const en = readdirSync(tinyDir).filter((f) => f.endsWith(".txt") || f.endsWith(".jsonl")).sort().slice(0, 1).map((f) => readFileSync(join(tinyDir, f), "utf8").slice(0, 120000));
  const tok = trainBpe({ texts: [...ja, ...en], vocabSize: 3000 });
  const dir = mkdtempSync(join(tmpdir(), "kd-tok-export-"));
  try {
    const run = join(dir, "run");
    mkdirSync(run);
    makeRun(run, tok);
    const gguf = join(dir, "m.gguf");
    convertModel(run, gguf);
    const pre = readGguf(gguf).metadata.get("tokenizer.ggml.pre");
    assert.deepEqual(pre, { type: "string", value: "kimi-k2" });
    const m = await openLlamaCppModel(llama, gguf);
    try {
      const strings = testStrings(ja.join("\n"), new Rng(11));
      let same = 0;
      let tokens = 0;
      for (const s of strings) {
        const ours = tok.encode(s, { addBos: false });
        assert.deepEqual(m.tokenize(s, false), ours, JSON.stringify(s));
        same++;
        tokens += ours.length;
      }
      t.diagnostic(`${same}/${strings.length} strings, ${tokens} tokens identical to llama.cpp (tokenizer.ggml.pre "kimi-k2")`);
      assert.equal(same, 500);
    } finally {
      await m.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("export refuses a tokenizer whose pre-tokenizer llama.cpp does not have (kotodama's first pattern)", () => {
  const old = trainBpe({ texts: ["吾輩は猫である。カタカナ"], vocabSize: 270, pattern: KOTODAMA_V1_PATTERN });
  assert.ok(old instanceof ByteLevelBpe);
  const dir = mkdtempSync(join(tmpdir(), "kd-tok-export-"));
  try {
    const run = join(dir, "run");
    mkdirSync(run);
    makeRun(run, old);
    assert.throws(() => convertModel(run, join(dir, "m.gguf")), /no llama\.cpp equivalent.*first pattern.*kimi-k2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every llama.cpp vocabulary in $KOTODAMA_LLAMA_VOCAB_DIR: kotodama's ids equal llama.cpp's (vocab-only load) on mixed strings", { timeout: 600000 }, async (t) => {
  const dir = process.env.KOTODAMA_LLAMA_VOCAB_DIR;
  if (dir === undefined || dir === "") return t.skip("KOTODAMA_LLAMA_VOCAB_DIR unset (point it to llama.cpp's models/ folder)");
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  const jaSample = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";
  const strings = testStrings(jaSample, new Rng(5)).slice(150);
  const files = readdirSync(dir).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort();
  const skipped: string[] = [];
  for (const f of files) {
    let tok;
    try {
      tok = loadTokenizer(join(dir, f));
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      skipped.push(`${f} (${e.message.split(": ").slice(1).join(": ").slice(0, 60)})`);
      continue;
    }
    const model: LlamaModel = await llama.loadModel({ modelPath: join(dir, f), vocabOnly: true, gpuLayers: 0 });
    try {
      let same = 0;
      const specialTexts: string[] = [];
      for (let id = 0; id < tok.vocabSize && specialTexts.length < 60; id++) if (tok.isAdded?.(id) === true || id === tok.special.unk) specialTexts.push(tok.tokenText(id));
      const withSpecial = [...strings.slice(0, 100), ...specialTexts.map((x, i) => `a ${x} b${x}\n${strings[i]!}${x}  `)];
      for (const s of strings) {
        assert.deepEqual(tok.encode(s, { addBos: false }), Array.from(model.tokenize(s, false)), `${f}: ${JSON.stringify(s)}`);
        same++;
      }
      // Special-token text parsed (llama.cpp's partition: longest token first, name-based control/strip attributes).
      for (const s of withSpecial) {
        assert.deepEqual(tok.encode(s, { addBos: false, allowSpecial: true }), Array.from(model.tokenize(s, true)), `${f} (special): ${JSON.stringify(s)}`);
        same++;
      }
      t.diagnostic(`${f}: ${same}/${strings.length + withSpecial.length}`);
    } finally {
      await model.dispose();
    }
  }
  if (skipped.length > 0) t.diagnostic(`not read by kotodama: ${skipped.join("; ")}`);
});
