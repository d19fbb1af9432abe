// embedText's mean and last-token pooling against the training decoder's final hidden states (models/decoder.ts
// decoderHidden, an independent composition of tensor ops), pooled and normalised here by hand, for inputs longer
// than one prefill chunk (128) so that chunked prefill is covered. Not here: the server's /v1/embeddings (server tests).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../engine/backend.js";
import { NEUTRAL_FLAGS, validateModelConfig } from "../models/config.js";
import { decoderHidden } from "../models/decoder.js";
import { initDecoderWeights } from "../models/weights.js";
import { Graph } from "../tensor/index.js";
import { trainBpe } from "../tokenizer/index.js";
import { Rng } from "../util/rng.js";
import { embedText } from "./embed.js";
import type { InferModel } from "./model.js";
import { packDecoderWeights } from "./weights.js";

const c = validateModelConfig({ vocabSize: 300, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 48, context: 200, normEps: 1e-5, ropeTheta: 10000, ...NEUTRAL_FLAGS, norm: "rms", pos: "rope", ropePairing: "adjacent", mlp: "swiglu", bias: false, tieEmbeddings: false });

test("embedText: mean and last pooling equal the decoder's final hidden states pooled by hand", () => {
  const backend = loadBackend();
  const g = new Graph(backend);
  const w = initDecoderWeights(g, c, new Rng(5));
  const rng = new Rng(6);
  for (const l of w.layers) for (let i = 0; i < l.attnNorm.weight.data.length; i++) l.attnNorm.weight.data[i] = 1 + 0.3 * rng.normal();
  const model: InferModel = { path: "test", config: c, weights: packDecoderWeights(c, w), tokenizer: trainBpe({ texts: ["abc abd"], vocabSize: 270 }), backend, notes: [] };
  const ids = Array.from({ length: 150 }, (_, i) => (i * 37 + 11) % 300);
  const h = decoderHidden(c, w, Int32Array.from(ids), 1, ids.length).data; // (T, C)
  const C = c.dim, T = ids.length;
  const unit = (v: number[]): number[] => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const mean = unit(Array.from({ length: C }, (_, i) => { let s = 0; for (let t = 0; t < T; t++) s += h[t * C + i]!; return s / T; }));
  const last = unit(Array.from({ length: C }, (_, i) => h[(T - 1) * C + i]!));
  const got = { mean: embedText(model, ids).vector, last: embedText(model, ids, { pooling: "last" }).vector };
  for (let i = 0; i < C; i++) {
    assert.ok(Math.abs(got.mean[i]! - mean[i]!) < 1e-4, `mean[${i}] ${got.mean[i]} vs ${mean[i]}`);
    assert.ok(Math.abs(got.last[i]! - last[i]!) < 1e-4, `last[${i}] ${got.last[i]} vs ${last[i]}`);
  }
  // The two poolings differ (the test would not see a pooling that ignored its option).
  assert.ok(Math.abs(mean[0]! - last[0]!) + Math.abs(mean[1]! - last[1]!) > 1e-3);
  assert.throws(() => embedText(model, ids, { pooling: "cls" as "mean" }), /pooling must be one of mean, last/);
});
