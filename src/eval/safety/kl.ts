// The KL of an aligned model from its reference, estimated on the aligned model's own answers: per prompt,
// Σ_t log π(y_t | x, y<t) − log π_ref(y_t | x, y<t) over the answer y (a one-sample estimate of KL(π‖π_ref) of
// the answer, exact in expectation when y is sampled from π, and the usual RLHF report; with greedy answers it is
// the log-ratio of the answers the model gives), then the mean over prompts. Not here: generation (run.ts).
import { createInferState, createKvCache, prefill, type InferModel } from "../../infer/index.js";
import { logprobOf } from "../../infer/logprobs.js";
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

/** Mean over answers of Σ (log π − log π_ref), with a bootstrap interval; the policy's log-probs come with a local
 *  model's answers (ChatAnswer.tokens, or answerPrompts' Answer). An endpoint's answers carry none: an error, not a guess. */
export function klFromReference(answers: readonly (ChatAnswer | Answer)[], reference: InferModel, seed: number): Estimate {
  const per = answers.map((x, i) => {
    const a: ChatAnswer = "promptIds" in x ? { text: x.text, generatedTokens: x.ids.length, tokens: x } : x;
    if (a.tokens === undefined) throw new KotodamaError(`KL from the reference: answer ${i} carries no token ids or log-probabilities (answers from an OpenAI-compatible endpoint have none; the KL needs local models)`);
    const ref = answerLogprobs(reference, a.tokens.promptIds, a.tokens.ids);
    return a.tokens.logprobs.reduce((s, lp, t) => s + lp - ref[t]!, 0);
  });
  return meanWithBootstrap(per, seed);
}
