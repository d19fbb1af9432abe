// A GPT-2-style model made here (run directory: LayerNorm with bias, learned positions, GELU MLP, fused c_attn)
// → GGUF `gpt2` and → GPT2LMHeadModel folder, and back, through `convertModel`, loaded again by infer: the run's
// logits bit for bit; the folder's tensors equal the run's own safetensors (written by models/io.ts, Conv1D
// (in, out)) byte for byte; --type q8_0/f16 keep norms, biases and position_embd F32. Not here: Llama round trips
// (convert-roundtrip.test.ts), llama.cpp's own files (src/formats/convert.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { convertModel } from "../src/formats/convert.js";
import { checkLlamaCppMetadata } from "../src/formats/gguf/conventions.js";
import { ggmlTypeByName } from "../src/formats/gguf/ggml-types.js";
import { readGguf, tensorBytes } from "../src/formats/gguf/read.js";
import { quantize } from "../src/formats/quant/index.js";
import { readSafetensors, safetensorsBytes } from "../src/formats/safetensors/read.js";
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

/** A run directory (models/load.ts RUN_FILES) with the tiny preset's GPT-2 flags, random weights of order 1. */
function makeRun(dir: string, tied: boolean): ModelConfig {
  const config: ModelConfig = { ...MODEL_PRESETS.tiny, vocabSize: 300, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, hiddenDim: 96, context: 32, tieEmbeddings: tied };
  const rng = new Rng(tied ? 3 : 4);
  const w = initDecoderWeights(new Graph(createRefBackend()), config, rng);
  for (const n of namedWeights(w)) rng.fillNormal(n.tensor.data, n.tensor.shape.length === 1 && n.name.endsWith(".weight") ? 1 : 0, 0.3);
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
function logitsOf(path: string): Float32Array {
  const m = openInferModel(path, { backend });
  const V = m.config.vocabSize;
  const all = new Float32Array(IDS.length * V);
  prefill(createInferState(m.weights, m.backend), createKvCache(m.config, 32), IDS, (pos, logits) => all.set(logits, pos * V));
  return all;
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Every tensor of two safetensors files (name, dtype, shape, bytes) is the same. */
function sameSafetensors(a: string, b: string): void {
  const [x, y] = [readSafetensors(a), readSafetensors(b)];
  assert.deepEqual(x.tensors.map((t) => t.name).sort(), y.tensors.map((t) => t.name).sort());
  for (const tx of x.tensors) {
    const ty = y.tensors.find((t) => t.name === tx.name)!;
    assert.equal(ty.dtype, tx.dtype, tx.name);
    assert.deepEqual(ty.shape, tx.shape, tx.name);
    assert.ok(Buffer.from(safetensorsBytes(x, tx)).equals(Buffer.from(safetensorsBytes(y, ty))), `${tx.name} bytes`);
  }
}

function sameGgufTensors(a: string, b: string): void {
  const [x, y] = [readGguf(a), readGguf(b)];
  assert.deepEqual(y.tensors.map((t) => t.name), x.tensors.map((t) => t.name));
  for (const tx of x.tensors) {
    const ty = y.tensors.find((t) => t.name === tx.name)!;
    assert.deepEqual([ty.typeName, ...ty.dims], [tx.typeName, ...tx.dims], tx.name);
    assert.ok(Buffer.from(tensorBytes(x, tx)).equals(Buffer.from(tensorBytes(y, ty))), `${tx.name} bytes`);
  }
}

for (const tied of [true, false]) {
  test(`GPT-2 run directory (${tied ? "tied" : "untied"} head) → GGUF gpt2 / GPT2LMHeadModel folder → back: the same logits`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), "kd-gpt2-"));
    try {
      const run = join(dir, "run");
      mkdirSync(run);
      const cfg = makeRun(run, tied);
      const ref = logitsOf(run);

      // → GGUF: llama.cpp's gpt2 names, metadata and (out, in) matrices.
      const gguf = join(dir, "m.gguf");
      const r1 = convertModel(run, gguf);
      assert.equal(r1.arch, "gpt2");
      assert.ok(!r1.notes.some((n) => n.startsWith("llama.cpp metadata check")), r1.notes.join("; "));
      const g = readGguf(gguf);
      assert.equal(g.metadata.get("general.architecture")?.value, "gpt2");
      const u32 = (k: string): unknown => { const v = g.metadata.get(k); assert.equal(v?.type, "uint32", k); return v!.value; };
      assert.deepEqual(
        ["context_length", "embedding_length", "feed_forward_length", "block_count", "attention.head_count"].map((k) => u32(`gpt2.${k}`)),
        [cfg.context, cfg.dim, cfg.hiddenDim, cfg.nLayers, cfg.nHeads],
      );
      assert.equal(g.metadata.get("gpt2.attention.layer_norm_epsilon")?.type, "float32");
      assert.equal(g.metadata.get("gpt2.attention.layer_norm_epsilon")?.value, Math.fround(cfg.normEps));
      assert.equal(g.metadata.get("tokenizer.ggml.model")?.value, "gpt2");
      assert.deepEqual(checkLlamaCppMetadata(g.metadata), []);
      const names = g.tensors.map((x) => x.name);
      assert.deepEqual(names.slice(0, 6), ["token_embd.weight", "position_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_norm.bias", "blk.0.attn_qkv.weight", "blk.0.attn_qkv.bias"]);
      assert.equal(names.includes("output.weight"), !tied, "output.weight only when the head is not tied");
      assert.equal(names.length, 2 + 12 * cfg.nLayers + 2 + (tied ? 0 : 1));
      const qkv = g.tensors.find((x) => x.name === "blk.0.attn_qkv.weight")!;
      assert.deepEqual(qkv.dims, [cfg.dim, 3 * cfg.dim], "ne = (C, 3C): rows q;k;v of length C");
      assert.deepEqual(g.tensors.find((x) => x.name === "blk.1.ffn_down.weight")!.dims, [cfg.hiddenDim, cfg.dim]);
      assert.deepEqual(logitsOf(gguf), ref, "GGUF gives the run's logits bit for bit");

      // → Hugging Face folder: transformers' GPT-2 config and the run's own tensors (Conv1D (in, out)).
      const hf = join(dir, "hf");
      convertModel(run, hf);
      const config = JSON.parse(readFileSync(join(hf, "config.json"), "utf8")) as Record<string, unknown>;
      assert.deepEqual(
        [config.model_type, config.architectures, config.vocab_size, config.n_embd, config.n_layer, config.n_head, config.n_positions, config.n_ctx, config.n_inner, config.layer_norm_epsilon, config.activation_function, config.tie_word_embeddings],
        ["gpt2", ["GPT2LMHeadModel"], cfg.vocabSize, cfg.dim, cfg.nLayers, cfg.nHeads, cfg.context, cfg.context, cfg.hiddenDim, cfg.normEps, "gelu_new", tied],
      );
      readFileSync(join(hf, "generation_config.json"));
      assert.equal(readFileSync(join(hf, "tokenizer.json"), "utf8"), readFileSync(join(run, "tokenizer.json"), "utf8"));
      sameSafetensors(join(hf, "model.safetensors"), join(run, "model.safetensors"));
      assert.deepEqual(logitsOf(hf), ref, "folder gives the run's logits bit for bit");

      // Back: folder → GGUF gives the first GGUF's tensors; GGUF → folder gives the run's tensors.
      const back = join(dir, "back.gguf");
      convertModel(hf, back);
      sameGgufTensors(gguf, back);
      assert.deepEqual(logitsOf(back), ref);
      const hf2 = join(dir, "hf2");
      convertModel(gguf, hf2);
      sameSafetensors(join(hf2, "model.safetensors"), join(run, "model.safetensors"));
      assert.deepEqual(logitsOf(hf2), ref);

      // --type: matrices converted, norms/biases/position_embd F32; logits close to the run's.
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const type of ["f16", "q8_0", "q4_0"] as const) {
        const q = join(dir, `m-${type}.gguf`);
        convertModel(run, q, { type });
        const qf = readGguf(q);
        for (const x of qf.tensors) {
          const keep = x.dims.length === 1 || x.name === "position_embd.weight";
          assert.equal(x.typeName, keep ? "F32" : type.toUpperCase(), x.name);
          // Each tensor is the F32 GGUF's tensor (same (out, in) layout) converted by ggml's quantizer.
          const f = g.tensors.find((y) => y.name === x.name)!;
          const want = quantize(ggmlTypeByName(x.typeName)!.id, new Float32Array(tensorBytes(g, f).slice().buffer));
          assert.ok(Buffer.from(tensorBytes(qf, x)).equals(Buffer.from(want)), `${type} ${x.name} bytes`);
        }
        // Quantized decoding (activations quantized too, as llama.cpp does) stays near the F32 logits.
        const d = maxDiff(logitsOf(q), ref);
        t.diagnostic(`--type ${type}: max |Δlogit| ${d.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
        assert.ok(d > 0 && d < { f16: 0.005, q8_0: 0.08, q4_0: 0.6 }[type] * scale, `${type}: ${d}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
