// What the inference worker computes for one job on one loaded model: completions (echo and prompt logprobs
// included), chat replies with the model's chat template, embeddings — streaming each generated token out as it
// comes and stopping between tokens when the job is cancelled. Decoding is src/infer's (generate, embedText);
// this file chooses prompts, limits and seeds and shapes the results; a job's constraint (response_format) becomes a
// grammar hook per choice, its masks cached across jobs in the worker's ConstraintCache. A beam job (use_beam_search,
// include, exclude) runs src/infer's beamSearchText per prompt, its n best as the choices, holding one batch place per
// beam for the whole search (the search is synchronous: it decodes its beams in one batch of its own). Not here: the thread glue (worker.ts), HTTP
// shapes (responses.ts), model loading (registry.ts).
import { embedText } from "../../infer/embed.js";
import type { LexicalIndex } from "../../rag/index.js";
import { beamSearchText, ConstraintCache, copySpanConstraint, grammarBeamConstraint, jointConstraint, lexicalConstraint, type DecodeBatcher, createInferState, createKvCache, endOfTurnIds, generate, grammarConstraint, logSumExp, prefill, promptIds, topLogprobs, type GeneratedToken, type GenerateHooks, type InferModel, type TokenLogprob } from "../../infer/index.js";
import { tokenCharStarts, type Tokenizer } from "../../tokenizer/index.js";
import { chatPromptIds } from "./chat-prompt.js";
import { ApiError } from "./errors.js";
import { runExploreJob, type CefrTools } from "./explorer-jobs.js";
import type { Slots } from "./slots.js";
import type { ChatJob, ChoiceResult, CompleteJob, EmbedJob, EmbedResult, FinishReasonOut, GenerationResult, Job, JobResult, TokenAlt, TokenEvent, TokenInfo } from "./protocol.js";

export interface JobContext {
  readonly emit: (ev: TokenEvent) => void;
  /** True once the job is to stop (client gone, shutdown); checked between tokens. */
  readonly cancelled: () => boolean;
  /** The server's --max-tokens. */
  readonly maxTokensCap: number;
  /** Called after each generated token (a test hook may sleep there). */
  readonly afterToken?: () => void;
  /** The explorer's retrieval index (serve --rag), opened on first use; absent: none. */
  readonly ragIndex?: () => LexicalIndex | null;
  /** The CEFR classifier and lexicon of serve --cefr (the Simplify page), opened on first use; absent: none. */
  readonly cefrTools?: () => CefrTools | null;
  /** Vocabulary tries and compiled grammars kept across jobs (absent: built per job). */
  readonly constraints?: ConstraintCache;
  /** Continuous batching: the model's batcher and the worker's batch places (each choice holds one while it
   *  generates; a job's choices then run side by side). Absent: the choices generate alone, one after another. */
  readonly batching?: { readonly batcher: (model: InferModel) => DecodeBatcher; readonly slots: Slots };
}

/** The logits hook of one choice under a job's constraint (a fresh grammar or copy state per choice). */
function constraintHooks(model: InferModel, job: CompleteJob | ChatJob, endIds: ReadonlySet<number> | undefined, ctx: JobContext): GenerateHooks {
  const spec = job.constraint, copyFrom = job.copyFrom ?? null;
  if (spec === null && copyFrom === null) return {};
  const eos = model.tokenizer.special.eos;
  const ends = endIds ?? new Set(eos === undefined ? [] : [eos]);
  if (ends.size === 0) throw new ApiError(400, "this model has no end-of-sequence token, so a constrained output could not end", copyFrom !== null ? "copy_from" : "response_format");
  if (copyFrom !== null) return copySpanConstraint(model.tokenizer, copyFrom, ends).hooks;
  const masker = (ctx.constraints ?? new ConstraintCache(1)).masker(model.tokenizer, spec!);
  return grammarConstraint(masker, ends).hooks;
}

/** OpenAI's default max_tokens for /v1/completions (chat's default is "as many as fit", within the cap). */
const COMPLETION_DEFAULT_MAX_TOKENS = 16;

const utf8 = new TextDecoder("utf-8", { fatal: false });
function alt(tok: Tokenizer, id: number, logprob: number): TokenAlt {
  const b = tok.tokenBytes(id);
  return { token: utf8.decode(b), bytes: [...b], logprob };
}
const info = (tok: Tokenizer, id: number, logprob: number, top: readonly TokenLogprob[]): TokenInfo => ({ ...alt(tok, id, logprob), top: top.map((t) => alt(tok, t.id, t.logprob)) });

/** Tokens to generate for a prompt of `promptLen`: the request's (capped at --max-tokens; over the room left in
 *  the context is a 400, as OpenAI answers) or the default, within the room. */
function resolveMaxTokens(model: InferModel, promptLen: number, requested: number | null, fallback: number, cap: number, param: string): number {
  const ctx = model.config.context;
  // A prompt may fill the whole context when nothing is to be generated (scoring with echo and max_tokens 0).
  if (promptLen > ctx || (promptLen === ctx && requested !== 0)) {
    throw new ApiError(400, `This model's maximum context length is ${ctx} tokens; the ${param} takes ${promptLen}, leaving no room to generate.`, param, "context_length_exceeded");
  }
  const room = ctx - promptLen;
  if (requested === null) return Math.min(fallback, cap, room);
  const n = Math.min(requested, cap);
  if (n > room) {
    throw new ApiError(400, `This model's maximum context length is ${ctx} tokens; you requested ${promptLen + n} (${promptLen} in the ${param}, ${n} in the completion).`, "max_tokens", "context_length_exceeded");
  }
  return n;
}

/** log p of every prompt token given the ones before it (the first: none) and its `k` likeliest alternatives, from
 *  one prefill with a logits sink, as src/infer/score.ts scores a text. */
export function promptLogprobs(model: InferModel, ids: readonly number[], k: number): (TokenInfo & { first: boolean })[] {
  const tok = model.tokenizer;
  const out: (TokenInfo & { first: boolean })[] = [{ ...info(tok, ids[0]!, 0, []), first: true }];
  if (ids.length < 2) return out;
  const state = createInferState(model.weights, model.backend, Math.min(128, ids.length));
  const cache = createKvCache(model.config, ids.length);
  prefill(state, cache, ids, (pos, logits) => {
    if (pos + 1 >= ids.length) return;
    const lse = logSumExp(logits), id = ids[pos + 1]!;
    out.push({ ...info(tok, id, logits[id]! - lse, k > 0 ? topLogprobs(logits, k, lse) : []), first: false });
  });
  return out;
}

/** The prompt tokens with where each starts in the echoed text (OpenAI's text_offset); unchanged when the tokens do
 *  not spell the text (a normalizing tokenizer), where the offsets fall back to summed token lengths. */
function withOffsets(tok: Tokenizer, text: string, ids: readonly number[], info: (TokenInfo & { first: boolean })[]): (TokenInfo & { first: boolean; offset?: number })[] {
  const starts = tokenCharStarts(tok, text, ids);
  return starts === null ? info : info.map((t, i) => ({ ...t, offset: starts[i]! }));
}

interface Generation {
  readonly text: string;
  readonly finishReason: FinishReasonOut;
  readonly tokens: TokenInfo[];
  readonly count: number;
}

/** One choice: src/infer's generate over `ids`, each token sent out as it comes. */
async function generateChoice(model: InferModel, job: Job & (CompleteJob | ChatJob), index: number, ids: readonly number[], options: Record<string, unknown>, endIds: ReadonlySet<number> | undefined, wantLogprobs: boolean, ctx: JobContext): Promise<Generation> {
  const b = ctx.batching;
  if (b === undefined) return generateTokens(model, job, index, generate(model, ids, options, endIds, constraintHooks(model, job, endIds, ctx)), wantLogprobs, ctx);
  await b.slots.acquire();
  try {
    if (ctx.cancelled()) return { text: "", finishReason: "cancelled", tokens: [], count: 0 };
    return await generateTokens(model, job, index, generate(model, ids, options, endIds, constraintHooks(model, job, endIds, ctx), b.batcher(model)), wantLogprobs, ctx);
  } finally {
    b.slots.release();
  }
}

/** Drains one choice's token stream, sending each token out as it comes; stops between tokens when cancelled. */
async function generateTokens(model: InferModel, job: Job & (CompleteJob | ChatJob), index: number, it: ReturnType<typeof generate>, wantLogprobs: boolean, ctx: JobContext): Promise<Generation> {
  const tok = model.tokenizer;
  const tokens: TokenInfo[] = [];
  let count = 0, text = "";
  for (;;) {
    // A cancelled generator is simply dropped: it holds only memory (its KV cache and scratch).
    if (ctx.cancelled()) return { text, finishReason: "cancelled", tokens, count };
    const r = await it.next();
    if (r.done === true) {
      const f = r.value.finishReason;
      return { text: r.value.text, finishReason: f === "eos" || f === "stop" ? "stop" : "length", tokens, count };
    }
    const t: GeneratedToken = r.value;
    const ti = t.id >= 0 && wantLogprobs ? info(tok, t.id, t.logprob, t.top) : null;
    if (ti !== null) tokens.push(ti);
    if (t.id >= 0) count++;
    text += t.text;
    if (job.stream) ctx.emit({ type: "token", job: job.id, index, id: t.id, text: t.text, info: ti });
    if (t.id >= 0) ctx.afterToken?.();
  }
}

/** The n best hypotheses of a beam search over `ids` (the job's first n choices from `index0`), with src/infer's
 *  beamSearchText and lexicalConstraint exactly as `kotodama generate --beams --include` calls them. Holds
 *  min(beams, places) batch places while it searches; stops between steps when the job is cancelled. */
async function beamChoices(model: InferModel, job: Job & (CompleteJob | ChatJob), ids: readonly number[], maxTokens: number, endIds: ReadonlySet<number> | undefined, ctx: JobContext): Promise<Generation[]> {
  const beam = job.beam!;
  const b = ctx.batching;
  const places = b === undefined ? 0 : Math.min(beam.beams, b.slots.size);
  if (b !== undefined) await b.slots.acquire(places);
  try {
    const cancelled: Generation = { text: "", finishReason: "cancelled", tokens: [], count: 0 };
    if (ctx.cancelled()) return Array.from({ length: job.n }, () => cancelled);
    const spec = { include: beam.include, exclude: beam.exclude };
    const c = spec.include.length + spec.exclude.length > 0 ? lexicalConstraint(model.tokenizer, spec, maxTokens) : undefined;
    const eos = model.tokenizer.special.eos;
    const ends = endIds ?? new Set(eos === undefined ? [] : [eos]);
    let g: ReturnType<typeof grammarBeamConstraint> | undefined;
    if (job.constraint !== null) {
      if (ends.size === 0) throw new ApiError(400, "this model has no end-of-sequence token, so a constrained output could not end", "response_format");
      g = grammarBeamConstraint((ctx.constraints ?? new ConstraintCache(1)).masker(model.tokenizer, job.constraint), ends);
    }
    let r: ReturnType<typeof beamSearchText>;
    try {
      r = beamSearchText(model, ids, { beams: beam.beams, maxTokens, alpha: beam.alpha, nBest: job.n }, ends, jointConstraint(c, g), ctx.cancelled);
    } catch (e) {
      if (e instanceof Error && /every hypothesis was pruned/.test(e.message)) {
        const field = spec.include.length > 0 ? "include" : spec.exclude.length > 0 ? "exclude" : "response_format";
        throw new ApiError(400, `${field}: the constraints exclude every continuation the beams kept for this prompt within ${maxTokens} tokens`, field, "unsatisfiable_constraints");
      }
      throw e;
    }
    const stopped = ctx.cancelled();
    return r.hypotheses.map((h) => ({ text: h.text, finishReason: stopped ? "cancelled" : h.finishReason === "eos" ? "stop" : "length", tokens: [], count: h.ids.length }));
  } finally {
    if (b !== undefined) b.slots.release(places);
  }
}

/** A choice still to generate: its index, and how to make its result from its generation. */
interface ChoiceTask {
  readonly index: number;
  readonly run: () => Promise<Generation>;
  readonly shape: (g: Generation) => ChoiceResult;
}

/** Runs the choices: side by side when batching (each holds a batch place while it generates), else one after
 *  another, the rest skipped as cancelled once one is. Returns them in index order, and the tokens generated. */
async function runChoices(tasks: readonly ChoiceTask[], ctx: JobContext): Promise<{ choices: ChoiceResult[]; completionTokens: number; cancelled: boolean }> {
  const gens: Generation[] = [];
  if (ctx.batching !== undefined) gens.push(...(await Promise.all(tasks.map((t) => t.run()))));
  else {
    for (const t of tasks) {
      const cancelled = gens.some((g) => g.finishReason === "cancelled");
      gens.push(cancelled ? { text: "", finishReason: "cancelled", tokens: [], count: 0 } : await t.run());
    }
  }
  return {
    choices: tasks.map((t, i) => t.shape(gens[i]!)),
    completionTokens: gens.reduce((a, g) => a + g.count, 0),
    cancelled: gens.some((g) => g.finishReason === "cancelled"),
  };
}

async function runComplete(model: InferModel, job: Job & CompleteJob, ctx: JobContext): Promise<GenerationResult> {
  const fixed: ChoiceResult[] = [];
  const tasks: ChoiceTask[] = [];
  let promptTokens = 0;
  const base = Number(job.sampling.seed ?? 0);
  let chain: Promise<Generation[]> = Promise.resolve([]);
  for (let p = 0; p < job.prompts.length; p++) {
    const input = job.prompts[p]!;
    const ids = promptIds(model, input);
    promptTokens += ids.length;
    const maxTokens = resolveMaxTokens(model, ids.length, job.maxTokens, COMPLETION_DEFAULT_MAX_TOKENS, ctx.maxTokensCap, "prompt");
    const echoText = job.echo ? (typeof input === "string" ? input : model.tokenizer.decode([...input])) : "";
    const promptInfo = job.echo && job.logprobs !== null ? withOffsets(model.tokenizer, echoText, ids, promptLogprobs(model, ids, job.logprobs)) : [];
    if (job.beam !== null && maxTokens > 0) {
      // One search for the prompt's n choices: the first to run starts it, the others take their hypothesis from it;
      // the prompts' searches run one after another (the job holds one prompt's beams of places at a time).
      let search: Promise<Generation[]> | null = null;
      const start = (): Promise<Generation[]> => (chain = chain.catch(() => []).then(() => beamChoices(model, job, ids, maxTokens, undefined, ctx)));
      for (let i = 0; i < job.n; i++) {
        const index = p * job.n + i;
        tasks.push({
          index,
          run: async () => (await (search ??= start()))[i] ?? { text: "", finishReason: "length", tokens: [], count: 0 },
          shape: (g) => ({ index, text: g.text, finishReason: g.finishReason, promptTokens: [], tokens: [] }),
        });
      }
      continue;
    }
    for (let i = 0; i < job.n; i++) {
      const index = p * job.n + i;
      if (maxTokens === 0) {
        fixed.push({ index, text: echoText, finishReason: "length", promptTokens: promptInfo, tokens: [], echoChars: echoText.length });
        continue;
      }
      const options = { ...job.sampling, seed: base + i, maxTokens, topLogprobs: job.logprobs ?? 0 };
      tasks.push({
        index,
        run: () => generateChoice(model, job, index, ids, options, undefined, job.logprobs !== null, ctx),
        shape: (g) => ({ index, text: echoText + g.text, finishReason: g.finishReason, promptTokens: promptInfo, tokens: g.tokens, echoChars: echoText.length }),
      });
    }
  }
  const r = await runChoices(tasks, ctx);
  const choices = [...fixed, ...r.choices].sort((a, b) => a.index - b.index);
  return { kind: "complete", choices, promptTokens, completionTokens: r.completionTokens, cancelled: r.cancelled };
}


async function runChat(model: InferModel, job: Job & ChatJob, ctx: JobContext): Promise<GenerationResult> {
  const ids = chatPromptIds(model, job.messages);
  const maxTokens = resolveMaxTokens(model, ids.length, job.maxTokens, Number.MAX_SAFE_INTEGER, ctx.maxTokensCap, "messages");
  const endIds = endOfTurnIds(model.tokenizer);
  const base = Number(job.sampling.seed ?? 0);
  if (maxTokens === 0) {
    const choices = Array.from({ length: job.n }, (_, i): ChoiceResult => ({ index: i, text: "", finishReason: "length", promptTokens: [], tokens: [] }));
    return { kind: "chat", choices, promptTokens: ids.length, completionTokens: 0, cancelled: false };
  }
  let search: Promise<Generation[]> | null = null;
  const tasks = Array.from({ length: job.n }, (_, i): ChoiceTask => {
    if (job.beam !== null) {
      return {
        index: i,
        run: async () => (await (search ??= beamChoices(model, job, ids, maxTokens, endIds, ctx)))[i] ?? { text: "", finishReason: "length", tokens: [], count: 0 },
        shape: (g) => ({ index: i, text: g.text, finishReason: g.finishReason, promptTokens: [], tokens: [] }),
      };
    }
    const options = { ...job.sampling, seed: base + i, maxTokens, topLogprobs: job.logprobs ? job.topLogprobs : 0 };
    return {
      index: i,
      run: () => generateChoice(model, job, i, ids, options, endIds, job.logprobs, ctx),
      shape: (g) => ({ index: i, text: g.text, finishReason: g.finishReason, promptTokens: [], tokens: g.tokens }),
    };
  });
  const r = await runChoices(tasks, ctx);
  return { kind: "chat", choices: r.choices, promptTokens: ids.length, completionTokens: r.completionTokens, cancelled: r.cancelled };
}

function runEmbed(model: InferModel, job: EmbedJob): EmbedResult {
  let promptTokens = 0;
  const vectors = job.inputs.map((input, i) => {
    const ids = promptIds(model, input);
    if (ids.length > model.config.context) {
      throw new ApiError(400, `input[${i}] takes ${ids.length} tokens; this model's maximum context length is ${model.config.context}`, "input", "context_length_exceeded");
    }
    const e = embedText(model, ids);
    promptTokens += e.tokens;
    return Array.from(e.vector);
  });
  return { kind: "embed", vectors, promptTokens };
}

export async function runJob(model: InferModel, job: Job, ctx: JobContext): Promise<JobResult> {
  switch (job.kind) {
    case "complete":
      return runComplete(model, job, ctx);
    case "chat":
      return runChat(model, job, ctx);
    case "embed":
      return runEmbed(model, job);
    case "cefr":
      throw new Error("run-job: a CEFR job goes to the CEFR classifier (worker.ts), not to a served model");
    default:
      return runExploreJob(model, job, { ragIndex: ctx.ragIndex ?? (() => null), cefr: ctx.cefrTools ?? (() => null) });
  }
}
