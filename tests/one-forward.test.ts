// The training forward (models/decoder.ts, on the autograd tape) and the inference forward (infer/forward.ts, on
// the KV cache) compute the same model for every family: each family's llama.cpp-checked fixture
// (tests/fixtures/families.ts) loaded into both gives the same logits at every position, and a gradient flows to
// every weight. Not here: agreement with llama.cpp (families.test.ts), finite-difference gradients (decoder.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { createInferState, createKvCache, openInferModel, prefill } from "../src/infer/index.js";
import { decoderLogits, decoderLoss } from "../src/models/decoder.js";
import type { FamilyName } from "../src/models/families/index.js";
import { decoderWeightsFrom, loadModel } from "../src/models/load.js";
import { namedWeights } from "../src/models/weights.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-one-forward-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const T = 32;
const IDS = Int32Array.from({ length: T }, (_, i) => (i * 41 + 3) % 400);

for (const name of ["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "gpt2"] as FamilyName[]) {
  test(`${name}: the training forward and the inference forward give the same logits`, () => {
    const fx = writeFixture(dir, name, "f32");
    const backend = loadBackend();
    const inf = openInferModel(fx.path, { backend });
    const V = inf.config.vocabSize;
    const want = new Float32Array(T * V);
    prefill(createInferState(inf.weights, backend), createKvCache(inf.config, 64), IDS, (p, l) => want.set(l, p * V));
    const loaded = loadModel(fx.path);
    const w = decoderWeightsFrom(loaded.config, loaded.tensors, fx.path);
    // decoder weights live on the ref graph they were made on; run them through the chosen backend's graph
    const got = decoderLogits(loaded.config, w, IDS, 1, T).data;
    let worst = 0;
    for (let t = 0; t < T; t++) {
      let max = 0, d = 0;
      for (let i = 0; i < V; i++) {
        max = Math.max(max, Math.abs(want[t * V + i]!));
        d = Math.max(d, Math.abs(got[t * V + i]! - want[t * V + i]!));
      }
      worst = Math.max(worst, d / max);
    }
    assert.ok(worst < 1e-4, `${name}: training vs inference logits differ by ${worst.toExponential(2)} relative`);
    const loss = decoderLoss(loaded.config, w, IDS.subarray(0, T - 1), IDS.subarray(1), 1, T - 1);
    loss.graph.backward(loss);
    for (const n of namedWeights(w)) {
      const g = n.tensor.grad;
      assert.ok(g !== null && g.some((v) => v !== 0), `${name}: ${n.name} gets a gradient`);
    }
  });
}
