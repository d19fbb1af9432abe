// A kotodama model (anything openInferModel loads) as grounded answering's Generator and ScoreContinuation: the
// chat rendered with the model's own template, greedy decoding to its end-of-turn token (free, or copy-constrained
// to a span of the sources), and continuation
// log-probabilities from one causal forward pass. Not here: the pipeline (answer.ts), endpoints (src/infer).
import { copySpanConstraint, copySpanText, createInferState, createKvCache, endOfTurnIds, generate, generateText, logSumExp, prefill, type InferModel } from "../infer/index.js";
import { chatTemplatesFor, pickChatTemplate, renderChat, type Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import type { ChatMessage, Generator, ScoreContinuation } from "./generator.js";

export interface LocalModelOptions {
  /** Context to use (default: the model's, capped at 4096 like chat's default). */
  readonly context?: number;
}

/** The chat template rendering of a tokenizer (a model's, or the one an endpoint's model uses), tokenized (the
 *  rendering writes BOS itself); `name` names it in errors. */
export function chatRenderer(tok: Tokenizer, name: string): (messages: readonly ChatMessage[]) => number[] {
  const t = chatTemplatesFor(tok);
  if (t === undefined) throw new KotodamaError(`${name}: the model carries no chat template and its vocabulary has no kotodama chat tokens; rag ask needs a chat model`);
  const template = pickChatTemplate(t);
  const specials: Record<string, string> = {};
  const s = { bos_token: tok.special.bos, eos_token: tok.special.eos, unk_token: tok.special.unk, pad_token: tok.special.pad };
  for (const [k, id] of Object.entries(s)) if (id !== undefined) specials[k] = tok.tokenText(id);
  return (messages) => tok.encode(renderChat(template, { ...specials, messages: [...messages], add_generation_prompt: true }, { source: t.source }), { allowSpecial: true, addBos: false });
}

export function localGenerator(model: InferModel, o: LocalModelOptions = {}): Generator {
  const contextTokens = o.context ?? Math.min(model.config.context, 4096);
  const render = chatRenderer(model.tokenizer, model.path);
  const endIds = endOfTurnIds(model.tokenizer);
  return {
    contextTokens,
    countTokens: (messages) => render(messages).length,
    async complete(messages, { maxTokens }) {
      const ids = render(messages);
      if (ids.length >= contextTokens) throw new KotodamaError(`rag: the prompt takes ${ids.length} tokens of the ${contextTokens}-token context`);
      const it = generate(model, ids, { temperature: 0, maxTokens: Math.min(maxTokens, contextTokens - ids.length), context: contextTokens }, endIds);
      for (;;) {
        const r = await it.next();
        if (r.done === true) return r.value.text;
      }
    },
    async copy(messages, { maxTokens, copyFrom }) {
      const ids = render(messages);
      if (ids.length >= contextTokens) throw new KotodamaError(`rag: the prompt takes ${ids.length} tokens of the ${contextTokens}-token context`);
      const c = copySpanConstraint(model.tokenizer, copyFrom, endIds);
      const r = await generateText(model, ids, { temperature: 0, maxTokens: Math.min(maxTokens, contextTokens - ids.length), context: contextTokens }, endIds, c.hooks);
      return { text: copySpanText(r.text), source: c.source(r.ids) };
    },
  };
}

/** log p(continuation | prefix): prefix tokenized with the tokenizer's BOS, continuation without, concatenated;
 *  the continuation is cut to what fits the context after the prefix. */
export function localScorer(model: InferModel, o: LocalModelOptions = {}): ScoreContinuation {
  const capacity = o.context ?? Math.min(model.config.context, 4096);
  const tok = model.tokenizer;
  const state = createInferState(model.weights, model.backend, 128);
  const one = (prefix: string, continuation: string): { logprob: number; tokens: number } => {
    const p = tok.encode(prefix);
    const c = tok.encode(continuation, { addBos: false }).slice(0, Math.max(0, capacity - p.length));
    if (p.length === 0 || c.length === 0) return { logprob: 0, tokens: 0 };
    const ids = [...p, ...c];
    const cache = createKvCache(model.config, ids.length);
    let logprob = 0;
    prefill(state, cache, ids, (pos, logits) => {
      if (pos >= p.length - 1 && pos + 1 < ids.length) logprob += (logits[ids[pos + 1] as number] as number) - logSumExp(logits);
    });
    return { logprob, tokens: c.length };
  };
  return (pairs) => Promise.resolve(pairs.map((x) => one(x.prefix, x.continuation)));
}
