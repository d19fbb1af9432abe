// What a task evaluation asks of a language model, and the answer from a kotodama model in this process: the
// log-likelihood of a continuation given a context (context + continuation tokenized as one text, as the model sees
// it, BOS as the tokenizer adds it; the continuation's tokens are those starting at or after the context's end,
// tokenizer/offsets.ts — the same rule the endpoint backend applies to the server's text_offset), and a greedy
// generation until a stop string. A prompt that does not fit the context is a ContextOverflowError, so the runner
// can drop shots. Not here: the endpoint backend (lm-endpoint.ts), prompts (fewshot.ts).
import { createInferState, createKvCache, generateText, logSumExp, prefill, promptIds, type InferModel } from "../../infer/index.js";
import { continuationStart } from "../../infer/endpoint.js";
import { tokenCharStarts } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";

export interface LoglikelihoodRequest {
  readonly context: string;
  readonly continuation: string;
}

export interface Loglikelihood {
  /** Σ log p of the continuation's tokens (natural log). */
  readonly logprob: number;
  /** How many tokens the continuation took. */
  readonly tokens: number;
}

export interface GenerationRequest {
  readonly context: string;
  readonly until: readonly string[];
  readonly maxTokens: number;
}

/** The prompt (context, or context + the longest continuation) is longer than the model's context. */
export class ContextOverflowError extends KotodamaError {
  override readonly name = "ContextOverflowError";
}

export interface TaskModel {
  /** In words, for the table and the results file. */
  readonly name: string;
  /** What the results file records about it (path or URL, model name, settings). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** One result per request, in order; all of one document's choices in one call. */
  loglikelihood(requests: readonly LoglikelihoodRequest[]): Promise<Loglikelihood[]>;
  /** Greedy continuations, stopped before the first stop string. */
  generate(requests: readonly GenerationRequest[]): Promise<string[]>;
}

export { continuationStart };

/** A kotodama model scored and run in this process (src/infer). */
export class LocalTaskModel implements TaskModel {
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  constructor(private readonly model: InferModel) {
    this.name = `kotodama model ${model.path}`;
    this.settings = { backend: "local", model: model.path, context: model.config.context, tokenizer: model.tokenizer.kind };
  }

  loglikelihood(requests: readonly LoglikelihoodRequest[]): Promise<Loglikelihood[]> {
    const ctx = this.model.config.context;
    const encoded = requests.map((r) => {
      const text = r.context + r.continuation;
      const ids = promptIds(this.model, text);
      if (ids.length > ctx) throw new ContextOverflowError(`the prompt takes ${ids.length} tokens; the model's context is ${ctx}`);
      return { text, ids };
    });
    return Promise.resolve(encoded.map(({ text, ids }, k) => {
      const starts = tokenCharStarts(this.model.tokenizer, text, ids);
      if (starts === null) throw new KotodamaError(`loglikelihood: the tokenizer (${this.model.tokenizer.kind}) normalizes the text, so the continuation's tokens cannot be located`);
      const first = continuationStart(starts, requests[k]!.context.length, "loglikelihood");
      let logprob = 0;
      const state = createInferState(this.model.weights, this.model.backend, Math.min(128, ids.length));
      const cache = createKvCache(this.model.config, ids.length);
      // The same prefill as the server's echo logprobs (server/openai/run-job.ts promptLogprobs).
      prefill(state, cache, ids, (pos, logits) => {
        if (pos + 1 >= first && pos + 1 < ids.length) logprob += logits[ids[pos + 1]!]! - logSumExp(logits);
      });
      return { logprob, tokens: ids.length - first };
    }));
  }

  async generate(requests: readonly GenerationRequest[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of requests) {
      const n = promptIds(this.model, r.context).length;
      if (n + r.maxTokens > this.model.config.context) throw new ContextOverflowError(`the prompt takes ${n} tokens and ${r.maxTokens} more are asked for; the model's context is ${this.model.config.context}`);
      const g = await generateText(this.model, r.context, { temperature: 0, maxTokens: r.maxTokens, stop: [...r.until], seed: 0 });
      out.push(g.text);
    }
    return out;
  }
}
