// Tests of weight files: a save/load round trip restores every weight exactly; GPT-2's Conv1D weights are
// stored as HF does, (in, out) = our (out, in) transposed; mismatched files are clear errors.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readSafetensors, safetensorsBytes } from "../formats/index.js";
import { Graph } from "../tensor/index.js";
import { createRefBackend } from "../engine/backends/ref/index.js";
import { Rng } from "../util/rng.js";
import { resolveModelConfig } from "./config.js";
import { loadWeights, saveWeights } from "./io.js";
import { initDecoderWeights, namedWeights } from "./weights.js";
import { f32Weight } from "../nn/index.js";

const c = resolveModelConfig("tiny", { vocabSize: 19, dim: 16, nLayers: 2, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 8 });

test("safetensors round trip with HF names and Conv1D layout", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-io-"));
  try {
    const g = new Graph(createRefBackend());
    const w = initDecoderWeights(g, c, new Rng(9));
    const path = join(dir, "model.safetensors");
    saveWeights(path, w);
    const st = readSafetensors(path);
    const cAttn = st.tensors.find((t) => t.name === "transformer.h.1.attn.c_attn.weight");
    assert.ok(cAttn !== undefined);
    assert.deepEqual(cAttn.shape, [16, 48]); // HF Conv1D: (in, out)
    const stored = new Float32Array(safetensorsBytes(st, cAttn).slice().buffer);
    const ours = w.layers[1].attn.qkv.kind === "fused" ? f32Weight(w.layers[1].attn.qkv.qkv).data : new Float32Array(0); // (48, 16)
    assert.equal(stored[3 * 48 + 40], ours[40 * 16 + 3]);
    assert.equal(st.tensors.some((t) => t.name === "lm_head.weight"), false, "tied head is not stored (as HF GPT-2)");
    const back = loadWeights(new Graph(createRefBackend()), c, path);
    const a = namedWeights(w);
    const b = namedWeights(back);
    assert.deepEqual(a.map((n) => n.name), b.map((n) => n.name));
    a.forEach((n, i) => assert.deepEqual(b[i].tensor.data, n.tensor.data, n.name));
    const other = resolveModelConfig("tiny", { vocabSize: 19, dim: 16, nLayers: 3, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 8 });
    assert.throws(() => loadWeights(new Graph(createRefBackend()), other, path), /missing tensor 'transformer.h.2/);
    const wider = { ...c, hiddenDim: 64 };
    assert.throws(() => loadWeights(new Graph(createRefBackend()), wider, path), /c_fc.weight' has shape \[16, 32\], expected \[16, 64\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
