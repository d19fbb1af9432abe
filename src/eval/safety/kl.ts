// The KL of an aligned model from its reference along the aligned model's own answers. With the policy at hand
// (klFromReference's `policy`), exactly: per prompt, Σ_t KL(π(·|x, y<t) ‖ π_ref(·|x, y<t)) over the answer's
// positions, each a sum over the whole vocabulary, so it is never negative and does not depend on how y was picked
// (greedy answers included). Without it, the one-sample estimate Σ_t log π(y_t|…) − log π_ref(y_t|…), the usual
// RLHF report, exact in expectation only when y is sampled from π (with greedy answers it is the log-ratio of the
// answers given, and can be negative). Then the mean over prompts. Not here: generation (run.ts).
import { createInferState, createKvCache, prefill, type InferModel } from "../../infer/index.js";
import { logprobOf, logSumExp } from "../../infer/logprobs.js";
import type { ChatAnswer } from "../../infer/responder.js";
import { KotodamaError } from "../../util/errors.js";
import { meanWithBootstrap, type Estimate } from "../stats.js";
import type { Answer } from "./run.js";

/** log π(ids | promptIds) per answer token under `model`. */
export function answerLogprobs(model: InferModel, promptIds: readonly number[], ids: readonly number[]): number[] {
  if (ids.length === 0) return [];
  const all = [...promptIds, ...ids];
  const state = createInferState(model.weights, model.backend, Math.min(128, all.length));
  const cache = createKvCache(model.config, all.length);
  const out: number[] = [];
  const first = promptIds.length - 1; // the logits at position p predict token p + 1
  prefill(state, cache, all, (pos, logits) => {
    if (pos >= first && pos < all.length - 1) out.push(logprobOf(logits, all[pos + 1]!));
  });
  return out;
}

/** log-softmax (float64) of the logits at every answer position under `model`: row t predicts ids[t]. */
function answerLogSoftmax(model: InferModel, promptIds: readonly number[], ids: readonly number[]): Float64Array[] {
  if (ids.length === 0) return [];
  const all = [...promptIds, ...ids];
  const state = createInferState(model.weights, model.backend, Math.min(128, all.length));
  const cache = createKvCache(model.config, all.length);
  const out: Float64Array[] = [];
  const first = promptIds.length - 1;
  prefill(state, cache, all, (pos, logits) => {
    if (pos < first || pos >= all.length - 1) return;
    const lse = logSumExp(logits);
    const row = new Float64Array(logits.length);
    for (let v = 0; v < logits.length; v++) row[v] = logits[v]! - lse;
    out.push(row);
  });
  return out;
}

/** Σ over the answer's positions of KL(π(·|ctx) ‖ π_ref(·|ctx)) = Σ_v π(v) (log π(v) − log π_ref(v)), exact. */
export function answerKl(policy: InferModel, reference: InferModel, promptIds: readonly number[], ids: readonly number[]): number {
  if (policy.config.vocabSize !== reference.config.vocabSize) throw new KotodamaError(`KL from the reference: the vocabularies differ (${policy.config.vocabSize} vs ${reference.config.vocabSize} tokens)`);
  const p = answerLogSoftmax(policy, promptIds, ids);
  const q = answerLogSoftmax(reference, promptIds, ids);
  let kl = 0;
  for (let t = 0; t < p.length; t++) {
    const lp = p[t]!, lq = q[t]!;
    for (let v = 0; v < lp.length; v++) {
      const pv = Math.exp(lp[v]!);
      if (pv > 0) kl += pv * (lp[v]! - lq[v]!);
    }
  }
  return Math.max(0, kl); // rounding can leave −1e-12 where the two distributions agree
}

/** Mean over answers of the KL from the reference, with a bootstrap interval: exact per position with `policy` (the
 *  model that answered), else the one-sample log-ratio from the answers' own log-probs (ChatAnswer.tokens, or
 *  answerPrompts' Answer). An endpoint's answers carry no token ids: an error, not a guess. */
export function klFromReference(answers: readonly (ChatAnswer | Answer)[], reference: InferModel, seed: number, policy?: InferModel): Estimate {
  const per = answers.map((x, i) => {
    const a: ChatAnswer = "promptIds" in x ? { text: x.text, generatedTokens: x.ids.length, tokens: x } : x;
    if (a.tokens === undefined) throw new KotodamaError(`KL from the reference: answer ${i} carries no token ids or log-probabilities (answers from an OpenAI-compatible endpoint have none; the KL needs local models)`);
    if (policy !== undefined) return answerKl(policy, reference, a.tokens.promptIds, a.tokens.ids);
    const ref = answerLogprobs(reference, a.tokens.promptIds, a.tokens.ids);
    return a.tokens.logprobs.reduce((s, lp, t) => s + lp - ref[t]!, 0);
  });
  return meanWithBootstrap(per, seed);
}
