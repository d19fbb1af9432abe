// Every model family against llama.cpp: a random-weight fixture per family (tests/fixtures/families.ts), written
// by kotodama's GGUF writer, is loaded by llama.cpp itself (node-llama-cpp) and by kotodama; the logits of every
// position of a sequence longer than the sliding window, and 24 greedy ids, must agree. A family passes only when
// llama.cpp accepts our file and computes what we compute. Not here: real checkpoints (src/infer/stories260k.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openInferModel } from "../src/infer/index.js";
import type { FamilyName } from "../src/models/families/index.js";
import type { GgufWeightType } from "../src/models/save-family.js";
import { Rng } from "../src/util/rng.js";
import { writeFixture } from "./fixtures/families.js";
import { maxRelativeDiff, ourGreedy, ourLogits } from "./support/agree.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

const FAMILIES: readonly FamilyName[] = ["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "gpt2"];
/** Largest |Δlogit| over every position, relative to the largest |logit| of that position. F32: both sides compute
 *  in f32 and differ only in summation order (1e-4). Families with a GELU MLP get 1e-3: llama.cpp's CPU GELU rounds
 *  its input to f16 and reads an f16 table (ggml-cpu/vec.h, GGML_GELU_FP16), kotodama evaluates the tanh form in
 *  f32. Q8_0: llama.cpp also rounds the activations to 8-bit blocks before each quantized dot product
 *  (vec_dot_q8_0_q8_0), kotodama keeps them f32 (5e-2). */
function tolerance(name: FamilyName, type: GgufWeightType): number {
  if (type !== "f32") return 5e-2;
  return name === "gpt2" || name === "gemma2" || name === "gemma3" ? 1e-3 : 1e-4;
}

const dir = mkdtempSync(join(tmpdir(), "kotodama-families-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of FAMILIES) {
  for (const type of ["f32", "q8_0"] as const) {
    test(`${name} ${type}: llama.cpp loads kotodama's GGUF and agrees on logits and greedy ids`, async (t) => {
      const llama = await llamaCppOrSkip(t);
      if (llama === null) return;
      const fx = writeFixture(dir, name, type);
      const ours = openInferModel(fx.path);
      const V = fx.config.vocabSize;
      const rng = new Rng(7);
      const ids = Array.from({ length: 40 }, () => rng.nextU32() % (V - 1));
      const theirs = await openLlamaCppModel(llama, fx.path, { contextSize: 128 });
      try {
        const worst = maxRelativeDiff(ourLogits(ours, ids), await theirs.logits(ids));
        t.diagnostic(`${name} ${type}: max relative |Δlogit| over ${ids.length} positions ${worst.toExponential(2)} (tolerance ${tolerance(name, type)})`);
        assert.ok(worst <= tolerance(name, type), `${name} ${type}: logits differ from llama.cpp by ${worst.toExponential(2)} relative`);
        const prompt = ids.slice(0, 8);
        assert.deepEqual(ourGreedy(ours, prompt, 24), await theirs.greedy(prompt, 24), `${name} ${type}: greedy ids`);
      } finally {
        await theirs.dispose();
      }
    });
  }
}
