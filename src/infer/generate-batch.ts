// Batched generation for rollouts (RL from a reward model: PPO, GRPO): many prompts → completions, decoded
// together so that every weight matrix is read once per step for all sequences (forward.ts decodeBatch). Each
// sequence has its own KV cache (slots.ts), sampler and seed, stop strings, EOS and max tokens, so its ids do not
// depend on which other sequences share its batch; up to `batch` run at once and waiting prompts join as others
// finish. Returns per-token log-probabilities of the sampled ids beside them.
// Not here: the forward (forward.ts), sampling maths (sampler.ts), streaming one sequence (generate.ts).
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import { createInferState, decodeBatch, prefillBatch } from "./forward.js";
import { promptIds, type FinishReason } from "./generate.js";
import type { KvCache } from "./kv-cache.js";
import { kvDim } from "../models/config.js";
import type { InferModel } from "./model.js";
import { parseGenerateOptions, type GenerateOptions } from "./options.js";
import { Sampler } from "./sampler.js";
import { KvCachePool } from "./slots.js";
import { StopText } from "./stop-text.js";

export interface BatchSequence {
  readonly promptIds: readonly number[];
  readonly ids: readonly number[];
  /** log p(ids[i]) under the model's distribution (log-softmax of the raw logits, before penalties and
   *  temperature), as generate reports it (computed in f32 by the engine: within ~1e-6 of generate's float64). */
  readonly logprobs: readonly number[];
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly options: GenerateOptions;
}

export interface BatchResult {
  readonly sequences: readonly BatchSequence[];
  readonly warnings: readonly string[];
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** Wall-clock milliseconds in prefills and in decode steps (sampling included), and decode steps taken. */
  readonly prefillMs: number;
  readonly decodeMs: number;
  readonly steps: number;
}

export interface GenerateBatchOptions {
  /** Sequences decoded at once (default: all prompts, at most 64); the rest wait and join as others finish. */
  readonly batch?: number;
  /** Ids that end a sequence with finish reason "eos" (default: the tokenizer's EOS). */
  readonly endIds?: ReadonlySet<number>;
  /** Sequences joining together with the same prompt (GRPO's samples per prompt) prefill it once and copy its keys
   *  and values (default true; the copies hold the bits a prefill in that packing gives). */
  readonly sharePrompts?: boolean;
  /** The KV caches to decode in, kept by the caller across calls (an RL run's rollouts, a benchmark's repeats):
   *  at least min(batch, prompts) slots of at least the longest prompt + max tokens positions, none in use.
   *  Default: a new pool per call, whose memory (B · capacity · 2 · L · kvDim floats) is allocated and faulted in
   *  again every call. */
  readonly pool?: KvCachePool;
}

/** A sequence being decoded. */
interface Live {
  readonly index: number;
  readonly ids: readonly number[];
  readonly o: GenerateOptions;
  readonly maxTokens: number;
  readonly cache: KvCache;
  readonly sampler: Sampler;
  readonly stream: StopText;
  readonly history: number[];
  readonly out: number[];
  readonly logprobs: number[];
  logits: Float32Array;
}

/** Generates a completion for every prompt. `options`: one set for all (sequence i then samples with seed
 *  options.seed + i) or one per prompt (their own seeds). Sequence i's ids equal generate(prompts[i]) with the same
 *  options and seed, whatever the batch (exactly for quantized matrices; f32 logits differ in the last bits, see
 *  docs/inference.md). */
export function generateBatch(
  model: InferModel,
  prompts: readonly (string | readonly number[])[],
  options: GenerateOptions | Readonly<Record<string, unknown>> | readonly (GenerateOptions | Readonly<Record<string, unknown>>)[] = {},
  batchOptions: GenerateBatchOptions = {},
): BatchResult {
  const N = prompts.length, V = model.config.vocabSize;
  if (N === 0) throw new KotodamaError("generateBatch: no prompts");
  if (Array.isArray(options) && options.length !== N) throw new KotodamaError(`generateBatch: ${options.length} option sets for ${N} prompts; give one, or one per prompt`);
  const opts: GenerateOptions[] = Array.isArray(options)
    ? options.map((o: GenerateOptions | Readonly<Record<string, unknown>>, i) => parseGenerateOptions(o, `generateBatch: options[${i}]`))
    : (() => {
        const o = parseGenerateOptions(options as Readonly<Record<string, unknown>>, "generateBatch");
        return prompts.map((_, i) => parseGenerateOptions({ ...o, seed: o.seed + i }, "generateBatch"));
      })();
  const B = batchOptions.batch ?? Math.min(N, 64);
  if (!Number.isSafeInteger(B) || B < 1) throw new KotodamaError(`generateBatch: batch must be a positive integer, got ${B}`);
  const eos = model.tokenizer.special.eos;
  const isEnd = (id: number): boolean => (batchOptions.endIds !== undefined ? batchOptions.endIds.has(id) : id === eos);

  const warnings = new Set<string>();
  const plans = prompts.map((p, i) => {
    const ids = promptIds(model, p), o = opts[i]!;
    const plan = resolveContext(model.config, o.context, ids.length + (o.maxTokens ?? 0), `prompt ${i} (${ids.length} tokens)${o.maxTokens === null ? "" : ` + max tokens (${o.maxTokens})`}`);
    for (const w of plan.warnings) warnings.add(w);
    return { ids, maxTokens: o.maxTokens ?? plan.capacity - ids.length, capacity: plan.capacity };
  });
  const slots = Math.min(B, N), capacity = Math.max(...plans.map((p) => p.capacity));
  const pool = batchOptions.pool ?? new KvCachePool(model.config, slots, capacity);
  if (pool.size < slots || pool.capacity < capacity || pool.inUse > 0) {
    throw new KotodamaError(`generateBatch: the given pool has ${pool.size} slots of ${pool.capacity} positions (${pool.inUse} in use); this call needs ${slots} free slots of ${capacity} positions`);
  }
  const state = createInferState(model.weights, model.backend, Math.max(B, 128));
  const prefillOut = new Float32Array(B * V), decodeOut = new Float32Array(B * V), uniqueOut = new Float32Array(B * V);
  const share = batchOptions.sharePrompts ?? true, kv = kvDim(model.config);
  // Prefills the joining sequences into their caches, logits row b of prefillOut for joining[b]. With sharePrompts,
  // a prompt that several of them share (GRPO's group of samples per prompt) is prefilled once and its keys and
  // values copied into the others' caches (vLLM's prefix sharing, here whole prompts and copies, not shared pages).
  const prefillShared = (joining: readonly Live[]): void => {
    const first = new Map<string, number>(), unique: Live[] = [], of: number[] = [];
    for (const s of joining) {
      const key = share ? s.ids.join(",") : String(of.length);
      let u = first.get(key);
      if (u === undefined) first.set(key, (u = unique.push(s) - 1));
      of.push(u);
    }
    if (unique.length === joining.length) {
      prefillBatch(state, joining.map((s) => s.cache), joining.map((s) => s.ids), prefillOut);
      return;
    }
    prefillBatch(state, unique.map((s) => s.cache), unique.map((s) => s.ids), uniqueOut);
    joining.forEach((s, b) => {
      const src = unique[of[b]!]!;
      prefillOut.set(uniqueOut.subarray(of[b]! * V, (of[b]! + 1) * V), b * V);
      if (src === s) return;
      const n = src.cache.length * kv;
      for (let l = 0; l < src.cache.k.length; l++) {
        s.cache.k[l]!.set(src.cache.k[l]!.subarray(0, n));
        s.cache.v[l]!.set(src.cache.v[l]!.subarray(0, n));
      }
      s.cache.length = src.cache.length;
    });
  };
  const done: (BatchSequence | null)[] = prompts.map(() => null);
  let live: Live[] = [];
  // log p(id) = logit − lse from the engine's fused log-softmax (crossEntropy: loss = lse − logit, one call for all
  // rows, vectorized exp) rather than a float64 log-sum-exp over V per token in TypeScript, which cost a fifth of
  // a batched step on the start model; in f32, so within ~1e-6 of generate's float64 value.
  const targets = new Int32Array(B), losses = new Float32Array(B), lse = new Float32Array(B), lp = new Float64Array(B);
  const logprobsOf = (logits: Float32Array, n: number, target: (b: number) => number, into: Float64Array): void => {
    if (n === 0) return;
    for (let b = 0; b < n; b++) targets[b] = target(b);
    state.kernels.crossEntropy({ logits: logits.subarray(0, n * V), targets: targets.subarray(0, n), n, v: V, ignoreIndex: -1, losses: losses.subarray(0, n), lse: lse.subarray(0, n) });
    for (let b = 0; b < n; b++) into[b] = -losses[b]!;
  };
  let next = 0, steps = 0, joined = 0, promptTokens = 0, generatedTokens = 0, prefillMs = 0, decodeMs = 0;

  const finish = (s: Live, reason: FinishReason): void => {
    s.stream.flush();
    done[s.index] = { promptIds: s.ids, ids: s.out, logprobs: s.logprobs, text: s.stream.text, finishReason: reason, options: s.o };
    pool.release(s.cache);
  };

  while (next < N || live.length > 0) {
    // Join: waiting prompts take free slots and are prefilled together.
    if (live.length < B && next < N) {
      const t0 = performance.now();
      const joining: Live[] = [];
      while (live.length + joining.length < B && next < N) {
        const i = next++, { ids, maxTokens } = plans[i]!, o = opts[i]!;
        if (maxTokens === 0) {
          done[i] = { promptIds: ids, ids: [], logprobs: [], text: "", finishReason: "length", options: o };
          continue;
        }
        joining.push({
          index: i, ids, o, maxTokens, cache: pool.acquire(), sampler: new Sampler(o, V), stream: new StopText(model.tokenizer, ids, o.stop),
          history: [...ids], out: [], logprobs: [], logits: prefillOut,
        });
        promptTokens += ids.length;
      }
      if (joining.length > 0) {
        prefillShared(joining);
        joining.forEach((s, b) => (s.logits = prefillOut.subarray(b * V, (b + 1) * V)));
        live = [...live, ...joining];
        joined = joining.length;
      }
      prefillMs += performance.now() - t0;
    }
    if (live.length === 0) continue;
    // Sample every live sequence from its logits; the ones that go on are decoded together.
    const t1 = performance.now();
    const going: Live[] = [];
    const ids = live.map((s) => s.sampler.sample(s.logits, s.history));
    const ended = (i: number): boolean => isEnd(ids[i]!) && !live[i]!.o.ignoreEos;
    // Rows [0, G) of decodeOut are the sequences decoded last step, rows [0, joined) of prefillOut the joiners.
    const G = live.length - joined;
    logprobsOf(decodeOut, G, (b) => (ended(b) ? -1 : ids[b]!), lp);
    logprobsOf(prefillOut, joined, (b) => (ended(G + b) ? -1 : ids[G + b]!), lp.subarray(G));
    joined = 0;
    for (let i = 0; i < live.length; i++) {
      const s = live[i]!, id = ids[i]!;
      if (ended(i)) {
        finish(s, "eos");
        continue;
      }
      s.logprobs.push(lp[i]!);
      s.history.push(id);
      s.out.push(id);
      generatedTokens++;
      s.stream.push(id);
      if (s.stream.stopped) finish(s, "stop");
      else if (s.out.length === s.maxTokens) finish(s, s.o.maxTokens === null ? "context" : "length");
      else going.push(s);
    }
    live = going;
    if (going.length > 0) {
      decodeBatch(state, going.map((s) => s.cache), going.map((s) => s.out[s.out.length - 1]!), decodeOut);
      going.forEach((s, b) => (s.logits = decodeOut.subarray(b * V, (b + 1) * V)));
      steps++;
    }
    decodeMs += performance.now() - t1;
  }
  return { sequences: done.map((d) => d!), warnings: [...warnings], promptTokens, generatedTokens, prefillMs, decodeMs, steps };
}
