// Inference on quantized GGUF files with the weights kept quantized (engine quantMatmul reads Q8_0/Q4_0/Q4_K/Q6_K
// rows; other types are dequantized at load): teacher-forced logits against the float64 reference of
// ../shared/reference/quant (README: an engine computing in f32 on exactly dequantized weights agrees to
// ≤ ~3e-5), greedy ids, and Q8_0 perplexity. Not here: the F32 oracle (stories260k.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadBackend } from "../engine/backend.js";
import { loadModel } from "../models/load.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { createKvCache } from "./kv-cache.js";
import { createInferModel, type InferModel } from "./model.js";
import { argmax } from "./sampler.js";
import { windowedPerplexity } from "./score.js";

const backend = loadBackend({ threads: 1 });

interface QuantPrompt {
  prompt_ids: number[];
  greedy_ids_llamacpp_kv_f32: number[];
  greedy_ids_numpy_f64_dequantized_weights: number[];
  step_logits_files: { numpy_f64_teacher_forced: string };
}
interface QuantRef {
  files: Record<string, { prompts: Record<string, QuantPrompt>; perplexity_ppl_text_c128_b128?: { kv_f32: { ppl: number } } }>;
}

/** Logits of every step with the given continuation fed back (teacher forcing), concatenated. */
function teacherForced(m: InferModel, prompt: readonly number[], continuation: readonly number[]): Float32Array {
  const V = m.config.vocabSize;
  const s = createInferState(m.weights, m.backend, 16);
  const cache = createKvCache(m.config, 512);
  const out = new Float32Array(continuation.length * V);
  out.set(prefill(s, cache, prompt), 0);
  for (let i = 1; i < continuation.length; i++) out.set(decodeStep(s, cache, continuation[i - 1]!), i * V);
  return out;
}

function greedy(m: InferModel, prompt: readonly number[], steps: number): number[] {
  const s = createInferState(m.weights, m.backend, 16);
  const cache = createKvCache(m.config, 512);
  let logits = prefill(s, cache, prompt);
  const ids: number[] = [];
  for (let i = 0; i < steps; i++) {
    ids.push(argmax(logits));
    if (i + 1 < steps) logits = decodeStep(s, cache, ids[i]!);
  }
  return ids;
}

const FILES: [string, boolean][] = [
  // [file, whether its matrices stay quantized (types quantMatmul reads)]
  ["stories260K-Q8_0.gguf", true],
  ["stories260K-Q4_0.gguf", true],
  ["tiny-random-llama-q8_0.gguf", true],
  ["tiny-random-llama-q4_0.gguf", true],
  ["tiny-random-llama-q4_k-pure.gguf", true],
  ["tiny-random-llama-q4_k_m.gguf", true],
  ["tiny-random-llama-q5_k-pure.gguf", false],
  ["tiny-random-llama-q6_k-pure.gguf", true],
  ["tiny-random-llama-f16.gguf", false],
  ["tiny-random-llama-bf16.gguf", false],
];

test("quantized GGUF files: teacher-forced logits equal the float64 reference within 1e-4", async (t) => {
  const dir = sharedOrSkip(t, "reference", "quant");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/quant-reference.json`, "utf8")) as QuantRef;
  for (const [file, quantized] of FILES) {
    await t.test(file, () => {
      const m = createInferModel(loadModel(`${dir}/${file}`, { keepQuantized: true }), backend);
      const layer0 = m.weights.layers[0]!;
      assert.equal(!(layer0.wUp instanceof Float32Array), quantized, "gate|up kept quantized");
      let worst = 0;
      for (const [prompt, p] of Object.entries(ref.files[file]!.prompts)) {
        const want: Float32Array = new Float32Array(readFileSync(`${dir}/${p.step_logits_files.numpy_f64_teacher_forced}`).buffer.slice(0));
        const got = teacherForced(m, p.prompt_ids, p.greedy_ids_llamacpp_kv_f32);
        assert.equal(got.length, want.length, prompt);
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        // stories260K margins are ≥ 4.9e-3: the float64 reference's free-running greedy path must be reproduced.
        if (file.startsWith("stories")) {
          const n = p.greedy_ids_numpy_f64_dequantized_weights.length;
          assert.deepEqual(greedy(m, p.prompt_ids, n), p.greedy_ids_numpy_f64_dequantized_weights, `${file} ${prompt} greedy`);
        }
      }
      t.diagnostic(`${file}: max |Δ logit| vs float64 ${worst.toExponential(2)}`);
      assert.ok(worst < 1e-4, `${file}: max |Δ logit| ${worst}`);
    });
  }
});

test("stories260K Q8_0 kept quantized: perplexity within 1% of F32 and of llama.cpp's", (t) => {
  const dir = sharedOrSkip(t, "reference", "quant");
  const f32Path = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (dir === null || f32Path === null) return;
  const text = readFileSync(sharedPath("reference", "stories260K", "ppl_text.txt")!, "utf8");
  const q8 = windowedPerplexity(createInferModel(loadModel(`${dir}/stories260K-Q8_0.gguf`, { keepQuantized: true }), backend), text, 128).perplexity;
  const f32 = windowedPerplexity(createInferModel(loadModel(f32Path), backend), text, 128).perplexity;
  t.diagnostic(`Q8_0 (quantMatmul) perplexity ${q8.toFixed(4)} vs F32 ${f32.toFixed(4)} (llama.cpp Q8_0 2.3018 with q8_0 activations)`);
  assert.ok(Math.abs(q8 - f32) / f32 < 0.01);
  assert.ok(Math.abs(q8 - 2.3018) / 2.3018 < 0.01);
});
