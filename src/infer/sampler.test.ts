// Sampler maths against hand-computed distributions (temperature, top-k, top-p mass, min-p threshold,
// penalties), seeded reproducibility, and the options parser's errors. Not here: model outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_GENERATE_OPTIONS, parseGenerateOptions, type SamplerOptions } from "./options.js";
import { applyPenalties, argmax, Sampler, samplingDistribution, topIds } from "./sampler.js";
import { Rng } from "../util/rng.js";

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const opts = (o: Partial<SamplerOptions>): SamplerOptions => ({ ...DEFAULT_GENERATE_OPTIONS, topK: 0, topP: 1, minP: 0, temperature: 1, ...o });

// logits = log of probabilities 0.5, 0.25, 0.15, 0.1 (in a scrambled order): softmax gives them back exactly.
const P = [0.15, 0.5, 0.1, 0.25];
const logits = Float32Array.from(P, Math.log);

test("temperature 1, no filters: softmax of the logits, ids by decreasing probability", () => {
  const d = samplingDistribution(logits, opts({}));
  assert.deepEqual([...d.ids], [1, 3, 0, 2]);
  [0.5, 0.25, 0.15, 0.1].forEach((p, i) => close(d.probs[i]!, p, 1e-7));
});

test("temperature 2 flattens: p_i ∝ p_i^(1/2)", () => {
  const d = samplingDistribution(logits, opts({ temperature: 2 }));
  const s = [0.5, 0.25, 0.15, 0.1].map(Math.sqrt);
  const z = s.reduce((a, b) => a + b, 0);
  s.forEach((x, i) => close(d.probs[i]!, x / z, 1e-7));
});

test("top-k keeps the k most likely and renormalizes", () => {
  const d = samplingDistribution(logits, opts({ topK: 2 }));
  assert.deepEqual([...d.ids], [1, 3]);
  close(d.probs[0]!, 0.5 / 0.75, 1e-7);
  close(d.probs[1]!, 0.25 / 0.75, 1e-7);
});

test("top-p keeps the smallest prefix whose mass reaches p", () => {
  // 0.5 < 0.7 ≤ 0.75: two tokens.
  let d = samplingDistribution(logits, opts({ topP: 0.7 }));
  assert.deepEqual([...d.ids], [1, 3]);
  close(d.probs[0]! + d.probs[1]!, 1);
  // 0.75 < 0.8 ≤ 0.9: three tokens, renormalized by 0.9.
  d = samplingDistribution(logits, opts({ topP: 0.8 }));
  assert.deepEqual([...d.ids], [1, 3, 0]);
  close(d.probs[2]!, 0.15 / 0.9, 1e-7);
  // p = 0.45: the top token alone reaches it.
  assert.deepEqual([...samplingDistribution(logits, opts({ topP: 0.45 })).ids], [1]);
});

test("min-p drops tokens below min_p × the top probability", () => {
  // threshold 0.29 × 0.5 = 0.145: 0.15 stays, 0.1 goes.
  const d = samplingDistribution(logits, opts({ minP: 0.29 }));
  assert.deepEqual([...d.ids], [1, 3, 0]);
  close(d.probs[0]!, 0.5 / 0.9, 1e-7);
  // threshold 0.31 × 0.5 = 0.155: 0.15 goes too.
  assert.deepEqual([...samplingDistribution(logits, opts({ minP: 0.31 })).ids], [1, 3]);
});

test("penalties: repetition divides positive and multiplies negative logits; frequency and presence subtract", () => {
  const x = Float32Array.from([2, -1, 0.5, 3]);
  applyPenalties(x, [0, 1, 1, 9], opts({ repeatPenalty: 2, repeatLastN: -1 }));
  assert.deepEqual([...x], [1, -2, 0.5, 3]); // token 9 is outside the vocabulary: ignored
  const y = Float32Array.from([2, -1, 0.5, 3]);
  applyPenalties(y, [0, 1, 1], opts({ frequencyPenalty: 0.5, presencePenalty: 0.25, repeatLastN: -1 }));
  assert.deepEqual([...y], [2 - 0.5 - 0.25, -1 - 1 - 0.25, 0.5, 3]);
  // The window: only the last 1 token (id 1) is penalized.
  const z = Float32Array.from([2, -1, 0.5, 3]);
  applyPenalties(z, [0, 1], opts({ repeatPenalty: 2, repeatLastN: 1 }));
  assert.deepEqual([...z], [2, -2, 0.5, 3]);
});

test("greedy is argmax after penalties; sampling with a seed is reproducible and follows the distribution", () => {
  assert.equal(new Sampler(opts({ temperature: 0 }), 4).sample(logits, []), 1);
  assert.equal(new Sampler(opts({ temperature: 0, repeatPenalty: 10 }), 4).sample(logits, [1]), 3);
  assert.equal(argmax([1, 3, 3, 2]), 1);
  const draw = (seed: number, n: number): number[] => {
    const s = new Sampler(opts({ seed }), 4);
    return Array.from({ length: n }, () => s.sample(logits, []));
  };
  assert.deepEqual(draw(7, 50), draw(7, 50));
  assert.notDeepEqual(draw(7, 50), draw(8, 50));
  const counts = [0, 0, 0, 0];
  for (const id of draw(1, 20000)) counts[id]!++;
  P.forEach((p, i) => assert.ok(Math.abs(counts[i]! / 20000 - p) < 0.015, `token ${i}: ${counts[i]! / 20000} vs ${p}`));
});

test("options: defaults, flag and key spellings, and errors naming the option", () => {
  const o = parseGenerateOptions({ "top-k": "5", topP: 0.5, stop: ["\n"], "max-tokens": "10", seed: "3" });
  assert.equal(o.topK, 5);
  assert.equal(o.topP, 0.5);
  assert.equal(o.maxTokens, 10);
  assert.equal(o.seed, 3);
  assert.deepEqual(o.stop, ["\n"]);
  assert.equal(o.temperature, DEFAULT_GENERATE_OPTIONS.temperature);
  assert.deepEqual(parseGenerateOptions(o), o, "a parsed object parses to itself");
  assert.throws(() => parseGenerateOptions({ temprature: 1 }), /unknown option 'temprature'.*temperature/);
  assert.throws(() => parseGenerateOptions({ topP: 1.5 }), /option topP \(--top-p\) expects a number in \[0, 1\], got 1.5/);
  assert.throws(() => parseGenerateOptions({ "top-k": "2.5" }), /topK \(--top-k\) expects an integer/);
  assert.throws(() => parseGenerateOptions({ temperature: "hot" }), /temperature.*"hot"/);
  assert.throws(() => parseGenerateOptions({ stop: [""] }), /stop.*non-empty/);
  assert.throws(() => parseGenerateOptions({ topK: 1, "top-k": 2 }), /given twice/);
});

test("topIds gives the first k ids of a full sort (decreasing logit, ties to the lower id)", () => {
  const rng = new Rng(3);
  for (const V of [1, 7, 100, 5000]) {
    // Logits rounded to a coarse grid: many ties, which the order must break by id.
    const logits = Float32Array.from({ length: V }, () => Math.round(rng.normal() * 4) / 4);
    const full = Int32Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
    for (const k of [1, 2, 5, 40, V - 1, V]) {
      if (k < 1 || k > V) continue;
      assert.deepEqual([...topIds(logits, k)], [...full.subarray(0, k)], `V ${V}, k ${k}`);
    }
  }
});
