// The no-tape inference forward (prefill and KV-cache decode) against the training decoder's logits
// (models/decoder.ts, an independent composition of tensor ops) for both families and mixed flags, on the
// native and ref backends; and the loaders for kotodama run directories and Hugging Face folders.
// Not here: the llama.cpp oracle (stories260k.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../engine/backend.js";
import type { Backend } from "../engine/ops.js";
import { archMetadata, GgmlType, writeGgufFile, writeHfFolder } from "../formats/index.js";
import { NEUTRAL_FLAGS, validateModelConfig, type ModelConfig } from "../models/config.js";
import { decoderLogits } from "../models/decoder.js";
import { hfTensors, saveWeights } from "../models/io.js";
import { loadModel } from "../models/load.js";
import { openModelSource } from "../models/load-sources.js";
import { initDecoderWeights, namedWeights, type DecoderWeights } from "../models/weights.js";
import { Graph } from "../tensor/index.js";
import { saveHfTokenizer, trainBpe } from "../tokenizer/index.js";
import { f32Weight } from "../nn/index.js";
import { Rng } from "../util/rng.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { createKvCache } from "./kv-cache.js";
import { packDecoderWeights, packWeights, type InferWeights } from "./weights.js";

const base = { vocabSize: 300, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 4, hiddenDim: 48, context: 24, normEps: 1e-5, ropeTheta: 10000, ...NEUTRAL_FLAGS } as const;
const CONFIGS: Record<string, ModelConfig> = {
  gpt2: validateModelConfig({ ...base, norm: "layer", pos: "learned", ropePairing: "adjacent", mlp: "gelu", bias: true, tieEmbeddings: true }),
  llama: validateModelConfig({ ...base, nKvHeads: 2, norm: "rms", pos: "rope", ropePairing: "adjacent", mlp: "swiglu", bias: false, tieEmbeddings: false }),
  "llama half-rope with biases": validateModelConfig({ ...base, nKvHeads: 1, norm: "rms", pos: "rope", ropePairing: "half", mlp: "swiglu", bias: true, tieEmbeddings: true }),
  "rope + layernorm + gelu": validateModelConfig({ ...base, norm: "layer", pos: "rope", ropePairing: "adjacent", mlp: "gelu", bias: true, tieEmbeddings: false }),
};

/** Random weights with non-trivial norms and biases (init gives ones/zeros, which would hide mistakes). */
function randomWeights(c: ModelConfig, backend: Backend, seed: number): DecoderWeights {
  const g = new Graph(backend);
  const w = initDecoderWeights(g, c, new Rng(seed));
  const rng = new Rng(seed + 1);
  const jitter = (t: { data: Float32Array } | null, mean: number): void => {
    if (t !== null) for (let i = 0; i < t.data.length; i++) t.data[i] = mean + 0.1 * rng.normal();
  };
  for (const l of w.layers) {
    jitter(l.attnNorm.weight, 1);
    jitter(l.attnNorm.bias, 0);
    jitter(l.mlpNorm.weight, 1);
    for (const lin of [l.attn.o, l.mlp.down, l.mlp.up, ...(l.mlp.kind === "swiglu" ? [l.mlp.gate] : []), ...(l.attn.qkv.kind === "fused" ? [l.attn.qkv.qkv] : [l.attn.qkv.q, l.attn.qkv.k, l.attn.qkv.v])]) {
      jitter(lin.bias, 0);
      const wd = f32Weight(lin).data;
      for (let i = 0; i < wd.length; i++) wd[i]! *= 5; // larger activations
    }
  }
  jitter(w.finalNorm.weight, 1);
  return w;
}

const ids = [1, 17, 250, 3, 99, 42, 7, 7, 7, 200, 5, 64, 128, 2];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Reference logits (T, V) from the training decoder. */
function decoderReference(c: ModelConfig, w: DecoderWeights): Float32Array {
  return decoderLogits(c, w, Int32Array.from(ids), 1, ids.length).data.slice();
}

/** Logits (T, V) from the inference path: a prefill of `split` tokens (all positions through the sink), then
 *  one decode step per remaining token. maxRows 4 forces several prefill chunks. */
function inferLogits(c: ModelConfig, w: DecoderWeights | InferWeights, backend: Backend, split: number): Float32Array {
  const iw = "layers" in w && "lmHead" in w && "embed" in w ? w : packDecoderWeights(c, w);
  const s = createInferState(iw, backend, 4);
  const cache = createKvCache(c, c.context);
  const V = c.vocabSize;
  const out = new Float32Array(ids.length * V);
  prefill(s, cache, ids.slice(0, split), (pos, l) => out.set(l, pos * V));
  for (let t = split; t < ids.length; t++) out.set(decodeStep(s, cache, ids[t]!), t * V);
  return out;
}

for (const kind of ["native", "ref"] as const) {
  test(`inference forward equals the training decoder (${kind} backend)`, (t) => {
    let backend: Backend;
    try {
      backend = loadBackend({ kind, threads: 1 });
    } catch {
      t.skip("native addon unavailable");
      return;
    }
    for (const [name, c] of Object.entries(CONFIGS)) {
      const w = randomWeights(c, backend, 3);
      const ref = decoderReference(c, w);
      for (const split of [1, 5, ids.length]) {
        const d = maxDiff(inferLogits(c, w, backend, split), ref);
        assert.ok(d < 2e-4, `${name}, prefill ${split} + decode: max |Δlogit| ${d}`);
      }
      // The last-token logits without a sink (prefill's fast path) match too.
      const s = createInferState(packDecoderWeights(c, w), backend, 4);
      const last = prefill(s, createKvCache(c, c.context), ids);
      assert.ok(maxDiff(last, ref.subarray((ids.length - 1) * c.vocabSize)) < 2e-4, `${name}: last logits`);
    }
  });
}

test("learned positions: running past the context is an error; a full KV cache is an error", () => {
  const backend = loadBackend({ kind: "ref" });
  const c = CONFIGS.gpt2!;
  const s = createInferState(packDecoderWeights(c, randomWeights(c, backend, 1)), backend, 4);
  assert.throws(() => prefill(s, createKvCache(c, 64), new Array(c.context + 1).fill(1)), /exceed the model's context of 24/);
  const small = createKvCache(c, 3);
  prefill(s, small, [1, 2, 3]);
  assert.throws(() => decodeStep(s, small, 4), /exceed the KV cache's capacity of 3/);
  assert.throws(() => prefill(s, createKvCache(c, 8), [1, 300]), /token id 300 is outside the vocabulary/);
});

test("a kotodama run directory and Hugging Face folders load to the same logits", (t) => {
  const backend = loadBackend({ kind: "ref" });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-infer-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tok = trainBpe({ texts: ["once upon a time there was a cat. the cat sat on a mat. ".repeat(20)], vocabSize: 270 });
  for (const [name, c] of Object.entries(CONFIGS)) {
    const w = randomWeights(c, backend, 5);
    const ref = decoderReference(c, w);
    // Run directory: config.json {preset, model, train}, model.safetensors (HF layout), tokenizer.json.
    const run = join(dir, `run-${name.replace(/\W+/g, "-")}`);
    rmSync(run, { recursive: true, force: true });
    mkdirSync(run);
    writeFileSync(join(run, "config.json"), JSON.stringify({ preset: "custom", model: c, train: {} }));
    saveWeights(join(run, "model.safetensors"), w);
    saveHfTokenizer(tok, join(run, "tokenizer.json"));
    const loaded = loadModel(run);
    assert.equal(loaded.format, "run");
    assert.ok(maxDiff(inferLogits(c, packWeights(loaded.config, loaded.tensors), backend, 3), ref) < 2e-4, `${name}: run directory`);
  }
  // Hugging Face GPT2LMHeadModel folder (Conv1D weights stored (in, out)).
  const g = CONFIGS.gpt2!;
  const w = randomWeights(g, backend, 7);
  const hf = join(dir, "hf-gpt2");
  writeHfFolder(hf, {
    config: { architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: g.vocabSize, n_embd: g.dim, n_layer: g.nLayers, n_head: g.nHeads, n_positions: g.context, n_inner: g.hiddenDim, layer_norm_epsilon: g.normEps },
    tensors: hfTensors(w),
  });
  const src = openModelSource(hf);
  assert.deepEqual(src.config, g);
  assert.ok(maxDiff(inferLogits(g, packWeights(src.config, src.tensors), backend, 3), decoderReference(g, w)) < 2e-4, "HF GPT-2 folder");
});

test("a GGUF of architecture gpt2 (llama.cpp's tensor names) loads to the decoder's logits", (t) => {
  const backend = loadBackend({ kind: "ref" });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-gguf-gpt2-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = CONFIGS.gpt2!;
  const w = randomWeights(c, backend, 9);
  const rename = (n: string): string =>
    n.replace("transformer.wte.", "token_embd.").replace("transformer.wpe.", "position_embd.").replace("transformer.ln_f.", "output_norm.")
      .replace(/^transformer\.h\.(\d+)\./, "blk.$1.").replace("ln_1.", "attn_norm.").replace("ln_2.", "ffn_norm.").replace("attn.c_attn.", "attn_qkv.")
      .replace("attn.c_proj.", "attn_output.").replace("mlp.c_fc.", "ffn_up.").replace("mlp.c_proj.", "ffn_down.");
  const tensors = namedWeights(w).map((n) => {
    const d = n.tensor.data;
    return { name: rename(n.name), dims: [...n.tensor.shape].reverse(), type: GgmlType.F32, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
  });
  const meta = new Map(archMetadata({
    arch: "gpt2", contextLength: c.context, embeddingLength: c.dim, blockCount: c.nLayers, feedForwardLength: c.hiddenDim, headCount: c.nHeads, layerNormEps: c.normEps,
  }));
  const path = join(dir, "m.gguf");
  writeGgufFile(path, { metadata: meta, tensors });
  const src = openModelSource(path);
  assert.equal(src.config.pos, "learned");
  assert.equal(src.config.tieEmbeddings, true);
  assert.ok(maxDiff(inferLogits(c, packWeights(src.config, src.tensors), backend, 3), decoderReference(c, w)) < 2e-4);
});
