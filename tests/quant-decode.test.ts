// Decoding straight from quantized weights (engine quantMatmul via infer's loader, keepQuantized): llama-quantize's
// stories260K Q8_0/Q4_0 and tiny-random-llama Q8_0/Q4_K/Q6_K/Q4_K_M files against the float64 reference of
// ../shared/reference/quant (logits at the last prompt position, free-running greedy ids). Not here: the
// kernel's own checks (src/engine/quant.test.ts, conformance) or F32 decoding (src/infer/stories260k.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import { argmax, createInferState, createKvCache, decodeStep, openInferModel, prefill } from "../src/infer/index.js";
import { sharedOrSkip } from "../src/util/paths.js";

interface PromptRef {
  prompt_ids: number[];
  logits_last_prompt_pos_numpy_f64: number[];
  greedy_ids_numpy_f64_dequantized_weights: number[];
}

test("decoding on Q8_0 / Q4_0 / Q4_K / Q6_K weights kept quantized matches the float64 reference", (t) => {
  const dir = sharedOrSkip(t, "reference", "quant");
  if (dir === null) return;
  const backend = loadBackend({ kind: nativeStatus().available ? "native" : "ref", threads: 1 });
  const ref = JSON.parse(readFileSync(`${dir}/quant-reference.json`, "utf8")) as { files: Record<string, { prompts: Record<string, PromptRef> }> };
  const files = ["stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf", "tiny-random-llama-q8_0.gguf", "tiny-random-llama-q4_k-pure.gguf", "tiny-random-llama-q6_k-pure.gguf", "tiny-random-llama-q4_k_m.gguf"];
  for (const file of files) {
    const m = openInferModel(`${dir}/${file}`, { backend });
    // Q4_K_M mixes Q4_K and Q6_K (a fused q|k|v of two types may fall back to f32); stories260K's ffn_down is F32.
    assert.ok(m.weights.layers.every((l) => !(l.wo instanceof Float32Array) && !(l.wUp instanceof Float32Array)), `${file}: matrices stay quantized`);
    assert.ok(!(m.weights.lmHead instanceof Float32Array), `${file}: the classifier stays quantized`);
    for (const [prompt, r] of Object.entries(ref.files[file]!.prompts)) {
      const state = createInferState(m.weights, m.backend);
      const cache = createKvCache(m.config, 256);
      let logits = prefill(state, cache, r.prompt_ids);
      let maxDiff = 0;
      r.logits_last_prompt_pos_numpy_f64.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[i]!))));
      assert.ok(maxDiff < 1e-4, `${file} "${prompt}": max |Δlogit| ${maxDiff} vs the float64 reference`);
      const want = r.greedy_ids_numpy_f64_dequantized_weights;
      const ids: number[] = [];
      for (let s = 0; s < want.length; s++) {
        ids.push(argmax(logits));
        if (s + 1 < want.length) logits = decodeStep(state, cache, ids[s]!);
      }
      assert.deepEqual(ids, want, `${file} "${prompt}": greedy ids`);
      t.diagnostic(`${backend.name} ${file} "${prompt}": last-position max |Δlogit| ${maxDiff.toExponential(2)}, ${want.length}/${want.length} greedy ids`);
    }
  }
});
