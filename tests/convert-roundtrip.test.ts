// A model made here (a kotodama run directory) → GGUF → back, and → Hugging Face folder → back, through
// `convertModel`, loaded again by infer: identical logits (bit for bit where the RoPE pair order is the same,
// within f32 summation noise where it changes), for both RoPE pairings a run can use. Not here: conversions of
// llama.cpp's own files (src/formats/convert.test.ts) or training itself (src/train/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { convertModel } from "../src/formats/convert.js";
import { readGguf, tensorBytes } from "../src/formats/gguf/read.js";
import { createInferState, createKvCache, openInferModel, prefill } from "../src/infer/index.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { saveWeights } from "../src/models/io.js";
import { initDecoderWeights, namedWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { ByteLevelBpe } from "../src/tokenizer/bpe.js";
import { BYTE_TO_CHAR } from "../src/tokenizer/bytes.js";
import { saveHfTokenizer } from "../src/tokenizer/hf-json.js";
import { KOTODAMA_PATTERN } from "../src/tokenizer/pretokenize.js";
import { KOTODAMA_SPECIALS } from "../src/tokenizer/special.js";
import { Rng } from "../src/util/rng.js";

/** A run directory (models/load.ts RUN_FILES) with random weights of order 1 and a byte-level tokenizer. */
function makeRun(dir: string, ropePairing: "adjacent" | "half"): ModelConfig {
  const config: ModelConfig = { ...MODEL_PRESETS.default, vocabSize: 300, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 96, context: 64, ropePairing, tieEmbeddings: ropePairing === "half" };
  const rng = new Rng(ropePairing === "half" ? 2 : 1);
  const w = initDecoderWeights(new Graph(createRefBackend()), config, rng);
  for (const n of namedWeights(w)) rng.fillNormal(n.tensor.data, 0, n.tensor.shape.length === 1 ? 1 : 0.3);
  saveWeights(join(dir, "model.safetensors"), w);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model: config }));
  const vocab = [...BYTE_TO_CHAR, ...KOTODAMA_SPECIALS];
  saveHfTokenizer(new ByteLevelBpe({
    source: "test", vocab, merges: [], pattern: KOTODAMA_PATTERN,
    added: KOTODAMA_SPECIALS.map((text, i) => ({ id: 256 + i, text, special: true })), special: { bos: 256, eos: 257, pad: 258 }, addBos: true,
  }), join(dir, "tokenizer.json"));
  return config;
}

const backend = loadBackend({ threads: 1 });
const IDS = [256, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33, 10, 200, 17];

/** Logits at every position of IDS. */
function logitsOf(path: string, tokenizer?: string): Float32Array {
  const m = openInferModel(path, { backend, ...(tokenizer === undefined ? {} : { tokenizer }) });
  const V = m.config.vocabSize;
  const all = new Float32Array(IDS.length * V);
  prefill(createInferState(m.weights, m.backend), createKvCache(m.config, 64), IDS, (pos, logits) => all.set(logits, pos * V));
  return all;
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

for (const pairing of ["adjacent", "half"] as const) {
  test(`run directory (ropePairing ${pairing}) → GGUF → HF folder → GGUF: the same logits`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), "kd-roundtrip-"));
    try {
      const run = join(dir, "run");
      mkdirSync(run);
      makeRun(run, pairing);
      const ref = logitsOf(run);
      const gguf = join(dir, "m.gguf");
      const r1 = convertModel(run, gguf);
      assert.equal(r1.notes.some((n) => n.includes("hf-to-gguf")), pairing === "half", "Q/K permuted iff the run uses rotate-half");
      assert.ok(r1.notes.some((n) => n.includes("padded from 263 to the model's 300")));
      const fromGguf = logitsOf(gguf);
      const hf = join(dir, "hf");
      convertModel(gguf, hf);
      const fromHf = logitsOf(hf);
      const back = join(dir, "back.gguf");
      convertModel(hf, back);
      const fromBack = logitsOf(back);
      const dG = maxDiff(ref, fromGguf);
      const dH = maxDiff(ref, fromHf);
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const tol = 4e-6 * scale; // f32 sums in another order: a few ulp of the largest logit
      t.diagnostic(`max |Δlogit| vs the run: GGUF ${dG.toExponential(2)}, HF folder ${dH.toExponential(2)}, GGUF again ${maxDiff(ref, fromBack).toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
      // Same pair order → the same arithmetic → the same bits; a changed order only reorders f32 sums.
      if (pairing === "adjacent") assert.deepEqual(fromGguf, ref);
      else assert.ok(dG <= tol, `GGUF ${dG}`);
      if (pairing === "half") assert.deepEqual(fromHf, ref);
      else assert.ok(dH <= tol, `HF ${dH}`);
      assert.deepEqual(fromBack, fromGguf, "GGUF → HF → GGUF gives the GGUF's logits exactly");
      const [a, b] = [readGguf(gguf), readGguf(back)];
      for (const ta of a.tensors) {
        const tb = b.tensors.find((x) => x.name === ta.name)!;
        assert.ok(Buffer.from(tensorBytes(a, ta)).equals(Buffer.from(tensorBytes(b, tb))), `${ta.name} bytes`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
