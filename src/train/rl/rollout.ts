// Rollouts for RL from a reward model: prompts rendered with the chat template, answered by the current policy
// in one batched generation (infer/generate-batch.ts: a KV cache per sequence), scored by the reward model, then
// re-read by the training forward for the rollout policy's and the reference's per-token log-probabilities (and
// the value head's estimates for PPO), and turned into per-token advantages. Rows are prompt ids + response ids
// (+ EOS when the policy ended the answer), with the loss on the response tokens only.
// Not here: the losses (objectives.ts), the loop wiring and files (run.ts).
import { generateBatch, KvCachePool, resolveContext, type InferModel } from "../../infer/index.js";
import { packDecoderWeights } from "../../infer/weights.js";
import { decoderHidden, headLogits, type DecoderWeights, type ModelConfig } from "../../models/index.js";
import type { Backend } from "../../engine/ops.js";
import type { Graph, Tensor } from "../../tensor/index.js";
import { crossEntropy, linear, neg, reshape } from "../../tensor/index.js";
import { encodeChat, type ChatTemplates, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { IGNORE_INDEX } from "../data.js";
import type { ChatTurn, RewardModel } from "../reward/model.js";
import { gae, groupAdvantages, whiten } from "./advantages.js";

export interface RlPrompt {
  readonly messages: readonly ChatTurn[];
  readonly where: string;
}

export interface RolloutSettings {
  readonly method: "ppo" | "grpo";
  /** Responses per prompt (GRPO's group; 1 for PPO). */
  readonly group: number;
  readonly maxNewTokens: number;
  readonly temperature: number;
  /** PPO: per-token KL penalty β in the shaped reward r_t = −β(log π_old − log π_ref) (+ the score at the end). */
  readonly klCoef: number;
  readonly gamma: number;
  readonly lambda: number;
}

/** One iteration's rollouts as the loop's batch: R rows of T, and per-position arrays (R·T). */
export interface Rollout {
  readonly iteration: number;
  readonly rows: number;
  readonly seqLen: number;
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  readonly aux: { readonly mask: Float32Array; readonly oldLogp: Float32Array; readonly refLogp: Float32Array; readonly adv: Float32Array; readonly returns: Float32Array; readonly oldValues: Float32Array };
  /** Per sequence: the reward model's score, the answer text and its token count. */
  readonly scores: readonly number[];
  readonly answers: readonly string[];
  readonly lengths: readonly number[];
  /** Means over sequences: score, KL to the reference (Σ_t log π_old − log π_ref), length, per-token entropy. */
  readonly stats: { readonly reward: number; readonly kl: number; readonly length: number; readonly entropy: number };
}

/** The prompt's ids with the generation prompt, as the policy's chat template renders it. */
export function promptIdsOf(tok: Tokenizer, templates: ChatTemplates, p: RlPrompt): number[] {
  try {
    return encodeChat(tok, { messages: p.messages.map((m) => ({ role: m.role, content: m.content })), add_generation_prompt: true }, { template: templates }).ids;
  } catch (e) {
    throw new KotodamaError(`${p.where}: cannot render the prompt with ${templates.source} (${(e as Error).message})`);
  }
}

/** An inference model over training weights (packed copies, so the next optimizer steps do not touch it). */
export function inferModelOf(c: ModelConfig, w: DecoderWeights, tok: Tokenizer, backend: Backend): InferModel {
  return { path: "(policy being trained)", config: c, weights: packDecoderWeights(c, w), tokenizer: tok, backend, notes: [] };
}

/** Per-token log-probabilities (R·T, 0 where the target is ignored) and, with a value head, values (R·T), from one
 *  forward of the training decoder. */
export function policyForward(c: ModelConfig, w: DecoderWeights, valueHead: Tensor | null, inputs: Int32Array, targets: Int32Array, R: number, T: number): { logp: Tensor; values: Tensor | null; logits: Tensor } {
  const h = decoderHidden(c, w, inputs, R, T); // (R, T, C)
  const logits = headLogits(c, w, h); // (R, T, V)
  const logp = neg(reshape(crossEntropy(logits, targets, { ignoreIndex: IGNORE_INDEX, reduction: "none" }), [R * T])); // (R·T)
  const values = valueHead === null ? null : reshape(linear(h, valueHead), [R * T]); // (R·T)
  return { logp, values, logits };
}

/** Mean entropy of the next-token distribution at the masked positions of logits (R·T, V). */
function meanEntropy(logits: Float32Array, mask: Float32Array, V: number): number {
  let sum = 0, n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const row = logits.subarray(i * V, (i + 1) * V);
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, row[v]!);
    let z = 0, s = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(row[v]! - max);
      z += e;
      s += e * (row[v]! - max);
    }
    sum += Math.log(z) - s / z;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

export interface RolloutInputs {
  readonly iteration: number;
  readonly prompts: readonly RlPrompt[];
  readonly seed: number;
  readonly T: number;
  readonly c: ModelConfig;
  readonly tok: Tokenizer;
  readonly templates: ChatTemplates;
  readonly backend: Backend;
  /** The policy as it is now (for LoRA: merged), its value head (PPO), and the frozen reference. */
  readonly policy: DecoderWeights;
  readonly valueHead: Tensor | null;
  readonly reference: DecoderWeights;
  readonly graph: Graph;
  readonly refGraph: Graph;
  readonly reward: RewardModel;
  readonly settings: RolloutSettings;
  /** KV caches kept across iterations (rolloutPool): a new pool per rollout is allocated and faulted in again. */
  readonly pool?: KvCachePool;
}

/** The KV cache pool one RL run keeps for all its rollouts: min(R, 32) slots (the rollout batch) of the positions
 *  generateBatch plans for a sequence of at most T tokens (resolveContext without --context). */
export function rolloutPool(c: ModelConfig, R: number, T: number): KvCachePool {
  return new KvCachePool(c, Math.min(R, 32), resolveContext(c, null, T, "an RL rollout").capacity);
}

/** Generates, scores and prepares one iteration's rollouts (group consecutive sequences per prompt). */
export function makeRollout(o: RolloutInputs): Rollout {
  const { c, tok, settings: s, T } = o;
  const G = s.method === "grpo" ? s.group : 1;
  const seqPrompts = o.prompts.flatMap((p) => Array.from({ length: G }, () => p));
  const R = seqPrompts.length;
  const pIds = o.prompts.map((p) => promptIdsOf(tok, o.templates, p));
  const seqIds = pIds.flatMap((ids) => Array.from({ length: G }, () => ids));
  for (const [i, ids] of pIds.entries()) if (ids.length + 2 > T) throw new KotodamaError(`${o.prompts[i]!.where}: the prompt's ${ids.length} tokens leave no room for an answer in ${T} positions`);
  const model = inferModelOf(c, o.policy, tok, o.backend);
  const gen = generateBatch(model, seqIds, seqIds.map((ids, i) => ({ temperature: s.temperature, topK: 0, topP: 1, maxTokens: Math.min(s.maxNewTokens, T - ids.length - 1), seed: o.seed + i })), { batch: Math.min(R, 32), ...(o.pool === undefined ? {} : { pool: o.pool }) });
  const eos = tok.special.eos;
  const inputs = new Int32Array(R * T), targets = new Int32Array(R * T).fill(IGNORE_INDEX), mask = new Float32Array(R * T);
  const lengths: number[] = [];
  gen.sequences.forEach((q, r) => {
    const resp = q.finishReason === "eos" && eos !== undefined ? [...q.ids, eos] : [...q.ids];
    const ids = [...q.promptIds, ...resp];
    const n = Math.min(ids.length - 1, T);
    inputs.set(ids.slice(0, n), r * T);
    for (let t = q.promptIds.length - 1; t < n; t++) {
      targets[r * T + t] = ids[t + 1]!;
      mask[r * T + t] = 1;
    }
    lengths.push(resp.length);
  });
  const answers = gen.sequences.map((q) => q.text);
  const scores = Array.from(o.reward.score(seqPrompts.map((p, i) => ({ messages: p.messages, answer: answers[i]! }))));

  // The rollout policy's and the reference's log-probs (and values) from the training forward.
  const pol = o.graph.noGrad(() => o.graph.scope(() => {
    const f = policyForward(c, o.policy, o.valueHead, inputs, targets, R, T);
    return { logp: Float32Array.from(f.logp.data), values: f.values === null ? new Float32Array(R * T) : Float32Array.from(f.values.data), entropy: meanEntropy(f.logits.data, mask, c.vocabSize) };
  }));
  const refLogp = o.refGraph.noGrad(() => o.refGraph.scope(() => Float32Array.from(policyForward(c, o.reference, null, inputs, targets, R, T).logp.data)));

  const adv = new Float32Array(R * T), returns = new Float32Array(R * T);
  let klSum = 0;
  const spans: { r: number; t0: number; t1: number }[] = [];
  for (let r = 0; r < R; r++) {
    let t0 = -1, t1 = -1;
    for (let t = 0; t < T; t++) {
      if (mask[r * T + t] !== 1) continue;
      if (t0 < 0) t0 = t;
      t1 = t + 1;
    }
    spans.push({ r, t0, t1 });
    for (let t = Math.max(0, t0); t < t1; t++) klSum += pol.logp[r * T + t]! - refLogp[r * T + t]!;
  }
  if (s.method === "ppo") {
    const advs: Float64Array[] = [];
    for (const { r, t0, t1 } of spans) {
      if (t0 < 0) {
        advs.push(new Float64Array(0));
        continue;
      }
      const n = t1 - t0;
      const rew = new Float64Array(n), val = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const i = r * T + t0 + k;
        rew[k] = -s.klCoef * (pol.logp[i]! - refLogp[i]!);
        val[k] = pol.values[i]!;
      }
      rew[n - 1] = rew[n - 1]! + scores[r]!;
      const g = gae(rew, val, s.gamma, s.lambda);
      for (let k = 0; k < n; k++) returns[r * T + t0 + k] = g.returns[k]!;
      advs.push(g.advantages);
    }
    whiten(advs);
    spans.forEach(({ r, t0 }, j) => advs[j]!.forEach((a, k) => (adv[r * T + t0 + k] = a)));
  } else {
    const ga = groupAdvantages(scores, G);
    for (const { r, t0, t1 } of spans) for (let t = Math.max(0, t0); t < t1; t++) adv[r * T + t] = ga[r]!;
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    iteration: o.iteration, rows: R, seqLen: T, inputs, targets,
    aux: { mask, oldLogp: pol.logp, refLogp, adv, returns, oldValues: pol.values },
    scores, answers, lengths,
    stats: { reward: mean(scores), kl: klSum / R, length: mean(lengths), entropy: pol.entropy },
  };
}
