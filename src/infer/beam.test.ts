// Beam search against independent references: an exhaustive search over every sequence on a tiny random model
// (B = V^L must find the global optimum), greedy decoding (B = 1 must equal it), and re-scoring the returned ids
// token by token with decodeStep. Not here: lexical constraints (lexical.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../engine/backend.js";
import { NEUTRAL_FLAGS, validateModelConfig } from "../models/config.js";
import { loadModel } from "../models/load.js";
import { initDecoderWeights } from "../models/weights.js";
import { Graph } from "../tensor/index.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip } from "../util/paths.js";
import { beamSearch, beamSearchText, parseBeamOptions, type BeamModel } from "./beam.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { generateText } from "./generate.js";
import { createKvCache } from "./kv-cache.js";
import { createInferModel, type InferModel } from "./model.js";
import { packDecoderWeights } from "./weights.js";

const backend = loadBackend({ threads: 1 });

/** A random 2-layer model with a vocabulary of V tokens (embeddings scaled so that greedy is not always optimal). */
function tinyModel(V: number, seed: number): BeamModel {
  const config = validateModelConfig({ vocabSize: V, dim: 16, nLayers: 2, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 16, normEps: 1e-5, ropeTheta: 10000, ...NEUTRAL_FLAGS, norm: "rms", pos: "rope", ropePairing: "adjacent", mlp: "swiglu", bias: false, tieEmbeddings: true });
  const w = initDecoderWeights(new Graph(backend), config, new Rng(seed));
  const emb = w.tokEmb.data;
  for (let i = 0; i < emb.length; i++) emb[i]! *= 4;
  return { config, weights: packDecoderWeights(config, w), backend };
}

/** log p(seq | prompt), one decodeStep at a time (float64 log-softmax): the independent scorer. */
function logprobOf(m: BeamModel, prompt: readonly number[], seq: readonly number[]): number {
  const s = createInferState(m.weights, m.backend, 16);
  const cache = createKvCache(m.config, prompt.length + seq.length + 1);
  let logits = prefill(s, cache, prompt);
  let total = 0;
  for (const id of seq) {
    let mx = -Infinity;
    for (const x of logits) mx = Math.max(mx, x);
    let z = 0;
    for (const x of logits) z += Math.exp(x - mx);
    total += logits[id]! - mx - Math.log(z);
    logits = decodeStep(s, cache, id);
  }
  return total;
}

test("B = V^L beams find the global optimum of every V^L sequence (exhaustive search, tiny random model)", () => {
  const V = 6, L = 3, prompt = [1, 4, 2];
  let greedyMissed = 0;
  for (const seed of [3, 4, 5, 6]) {
    const m = tinyModel(V, seed);
    let best = -Infinity, bestSeq: number[] = [];
    for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) for (let c = 0; c < V; c++) {
      const lp = logprobOf(m, prompt, [a, b, c]);
      if (lp > best) [best, bestSeq] = [lp, [a, b, c]];
    }
    const r = beamSearch(m, prompt, { beams: V ** L, maxTokens: L, alpha: 0 });
    assert.deepEqual(r.hypotheses[0]!.ids, bestSeq, `seed ${seed}`);
    assert.ok(Math.abs(r.hypotheses[0]!.logprob - best) < 1e-4, `seed ${seed}: ${r.hypotheses[0]!.logprob} vs ${best}`);
    // Greedy (B = 1) is a lower bound, strictly below the optimum for some seed (else this test could not fail).
    const g = beamSearch(m, prompt, { beams: 1, maxTokens: L, alpha: 0 });
    assert.ok(g.hypotheses[0]!.logprob <= best + 1e-6);
    if (g.hypotheses[0]!.logprob < best - 1e-3) greedyMissed++;
  }
  assert.ok(greedyMissed > 0, "greedy found the optimum every time: the test would not tell beam search from greedy");
});

test("n-best: distinct hypotheses, sorted by score, each score its re-computed log-probability", () => {
  const m = tinyModel(8, 7), prompt = [2, 5];
  const r = beamSearch(m, prompt, { beams: 5, maxTokens: 4, alpha: 0, nBest: 5 });
  assert.equal(r.hypotheses.length, 5);
  assert.equal(new Set(r.hypotheses.map((h) => h.ids.join(","))).size, 5);
  for (let i = 0; i < 5; i++) {
    const h = r.hypotheses[i]!;
    assert.ok(Math.abs(h.logprob - logprobOf(m, prompt, h.ids)) < 1e-4);
    if (i > 0) assert.ok(h.score <= r.hypotheses[i - 1]!.score);
  }
  // Length normalisation: score = logprob / length^alpha.
  const a = beamSearch(m, prompt, { beams: 3, maxTokens: 4, alpha: 0.7 }).hypotheses[0]!;
  assert.ok(Math.abs(a.score - a.logprob / a.ids.length ** 0.7) < 1e-9);
});

test("end tokens finish hypotheses; B = 1 equals greedy decoding with its EOS stop", () => {
  const m = tinyModel(8, 11), prompt = [3];
  for (const end of [0, 1, 2, 5]) {
    // Greedy reference: argmax per step until the end token or 10 tokens.
    const s = createInferState(m.weights, backend, 4), cache = createKvCache(m.config, 16);
    let logits = prefill(s, cache, prompt);
    const greedy: number[] = [];
    for (let t = 0; t < 10; t++) {
      let id = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[id]!) id = i;
      if (id === end) break;
      greedy.push(id);
      logits = decodeStep(s, cache, id);
    }
    const r = beamSearch(m, prompt, { beams: 1, maxTokens: 10 }, new Set([end]));
    assert.deepEqual(r.hypotheses[0]!.ids, greedy, `end ${end}`);
    assert.equal(r.hypotheses[0]!.finishReason, greedy.length < 10 ? "eos" : "length");
  }
});

test("options: unknown keys and bad values are errors naming the key", () => {
  assert.throws(() => parseBeamOptions({ beam: 4 }), /'beam' is not a known key/);
  assert.throws(() => parseBeamOptions({ beams: 0 }), /'beams' must be an integer/);
  assert.throws(() => parseBeamOptions({ beams: 2, nBest: 3 }), /'nBest' must be an integer in \[1, beams = 2\]/);
  assert.throws(() => parseBeamOptions({ alpha: -1 }), /'alpha' must be in/);
});

let stories: InferModel | null = null;
const storiesModel = (dir: string): InferModel => (stories ??= createInferModel(loadModel(`${dir}/stories260K.gguf`), backend));

test("stories260K: B = 1 gives generate's greedy text; B = 4 finds a log-probability ≥ greedy's", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = storiesModel(dir);
  for (const prompt of ["Once upon a time", "The cat", "Lily wanted to"]) {
    const g = await generateText(m, prompt, { temperature: 0, maxTokens: 40 });
    const b1 = beamSearchText(m, prompt, { beams: 1, maxTokens: 40 });
    assert.deepEqual(b1.hypotheses[0]!.ids, g.ids, prompt);
    assert.equal(b1.text, g.text);
    // Fixed length (no end token): beam search maximises the log-probability of 24 tokens.
    const ids = m.tokenizer.encode(prompt);
    const gr = beamSearch(m, ids, { beams: 1, maxTokens: 24, alpha: 0 });
    const b4 = beamSearch(m, ids, { beams: 4, maxTokens: 24, alpha: 0 });
    const lg = logprobOf(m, ids, gr.hypotheses[0]!.ids), l4 = logprobOf(m, ids, b4.hypotheses[0]!.ids);
    assert.ok(l4 >= lg - 1e-4, `${prompt}: beam ${l4} < greedy ${lg}`);
    assert.ok(Math.abs(l4 - b4.hypotheses[0]!.logprob) < 1e-3);
  }
});
