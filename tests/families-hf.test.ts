// Every family's Hugging Face names, keys and transforms: the same random weights written as GGUF (the table's GGUF
// names, already checked against llama.cpp in tests/families.test.ts) and as an HF folder (the table's HF names and
// config.json keys, Gemma's norms as w, GPT-2's Conv1D transposed, Llama's q/k rows in rotate-half order) must load
// into the same model: the logits of every position agree. Not here: transformers itself (no Python transformers
// on the machines), llama.cpp (families.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInferState, createKvCache, openInferModel, prefill } from "../src/infer/index.js";
import { familyByName, type FamilyName } from "../src/models/families/index.js";
import { writeFamilyGguf } from "../src/models/save-family.js";
import { writeFamilyHf } from "../src/models/save-family-hf.js";
import { fixtureConfig, fixtureVocab, fixtureWeights, writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-families-hf-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const IDS = Array.from({ length: 32 }, (_, i) => (i * 53 + 7) % 400);

function logits(path: string, tokenizer: string): Float32Array[] {
  const m = openInferModel(path, { tokenizer });
  const out: Float32Array[] = [];
  prefill(createInferState(m.weights, m.backend), createKvCache(m.config, 64), IDS, (_, l) => out.push(l.slice()));
  return out;
}

for (const name of ["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "gpt2"] as FamilyName[]) {
  test(`${name}: the HF folder written from the family table loads into the same model as the GGUF`, () => {
    const fx = writeFixture(dir, name, "f32");
    const f = familyByName(name)!;
    const config = fixtureConfig(name, fixtureVocab().size);
    const hf = join(dir, `${name}-hf`);
    // the fixture's Llama 3.1 factors came from these rope_scaling values (tests/fixtures/families.ts)
    const extra = name === "llama" ? { rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } } : {};
    writeFamilyHf(hf, f, config, fixtureWeights(f, config, 1), extra);
    const a = logits(fx.path, fx.path), b = logits(hf, fx.path);
    let worst = 0;
    a.forEach((row, t) => {
      const max = row.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[t]![i]!) / max)));
    });
    assert.ok(worst < 1e-5, `${name}: GGUF vs HF folder logits differ by ${worst.toExponential(2)} relative`);
  });
}

test("a Phi-3 file with LongRoPE factors is refused with the reason, naming the file and tensor", () => {
  const f = familyByName("phi3")!;
  const vocab = fixtureVocab();
  const config = fixtureConfig("phi3", vocab.size);
  const w = fixtureWeights(f, config, 1);
  w.set("model.rope_factors_long", new Float32Array(config.dim / config.nHeads / 2).fill(1));
  const path = join(dir, "phi3-longrope.gguf");
  writeFamilyGguf(path, f, config, w, "f32", vocab.entries);
  assert.throws(() => openInferModel(path), (e: Error) => e.message.startsWith(path) && /tensor "rope_factors_long\.weight": LongRoPE .* is not supported yet/.test(e.message));
});
