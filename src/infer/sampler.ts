// Choosing the next token from logits: penalties (repetition, frequency, presence), then greedy argmax, or
// temperature → top-k → top-p → min-p → a seeded draw (the order of Hugging Face transformers' warpers;
// llama.cpp applies temperature last). The Rng state lives in the Sampler (llama2.c keeps it there).
// Not here: parsing options (options.ts), the model (forward.ts), log-probabilities for reports (logprobs.ts).
import { nativeTopK } from "../engine/index.js";
import { Rng } from "../util/rng.js";
import type { SamplerOptions } from "./options.js";

/** Applies the penalties in place to logits (V) given the previous tokens (prompt included), as llama.cpp's
 *  penalties sampler does: for each token seen c > 0 times in the window, logit = logit > 0 ? logit/r :
 *  logit·r, then logit −= c·frequency + presence. */
export function applyPenalties(logits: Float32Array, history: ArrayLike<number>, o: SamplerOptions, counts?: Int32Array): void {
  if (o.repeatPenalty === 1 && o.frequencyPenalty === 0 && o.presencePenalty === 0) return;
  const n = o.repeatLastN < 0 ? history.length : Math.min(o.repeatLastN, history.length);
  if (n === 0) return;
  const cnt = counts ?? new Int32Array(logits.length);
  for (let i = history.length - n; i < history.length; i++) {
    const id = history[i]!;
    if (id >= 0 && id < logits.length) cnt[id]!++;
  }
  for (let i = history.length - n; i < history.length; i++) {
    const id = history[i]!;
    const c = cnt[id];
    if (c === undefined || c === 0) continue; // handled already (or out of range)
    let l = logits[id]!;
    l = l > 0 ? l / o.repeatPenalty : l * o.repeatPenalty;
    logits[id] = l - c * o.frequencyPenalty - o.presencePenalty;
    cnt[id] = 0;
  }
}

/** Index of the largest value (the lowest index among ties). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  let bv = x[0]!;
  for (let i = 1; i < x.length; i++) {
    if (x[i]! > bv) {
      bv = x[i]!;
      best = i;
    }
  }
  return best;
}

/** The ids of the k largest logits in decreasing order, ties to the lower id: the first k ids of a full sort, in
 *  O(V log k) with a heap of the k best so far (a full sort of a 32k–150k vocabulary per token dominated batched
 *  rollouts). */
export function topIds(logits: ArrayLike<number>, k: number): Int32Array {
  const V = logits.length;
  // a ranks below b: smaller logit, or the same logit and a larger id.
  const below = (a: number, b: number): boolean => logits[a]! < logits[b]! || (logits[a] === logits[b] && a > b);
  const heap = new Int32Array(k); // min-heap under `below`: heap[0] is the worst kept
  let size = 0;
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < size && below(heap[l]!, heap[m]!)) m = l;
      if (r < size && below(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  // Once the heap is full, an id enters only above the worst kept logit: ids come in increasing order, so a tie
  // never enters (it ranks below every kept id), and neither does NaN (below() is false for it). This one
  // comparison rejects almost every id of a vocabulary (≈ 5× faster at V = 4096, k = 40).
  let worst = -Infinity;
  for (let id = 0; id < V; id++) {
    if (size === k && !(logits[id]! > worst)) continue;
    if (size < k) {
      let i = size++;
      heap[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!below(heap[i]!, heap[p]!)) break;
        const t = heap[i]!;
        heap[i] = heap[p]!;
        heap[p] = t;
        i = p;
      }
    } else if (k > 0 && below(heap[0]!, id)) {
      heap[0] = id;
      siftDown(0);
    }
    if (size === k && k > 0) worst = logits[heap[0]!]!;
  }
  return heap.sort((a, b) => logits[b]! - logits[a]! || a - b);
}

/** Picks the ids of the k largest logits in decreasing order, ties to the lower id (topIds' contract), into
 *  `into` (length ≥ k, ids in [0, k)) or, where it declines, into a new array that it returns. */
export type TopSelect = (logits: Float32Array, k: number, into: Int32Array) => Int32Array;

/** topIds through the native addon's selection kernel (native/generic/topk.c: the same comparisons, so the same
 *  ids in the same order, ~5 µs a row at V = 4096 instead of ~20), falling back to topIds for a row with a NaN;
 *  null where the addon is unavailable (or KOTODAMA_BACKEND=ref). */
export function nativeTopSelect(): TopSelect | null {
  const kernel = nativeTopK();
  if (kernel === null) return null;
  return (logits, k, into) => (kernel(logits, k, into) === k ? into : topIds(logits, k));
}

/** Temperature, top-p, min-p and renormalization over candidates ids[0, m) in decreasing logit order: writes
 *  their probabilities (float64) into p[0, n) and returns n, the kept prefix of ids. */
function filterInto(logits: ArrayLike<number>, ids: Int32Array, m: number, o: Pick<SamplerOptions, "temperature" | "topP" | "minP">, p: Float64Array): number {
  let n = m;
  const max = logits[ids[0]!]! / o.temperature;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(logits[ids[i]!]! / o.temperature - max);
    sum += p[i]!;
  }
  for (let i = 0; i < n; i++) p[i]! /= sum;
  if (o.topP < 1) {
    let mass = 0;
    let keep = n;
    for (let i = 0; i < n; i++) {
      mass += p[i]!;
      if (mass >= o.topP) {
        keep = i + 1;
        break;
      }
    }
    n = keep;
  }
  if (o.minP > 0) {
    const threshold = o.minP * p[0]!;
    let keep = 1;
    while (keep < n && p[keep]! >= threshold) keep++;
    n = keep;
  }
  let kept = 0;
  for (let i = 0; i < n; i++) kept += p[i]!;
  for (let i = 0; i < n; i++) p[i] = p[i]! / kept;
  return n;
}

/** Whether top-k selects candidates (k < V/4) rather than a full sort of the vocabulary; k = min(topK, V). */
const selects = (topK: number, V: number): boolean => topK > 0 && Math.min(topK, V) < V / 4;

/** The distribution a non-greedy sampler draws from, after temperature, top-k, top-p and min-p (in that
 *  order), renormalized: candidate ids in decreasing probability and their probabilities (float64). */
export function samplingDistribution(
  logits: ArrayLike<number>,
  o: Pick<SamplerOptions, "temperature" | "topK" | "topP" | "minP">,
  select: TopSelect | null = null,
): { ids: Int32Array; probs: Float64Array } {
  const V = logits.length;
  if (!(o.temperature > 0)) throw new RangeError("samplingDistribution: temperature must be > 0 (0 is greedy)");
  const m = o.topK > 0 ? Math.min(o.topK, V) : V;
  const ids = !selects(o.topK, V)
    ? Int32Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b)
    : select !== null && logits instanceof Float32Array ? select(logits, m, new Int32Array(m)) : topIds(logits, m);
  const p = new Float64Array(m);
  const n = filterInto(logits, ids, m, o, p);
  return { ids: ids.slice(0, n), probs: p.slice(0, n) };
}

/** A sampler with its own Rng and scratch; sample() is deterministic given the seed and the inputs. `select` is
 *  the top-k selection (default: the native kernel where the addon loads, else topIds; both give the same ids). */
export class Sampler {
  readonly rng: Rng;
  private readonly work: Float32Array;
  private readonly counts: Int32Array;
  private ids = new Int32Array(0); // top-k candidates (scratch)
  private probs = new Float64Array(0); // their probabilities (scratch)

  constructor(
    readonly options: SamplerOptions,
    vocabSize: number,
    private readonly select: TopSelect | null = nativeTopSelect(),
  ) {
    this.rng = new Rng(options.seed);
    this.work = new Float32Array(vocabSize);
    this.counts = new Int32Array(vocabSize);
  }

  /** The next token for these logits (not modified) after `history` (all previous tokens, prompt included). */
  sample(logits: Float32Array, history: ArrayLike<number>): number {
    const o = this.options;
    const x = this.work;
    x.set(logits);
    applyPenalties(x, history, o, this.counts);
    if (o.temperature === 0) return argmax(x);
    let ids: Int32Array, probs: Float64Array, n: number;
    if (this.select !== null && selects(o.topK, x.length)) {
      // samplingDistribution's steps over this sampler's scratch (a typed array costs ~1 µs to allocate; three per
      // token were a third of the sampling time at V = 4096).
      if (!(o.temperature > 0)) throw new RangeError("samplingDistribution: temperature must be > 0 (0 is greedy)");
      const m = Math.min(o.topK, x.length);
      if (this.ids.length < m) this.ids = new Int32Array(m);
      if (this.probs.length < m) this.probs = new Float64Array(m);
      ids = this.select(x, m, this.ids);
      probs = this.probs;
      n = filterInto(x, ids, m, o, probs);
    } else {
      ({ ids, probs } = samplingDistribution(x, o, this.select));
      n = probs.length;
    }
    const u = this.rng.next();
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += probs[i]!;
      if (u < acc) return ids[i]!;
    }
    return ids[n - 1]!;
  }
}
