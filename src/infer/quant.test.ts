// Inference on quantized GGUF files with the weights kept quantized (engine quantMatmul reads Q8_0/Q4_0/Q4_K/Q6_K
// rows; other types are dequantized at load): with activations "f32", teacher-forced logits against the float64
// reference of ../shared/reference/quant (README: an engine computing in f32 on exactly dequantized weights
// agrees to ≤ ~3e-5) and greedy ids; with the default "q8" activations, Q8_0 perplexity against llama.cpp's.
// Not here: the F32 oracle (stories260k.test.ts), live llama.cpp logits (tests/quant-llamacpp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadBackend, withQuantActivations } from "../engine/backend.js";
import { loadModel } from "../models/load.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { createKvCache } from "./kv-cache.js";
import { createInferModel, type InferModel } from "./model.js";
import { argmax } from "./sampler.js";
import { windowedPerplexity } from "./score.js";

const backend = loadBackend({ threads: 1 });
/** The backend with every quantMatmul in "f32" activation mode: what the float64 reference computes. */
const f32Activations = (be: typeof backend): typeof backend => withQuantActivations(be, "f32");

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

test("quantized GGUF files, f32 activations: teacher-forced logits equal the float64 reference within 1e-4", async (t) => {
  const dir = sharedOrSkip(t, "reference", "quant");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/quant-reference.json`, "utf8")) as QuantRef;
  for (const [file, quantized] of FILES) {
    await t.test(file, () => {
      const m = createInferModel(loadModel(`${dir}/${file}`, { keepQuantized: true }), f32Activations(backend));
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

test("stories260K Q8_0 / Q4_0 kept quantized: q8 activations bring the perplexity closer to llama.cpp's than f32 ones", (t) => {
  const dir = sharedOrSkip(t, "reference", "quant");
  const f32Path = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (dir === null || f32Path === null) return;
  const text = readFileSync(sharedPath("reference", "stories260K", "ppl_text.txt")!, "utf8");
  const f32 = windowedPerplexity(createInferModel(loadModel(f32Path), backend), text, 128).perplexity;
  // llama-perplexity -c 128 -b 128 -t 1, F32 KV cache (README of ../shared/reference/quant), printed to 4 decimals.
  for (const [file, llamaCpp] of [["stories260K-Q8_0.gguf", 2.3018], ["stories260K-Q4_0.gguf", 2.5719]] as const) {
    const model = loadModel(`${dir}/${file}`, { keepQuantized: true });
    const q8 = windowedPerplexity(createInferModel(model, backend), text, 128).perplexity;
    const f32Act = windowedPerplexity(createInferModel(model, f32Activations(backend)), text, 128).perplexity;
    t.diagnostic(`${file}: perplexity ${q8.toFixed(5)} (q8 activations), ${f32Act.toFixed(5)} (f32 activations), llama.cpp ${llamaCpp}, F32 model ${f32.toFixed(4)}`);
    // Not to the last digit: the recorded figure is llama-perplexity's at another llama.cpp commit with batch 128,
    // where the CPU backend repacks Q4_0 rows for batched products; over 512 tokens a few q8 roundings sit on
    // ties that such differences flip (trap 5 of the README). Position-by-position agreement with the llama.cpp
    // of this run is tests/quant-llamacpp.test.ts.
    assert.ok(Math.abs(q8 - llamaCpp) < 5e-3, `${file}: q8 perplexity ${q8} vs llama.cpp ${llamaCpp}`);
    assert.ok(Math.abs(q8 - llamaCpp) < Math.abs(f32Act - llamaCpp), `${file}: q8 ${q8} is not closer to llama.cpp ${llamaCpp} than f32 ${f32Act}`);
    assert.ok(Math.abs(q8 - f32) / f32 < 0.15);
  }
});
