// The inference oracle: stories260K from GGUF and from llama2.c .bin + tok512.bin against llama.cpp's greedy
// ids, last-prompt logits, per-step logits and perplexity (../shared/reference/stories260K/README.md), and the
// model quantized to Q8_0. Not here: sampler maths (sampler.test.ts), CLI behaviour (generate.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadBackend } from "../engine/backend.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dequantize, GgmlType, permuteQkRows, quantize, writeHfFolder } from "../formats/index.js";
import { decoderWeightsOf, loadModel } from "../models/load.js";
import { namedWeights } from "../models/weights.js";
import { sharedOrSkip } from "../util/paths.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { generateText } from "./generate.js";
import { createKvCache } from "./kv-cache.js";
import { createInferModel, type InferModel } from "./model.js";
import { argmax } from "./sampler.js";
import { windowedPerplexity } from "./score.js";


interface RefPrompt {
  prompt: string;
  text: string;
  prompt_ids: number[];
  greedy_ids: number[];
  logits_last_prompt_pos: number[];
  logits_per_step_file: string;
}

const backend = loadBackend({ threads: 1 });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Greedy decoding through the low-level forward, keeping every step's logits (no stop at EOS). */
function greedyWithLogits(m: InferModel, promptIds: readonly number[], steps: number): { ids: number[]; last: Float32Array; perStep: Float32Array[] } {
  const state = createInferState(m.weights, m.backend);
  const cache = createKvCache(m.config, 512);
  let logits = prefill(state, cache, promptIds);
  const last = logits.slice();
  const ids: number[] = [];
  const perStep: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    perStep.push(logits.slice());
    const id = argmax(logits);
    ids.push(id);
    if (s + 1 < steps) logits = decodeStep(state, cache, id);
  }
  return { ids, last, perStep };
}

const models = (dir: string): [string, () => InferModel][] => [
  ["stories260K.gguf", () => createInferModel(loadModel(`${dir}/stories260K.gguf`), backend)],
  ["stories260K.bin + tok512.bin", () => createInferModel(loadModel(`${dir}/stories260K.bin`, { tokenizer: `${dir}/tok512.bin` }), backend)],
];

test("stories260K reference outputs", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: RefPrompt[]; perplexity: { final_ppl: number } };
  const pplText = readFileSync(`${dir}/ppl_text.txt`, "utf8");
  for (const [name, make] of models(dir)) {
    await t.test(name, async () => {
      const m = make();
      let worstLast = 0;
      let worstStep = 0;
      for (const [i, p] of ref.prompts.entries()) {
        assert.deepEqual(m.tokenizer.encode(p.prompt), p.prompt_ids, `prompt ids of ${JSON.stringify(p.prompt)}`);
        const g = greedyWithLogits(m, p.prompt_ids, 64);
        assert.deepEqual(g.ids, p.greedy_ids, `greedy ids of ${JSON.stringify(p.prompt)}`);
        worstLast = Math.max(worstLast, maxAbsDiff(g.last, p.logits_last_prompt_pos));
        const steps: Float32Array = new Float32Array(readFileSync(`${dir}/logits/p${i + 1}_steps_llamacpp_kvf32.f32`).buffer.slice(0));
        assert.equal(steps.length, 64 * 512);
        for (let s = 0; s < 64; s++) worstStep = Math.max(worstStep, maxAbsDiff(g.perStep[s]!, steps.subarray(s * 512, (s + 1) * 512)));
        // The public generate path (sampler greedy, stream decoding) gives the same ids and text.
        const r = await generateText(m, p.prompt, { temperature: 0, maxTokens: 64, ignoreEos: true, topLogprobs: 0 });
        assert.deepEqual(r.ids, p.greedy_ids);
        if (p.prompt !== "") assert.equal(r.text, p.text, "streamed text = llama.cpp's token_to_piece concatenation");
      }
      assert.ok(worstLast <= 1e-4, `last-prompt-position logits differ by ${worstLast}`);
      assert.ok(worstStep <= 1e-4, `per-step logits differ by ${worstStep}`);
      const ppl = windowedPerplexity(m, pplText, 128);
      assert.equal(ppl.chunks, 4);
      assert.ok(Math.abs(ppl.perplexity - 2.299) <= 0.001, `perplexity ${ppl.perplexity}`);
      t.diagnostic(`${name}: max |Δ last logits| ${worstLast.toExponential(2)}, max |Δ step logits| ${worstStep.toExponential(2)}, ppl ${ppl.perplexity.toFixed(5)}`);
    });
  }
});

test("stories260K greedy generation is deterministic; text decodes as llama.cpp's", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: (RefPrompt & { text: string })[] };
  const m = models(dir)[0]![1]();
  const p = ref.prompts[0]!;
  const a = await generateText(m, p.prompt, { temperature: 0, maxTokens: 64, ignoreEos: true });
  const b = await generateText(m, p.prompt, { temperature: 0, maxTokens: 64, ignoreEos: true });
  assert.deepEqual(a.ids, b.ids);
  assert.equal(a.text, p.text);
  assert.equal(a.tokens.map((x) => x.text).join(""), a.text);
});

/** A copy of the model's weights with every 2-D weight whose rows are whole Q8_0 blocks quantized and
 *  dequantized (ffn_down rows have 172 values and stay F32, as in ../shared/reference/quant). */
function q8Model(m: InferModel, loaded: ReturnType<typeof loadModel>): InferModel {
  const tensors = new Map<string, Float32Array>();
  for (const n of namedWeights(decoderWeightsOf(loaded))) {
    const x = n.tensor.data;
    const rowLen = n.tensor.shape.length === 2 ? n.tensor.shape[1]! : 0;
    tensors.set(n.name, rowLen > 0 && rowLen % 32 === 0 ? dequantize(GgmlType.Q8_0, quantize(GgmlType.Q8_0, x), x.length) : x);
  }
  return createInferModel({ ...loaded, tensors }, m.backend);
}

test("stories260K quantized to Q8_0: perplexity within 1% and greedy agreement", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: RefPrompt[] };
  const pplText = readFileSync(`${dir}/ppl_text.txt`, "utf8");
  const loaded = loadModel(`${dir}/stories260K.gguf`);
  const f32 = createInferModel(loaded, backend);
  const q8 = q8Model(f32, loaded);
  const pF = windowedPerplexity(f32, pplText, 128).perplexity;
  const pQ = windowedPerplexity(q8, pplText, 128).perplexity;
  assert.ok(Math.abs(pQ - pF) / pF < 0.01, `Q8_0 perplexity ${pQ} vs F32 ${pF}`);
  const agree: number[] = [];
  for (const p of ref.prompts) {
    const g = greedyWithLogits(q8, p.prompt_ids, 32);
    let n = 0;
    while (n < 32 && g.ids[n] === p.greedy_ids[n]) n++;
    agree.push(n);
  }
  t.diagnostic(`Q8_0 (quantize→dequantize at load): ppl ${pQ.toFixed(4)} vs F32 ${pF.toFixed(4)}; greedy prefix agreement of 32: ${agree.join(", ")}`);
  assert.ok(agree.every((n) => n === 32), `greedy ids agree for only ${agree.join(", ")} of the first 32 tokens`);

  // llama-quantize's own Q8_0 file: same weights as ours, and its f64 reference (numpy) logits within 1e-4. A
  // subtest, so that an absent ../shared/reference/quant shows as a skip rather than passing unseen.
  await t.test("llama-quantize's stories260K-Q8_0.gguf", (st) => {
    const quantDir = sharedOrSkip(st, "reference", "quant");
    if (quantDir === null) return;
    const qref = JSON.parse(readFileSync(`${quantDir}/quant-reference.json`, "utf8")) as {
      files: Record<string, { prompts: Record<string, { prompt_ids: number[]; greedy_ids_numpy_f64_dequantized_weights: number[]; logits_last_prompt_pos_numpy_f64: number[] }> }>;
    };
    const file = createInferModel(loadModel(`${quantDir}/stories260K-Q8_0.gguf`), backend);
    for (const [prompt, r] of Object.entries(qref.files["stories260K-Q8_0.gguf"]!.prompts)) {
      const g = greedyWithLogits(file, r.prompt_ids, r.greedy_ids_numpy_f64_dequantized_weights.length);
      assert.deepEqual(g.ids, r.greedy_ids_numpy_f64_dequantized_weights, `Q8_0 file greedy ids for ${prompt}`);
      assert.ok(maxAbsDiff(g.last, r.logits_last_prompt_pos_numpy_f64) < 1e-4);
      const ours = greedyWithLogits(q8, r.prompt_ids, 1).last;
      assert.ok(maxAbsDiff(ours, g.last) < 1e-5, "our Q8_0 quantization gives the logits of llama-quantize's");
    }
  });
});

test("stories260K as a Hugging Face Llama folder (rotate-half Q/K rows) gives llama.cpp's greedy ids", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: RefPrompt[] };
  const loaded = loadModel(`${dir}/stories260K.gguf`);
  const c = loaded.config;
  const D = c.dim / c.nHeads;
  const hf = mkdtempSync(join(tmpdir(), "kotodama-hf-llama-"));
  t.after(() => rmSync(hf, { recursive: true, force: true }));
  const tensors = namedWeights(decoderWeightsOf(loaded)).map((n) => {
    let data = n.tensor.data;
    // HF stores Q/K rows in rotate-half order: the permutation convert_hf_to_gguf.py undoes.
    if (n.name.endsWith("q_proj.weight")) data = permuteQkRows(data, c.dim, c.nHeads, "gguf-to-hf");
    if (n.name.endsWith("k_proj.weight")) data = permuteQkRows(data, c.dim, c.nKvHeads, "gguf-to-hf");
    return { name: n.name, dtype: "F32", shape: n.tensor.shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  });
  writeHfFolder(hf, {
    config: {
      architectures: ["LlamaForCausalLM"], model_type: "llama", vocab_size: c.vocabSize, hidden_size: c.dim, intermediate_size: c.hiddenDim,
      num_hidden_layers: c.nLayers, num_attention_heads: c.nHeads, num_key_value_heads: c.nKvHeads, max_position_embeddings: 512,
      rms_norm_eps: c.normEps, rope_theta: 10000, tie_word_embeddings: false,
    },
    tensors,
  });
  const m = createInferModel(loadModel(hf, { tokenizer: `${dir}/stories260K.gguf` }), backend);
  assert.equal(m.config.ropePairing, "half");
  assert.equal(D, 8);
  for (const p of ref.prompts) assert.deepEqual(greedyWithLogits(m, p.prompt_ids, 64).ids, p.greedy_ids, `HF folder, ${JSON.stringify(p.prompt)}`);
});
