// Scoring text with the LM head: per-token log-probabilities, total, mean and perplexity; ranking texts by
// naturalness; the K most likely next tokens; perplexity of a long text in windows as llama.cpp's
// llama-perplexity computes it. Not here: generation (generate.ts), printing (cli/commands/score.ts).
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import { createInferState, prefill } from "./forward.js";
import { createKvCache } from "./kv-cache.js";
import { logSumExp, topLogprobs } from "./logprobs.js";
import type { InferModel } from "./model.js";

export interface ScoredToken {
  readonly id: number;
  readonly text: string;
  /** log p(token | the tokens before it); null for the first token, which nothing predicts. */
  readonly logprob: number | null;
}

export interface NextToken {
  readonly id: number;
  readonly text: string;
  readonly prob: number;
}

export interface TextScore {
  readonly text: string;
  readonly tokens: readonly ScoredToken[];
  /** Σ log p over the predicted tokens (natural log). */
  readonly total: number;
  /** total / predicted tokens: the length-normalized naturalness used for ranking. */
  readonly mean: number;
  /** exp(−mean). */
  readonly perplexity: number;
  /** The most likely tokens after the whole text (when asked for). */
  readonly next: readonly NextToken[];
}

export interface ScoreOptions {
  /** K most likely next tokens after the text (0 = none). */
  readonly top?: number;
  /** KV positions to allow (default: the model's context). */
  readonly context?: number | null;
}

/** Scores one text: it is tokenized as generate would (the tokenizer's default BOS), and each token after the
 *  first is scored from all tokens before it in one causal forward pass. */
export function scoreText(model: InferModel, text: string, opts: ScoreOptions = {}): TextScore {
  const tok = model.tokenizer;
  const ids = tok.encode(text);
  if (ids.length < 2) throw new KotodamaError(`score: "${text}" gives ${ids.length} token(s); at least 2 are needed (one to predict from, one to score)`);
  const plan = resolveContext(model.config, opts.context ?? null, ids.length, `the text (${ids.length} tokens)`);
  const state = createInferState(model.weights, model.backend, Math.min(128, ids.length));
  const cache = createKvCache(model.config, plan.capacity);
  const logprobs: (number | null)[] = [null];
  let next: NextToken[] = [];
  const top = opts.top ?? 0;
  prefill(state, cache, ids, (pos, logits) => {
    const lse = logSumExp(logits);
    if (pos + 1 < ids.length) logprobs.push(logits[ids[pos + 1]!]! - lse);
    else if (top > 0) next = topLogprobs(logits, top, lse).map((t) => ({ id: t.id, text: tok.decode([t.id]), prob: Math.exp(t.logprob) }));
  });
  const total = logprobs.reduce<number>((a, b) => a + (b ?? 0), 0);
  const mean = total / (ids.length - 1);
  return {
    text, total, mean, perplexity: Math.exp(-mean), next,
    tokens: ids.map((id, i) => ({ id, text: tok.tokenText(id), logprob: logprobs[i] ?? null })),
  };
}

/** Texts ranked from most to least natural (highest mean log-probability per token first). */
export function rankTexts(scores: readonly TextScore[]): TextScore[] {
  return [...scores].sort((a, b) => b.mean - a.mean);
}

export interface PerplexityResult {
  readonly perplexity: number;
  readonly window: number;
  readonly chunks: number;
  /** Tokens scored in total. */
  readonly scored: number;
  /** Perplexity so far after each chunk (llama-perplexity's running values). */
  readonly running: readonly number[];
  readonly tokensPerS: number;
  readonly warnings: readonly string[];
}

/** Perplexity of a long text as llama.cpp's llama-perplexity computes it (perplexity.cpp, c392e509): the
 *  tokens (with BOS) are cut into ⌊n / window⌋ chunks of `window`; each chunk is evaluated from an empty cache
 *  with its first token replaced by BOS, and only the second half of each chunk is scored (each scored token
 *  then sees at least window/2 tokens of context). Needs at least 2·window tokens, as llama-perplexity does. */
export function windowedPerplexity(model: InferModel, text: string | readonly number[], window: number): PerplexityResult {
  if (!Number.isSafeInteger(window) || window < 4) throw new KotodamaError(`perplexity: the window must be an integer ≥ 4, got ${window}`);
  const ids = typeof text === "string" ? model.tokenizer.encode(text) : [...text];
  if (ids.length < 2 * window) throw new KotodamaError(`perplexity: ${ids.length} tokens; a window of ${window} needs at least ${2 * window} (as llama-perplexity)`);
  const plan = resolveContext(model.config, window, window, `a window of ${window} tokens`);
  const bos = model.tokenizer.special.bos;
  const chunks = Math.floor(ids.length / window);
  const first = window >> 1;
  const state = createInferState(model.weights, model.backend, Math.min(128, window));
  const cache = createKvCache(model.config, window);
  let nll = 0;
  let count = 0;
  const running: number[] = [];
  const t0 = performance.now();
  for (let c = 0; c < chunks; c++) {
    const chunk = ids.slice(c * window, (c + 1) * window);
    if (bos !== undefined) chunk[0] = bos;
    cache.length = 0;
    prefill(state, cache, chunk, (pos, logits) => {
      if (pos < first || pos >= window - 1) return;
      nll -= logits[chunk[pos + 1]!]! - logSumExp(logits);
      count++;
    });
    running.push(Math.exp(nll / count));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { perplexity: Math.exp(nll / count), window, chunks, scored: count, running, tokensPerS: (chunks * window) / seconds, warnings: plan.warnings };
}
