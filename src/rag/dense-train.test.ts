// The bi-encoder's InfoNCE objective against an independent computation: each text embedded alone, unpadded,
// through the inference path (infer/embed.ts, mean pooling), then the symmetric in-batch InfoNCE computed by hand
// in float64 — so the padding mask, the pooling matrix and the loss all have to be right. Also the inverse cloze
// pairs and the batch layout. Not here: retrieval quality of a trained model (bench/rag-dense.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../engine/backend.js";
import { embedText } from "../infer/embed.js";
import type { InferModel } from "../infer/model.js";
import { packDecoderWeights } from "../infer/weights.js";
import { NEUTRAL_FLAGS, validateModelConfig } from "../models/config.js";
import { initDecoderWeights } from "../models/weights.js";
import { Graph } from "../tensor/index.js";
import { trainBpe } from "../tokenizer/index.js";
import { IGNORE_INDEX } from "../train/data.js";
import { Rng } from "../util/rng.js";
import { infoNceObjective, inverseClozePairs, pairBatchSource, type TextPair } from "./dense-train.js";

const c = validateModelConfig({ vocabSize: 300, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 48, context: 64, normEps: 1e-5, ropeTheta: 10000, ...NEUTRAL_FLAGS, norm: "rms", pos: "rope", ropePairing: "adjacent", mlp: "swiglu", bias: false, tieEmbeddings: false });

test("InfoNCE objective equals the hand-computed loss over embedText's vectors", () => {
  const backend = loadBackend();
  const g = new Graph(backend);
  const w = initDecoderWeights(g, c, new Rng(9));
  const tok = trainBpe({ texts: ["the cat sat on the mat. a dog ran in the park. 猫が座った。犬が走った。"], vocabSize: 290 });
  const pairs: TextPair[] = [
    { query: "the cat", passage: "the cat sat on the mat.", source: "t" },
    { query: "a dog ran", passage: "a dog ran in the park, fast and far away.", source: "t" },
    { query: "猫", passage: "猫が座った。", source: "t" },
  ];
  const B = pairs.length, T = 24, tau = 0.1;
  const src = pairBatchSource(tok, pairs, [], T, 8, 1);
  const b = src.valBatch(0, B);
  // Row layout: queries then passages; the mask is 1 on real tokens.
  const realQ0 = tok.encode("the cat").length;
  assert.equal(b.targets[realQ0 - 1], 1);
  assert.equal(b.targets[realQ0], IGNORE_INDEX);
  const obj = infoNceObjective(tau);
  const loss = obj.loss(c, w, b, B, T).item();
  const model: InferModel = { path: "t", config: c, weights: packDecoderWeights(c, w), tokenizer: tok, backend, notes: [] };
  const q = pairs.map((p) => embedText(model, tok.encode(p.query).slice(0, 8)).vector);
  const d = pairs.map((p) => embedText(model, tok.encode(p.passage).slice(0, T)).vector);
  const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, v, i) => s + v * y[i]!, 0);
  const ce = (rows: number[][]): number => rows.reduce((s, r, i) => s - (r[i]! - Math.log(r.reduce((t, v) => t + Math.exp(v), 0))), 0) / rows.length;
  const L = q.map((qi) => d.map((dj) => dot(qi, dj) / tau));
  const Lt = d.map((di) => q.map((qj) => dot(di, qj) / tau));
  const want = 0.5 * (ce(L) + ce(Lt));
  assert.ok(Math.abs(loss - want) < 1e-3, `${loss} vs ${want}`);
  const acc = L.filter((r, i) => r.every((v, j) => j === i || v < r[i]!)).length / B;
  assert.equal(obj.stats?.().accuracy, acc);
});

test("inverse cloze pairs: one sentence of a ≥ 3-sentence paragraph, removed from the passage or kept", () => {
  const paras = ["一つ目の文です。二つ目の文です。三つ目の文です。", "短い。"];
  const removed = inverseClozePairs(paras, "x", new Rng(1), 1);
  assert.equal(removed.length, 1);
  const p = removed[0]!;
  assert.ok(paras[0]!.includes(p.query) && !p.passage.includes(p.query) && p.passage.length + p.query.length === paras[0]!.length);
  const kept = inverseClozePairs(paras, "x", new Rng(1), 0)[0]!;
  assert.equal(kept.passage, paras[0]);
});
