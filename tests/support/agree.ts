// What the llama.cpp comparisons measure, in one place: kotodama's logits at every position and its greedy ids
// for a model, and the largest |Δlogit| relative to the largest |logit| of each position. Not here: llama.cpp's
// side (llamacpp.ts) or what tolerance a test allows.
import { argmax } from "../../src/infer/sampler.js";
import { createInferState, createKvCache, decodeStep, prefill, type InferModel } from "../../src/infer/index.js";

/** Logits (V) after every position of ids, from one prefill. */
export function ourLogits(m: InferModel, ids: readonly number[]): Float32Array[] {
  const out: Float32Array[] = [];
  prefill(createInferState(m.weights, m.backend), createKvCache(m.config, ids.length), ids, (_, l) => out.push(l.slice()));
  return out;
}

/** n greedy ids after the prompt (prefill, then one decode step per id). */
export function ourGreedy(m: InferModel, prompt: readonly number[], n: number): number[] {
  const cache = createKvCache(m.config, prompt.length + n);
  const s = createInferState(m.weights, m.backend);
  let logits = prefill(s, cache, prompt);
  const got: number[] = [];
  for (let i = 0; i < n; i++) {
    got.push(argmax(logits));
    if (i + 1 < n) logits = decodeStep(s, cache, got[i]!);
  }
  return got;
}

/** max over positions of max_i |a_i − b_i| / max_i |b_i| (b is the reference). */
export function maxRelativeDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} positions vs ${b.length}`);
  let worst = 0;
  a.forEach((row, t) => {
    const r = b[t]!;
    let max = 0, d = 0;
    for (let i = 0; i < r.length; i++) {
      max = Math.max(max, Math.abs(r[i]!));
      d = Math.max(d, Math.abs(row[i]! - r[i]!));
    }
    worst = Math.max(worst, d / max);
  });
  return worst;
}

/** Positions where the reference's top-2 margin exceeds `margin` (in units of that position's max |logit|) and
 *  the two argmaxes differ. A greedy path compared token for token is only meaningful where numerical differences
 *  cannot flip a decision; this is the check for pairs known to differ by more than summation noise. */
export function decisiveArgmaxMismatches(a: readonly Float32Array[], ref: readonly Float32Array[], margin: number): number[] {
  const out: number[] = [];
  ref.forEach((r, t) => {
    let b1 = 0, b2 = -1, max = 0;
    for (let i = 0; i < r.length; i++) {
      max = Math.max(max, Math.abs(r[i]!));
      if (r[i]! > r[b1]!) [b2, b1] = [b1, i];
      else if (i !== b1 && (b2 < 0 || r[i]! > r[b2]!)) b2 = i;
    }
    if (b2 >= 0 && r[b1]! - r[b2]! > margin * max && argmax(a[t]!) !== b1) out.push(t);
  });
  return out;
}
