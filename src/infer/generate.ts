// Text generation as an async iterator: prefill the prompt, then sample one token at a time with the KV
// cache, yielding each token's printable text (UTF-8 never split, stop strings held back: stop-text.ts), its
// log-probability and the most likely alternatives; stop strings, EOS and max tokens end it.
// Not here: sampling maths (sampler.ts), option parsing (options.ts), printing (cli/commands/generate.ts).
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import type { DecodeBatcher } from "./decode-batcher.js";
import { createInferState, decodeStep, prefill } from "./forward.js";
import { createKvCache } from "./kv-cache.js";
import { logSumExp, topLogprobs, type TokenLogprob } from "./logprobs.js";
import type { InferModel } from "./model.js";
import { parseGenerateOptions, type GenerateOptions } from "./options.js";
import { Sampler } from "./sampler.js";
import { StopText } from "./stop-text.js";

export interface GeneratedToken {
  /** The token id; −1 for the final piece of held-back text released at the end (no token of its own). */
  readonly id: number;
  /** Text that became printable with this token (may be "" while a character or a possible stop string is
   *  held back). */
  readonly text: string;
  /** log p(id) under the model's distribution (before penalties and temperature). */
  readonly logprob: number;
  /** The options.topLogprobs most likely tokens at this step. */
  readonly top: readonly TokenLogprob[];
}

/** Changes the next token's logits in place before sampling (a constraint's penalties or masks): `logits` is a
 *  copy (V), `generated` the ids produced so far (prompt excluded). Reported log-probabilities stay the model's. */
export type LogitsHook = (logits: Float32Array, generated: readonly number[]) => void;

/** Whether token `id` may follow `generated` under a constraint (a check of one token, cheaper than its mask). */
export type AllowsHook = (id: number, generated: readonly number[]) => boolean;

export interface GenerateHooks {
  readonly logits?: LogitsHook;
  /** With `logits` and greedy decoding: the unconstrained argmax is taken when it passes this check, and the logits
   *  hook runs only when it does not. The same token either way (a mask only lowers the others), far cheaper per
   *  step for a grammar on a large vocabulary (llama.cpp's server samples first and checks the grammar the same way). */
  readonly allows?: AllowsHook;
}

export type FinishReason = "length" | "eos" | "stop" | "context";

export interface GenerateResult {
  readonly promptIds: readonly number[];
  readonly ids: readonly number[];
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly warnings: readonly string[];
  readonly options: GenerateOptions;
  /** Prompt tokens per second and generated tokens per second (wall clock). */
  readonly promptTokensPerS: number;
  readonly tokensPerS: number;
}

/** The prompt's ids: text through the tokenizer (its default BOS), or ids as given. An empty prompt is BOS
 *  alone (or EOS for tokenizers without BOS, as GPT-2 starts from <|endoftext|>). */
export function promptIds(model: InferModel, prompt: string | readonly number[]): number[] {
  const ids = typeof prompt === "string" ? model.tokenizer.encode(prompt) : [...prompt];
  if (ids.length === 0) {
    const start = model.tokenizer.special.bos ?? model.tokenizer.special.eos;
    if (start === undefined) throw new KotodamaError("generate: the prompt is empty and the tokenizer has no BOS/EOS token to start from");
    ids.push(start);
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= model.config.vocabSize) throw new KotodamaError(`generate: prompt token id ${id} is outside the vocabulary [0, ${model.config.vocabSize})`);
  }
  return ids;
}

/** Generates from `prompt`. Options: a parsed GenerateOptions or raw options for parseGenerateOptions. With a
 *  `batcher` (of the same model) the prefill and every decode step go through it, batched with the other
 *  generations that use it at the same time (decode-batcher.ts); without, this generation computes alone.
 *  `endIds` (default: the tokenizer's EOS) are the ids that end generation with finish reason "eos" (a chat
 *  ends at its template's end-of-turn token). `hooks.logits` adjusts each step's logits before sampling. Iterate with for-await; the return value is the GenerateResult. */
export async function* generate(
  model: InferModel,
  prompt: string | readonly number[],
  options: GenerateOptions | Readonly<Record<string, unknown>> = {},
  endIds?: ReadonlySet<number>,
  hooks: GenerateHooks = {},
  batcher?: DecodeBatcher,
): AsyncGenerator<GeneratedToken, GenerateResult, void> {
  if (batcher !== undefined && batcher.model !== model) throw new KotodamaError("generate: the batcher belongs to another model");
  const o = parseGenerateOptions(options);
  const ids = promptIds(model, prompt);
  const plan = resolveContext(model.config, o.context, ids.length + (o.maxTokens ?? 0), `the prompt (${ids.length} tokens)${o.maxTokens === null ? "" : ` + max tokens (${o.maxTokens})`}`);
  const maxTokens = o.maxTokens ?? plan.capacity - ids.length;
  const state = batcher === undefined ? createInferState(model.weights, model.backend, Math.min(128, Math.max(1, ids.length))) : null;
  const cache = createKvCache(model.config, plan.capacity);
  const sampler = new Sampler(o, model.config.vocabSize);
  const stream = new StopText(model.tokenizer, ids, o.stop);
  const eos = model.tokenizer.special.eos;
  const history: number[] = [...ids];
  const out: number[] = [];
  let finishReason: FinishReason = o.maxTokens === null ? "context" : "length";

  const t0 = performance.now();
  let logits = state !== null ? prefill(state, cache, ids) : await batcher!.prefill(cache, ids);
  const t1 = performance.now();
  const hooked = hooks.logits === undefined ? null : new Float32Array(model.config.vocabSize);
  for (let step = 0; step < maxTokens; step++) {
    let id = -1;
    if (hooked !== null && o.temperature === 0 && hooks.allows !== undefined) {
      const free = sampler.sample(logits, history); // greedy: no draw from the Rng
      if (hooks.allows(free, out)) id = free;
    }
    if (id < 0) {
      if (hooked !== null) {
        hooked.set(logits);
        hooks.logits!(hooked, out);
      }
      id = sampler.sample(hooked ?? logits, history);
    }
    if ((endIds !== undefined ? endIds.has(id) : id === eos) && !o.ignoreEos) {
      finishReason = "eos";
      break;
    }
    const lse = logSumExp(logits);
    const logprob = logits[id]! - lse;
    const top = o.topLogprobs > 0 ? topLogprobs(logits, o.topLogprobs, lse) : [];
    history.push(id);
    out.push(id);
    const emit = stream.push(id);
    yield { id, text: emit, logprob, top };
    if (stream.stopped) {
      finishReason = "stop";
      break;
    }
    if (step + 1 < maxTokens) logits = state !== null ? decodeStep(state, cache, id) : await batcher!.decode(cache, id);
  }
  const t2 = performance.now();
  const rest = stream.flush();
  if (rest !== "") yield { id: -1, text: rest, logprob: 0, top: [] };
  return {
    promptIds: ids, ids: out, text: stream.text, finishReason, warnings: plan.warnings, options: o,
    promptTokensPerS: ids.length / ((t1 - t0) / 1000), tokensPerS: out.length / ((t2 - t1) / 1000),
  };
}

/** Runs generate to the end and returns its result (library convenience; `endIds` and `hooks` as for generate). */
export async function generateText(model: InferModel, prompt: string | readonly number[], options: GenerateOptions | Readonly<Record<string, unknown>> = {}, endIds?: ReadonlySet<number>, hooks: GenerateHooks = {}): Promise<GenerateResult & { tokens: GeneratedToken[] }> {
  const it = generate(model, prompt, options, endIds, hooks);
  const tokens: GeneratedToken[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done === true) return { ...r.value, tokens };
    if (r.value.id >= 0) tokens.push(r.value);
  }
}
