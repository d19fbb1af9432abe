// What the inference worker computes for the explorer's pages, on one loaded model: the next-token distribution
// (top k, mass, entropy), per-token log-probabilities and a naturalness ranking (src/infer/score.ts), the sampling
// distribution after temperature/top-k/top-p/min-p with a seeded continuation (src/infer/sampler.ts, generate.ts),
// attention maps from the forward's tracer with the logit lens, and grounded answers from the --rag index
// (src/rag/answer.ts), and a chat model's greedy answer with its mean log-probability (the Instruction tuning page
// asks every served model the same question), and a simplification toward a CEFR level with its word diff and the
// classifier's levels (src/eval/cefr/simplify.ts). The math is src/infer's, src/rag's and src/eval's; this file picks what to return. Not here: the thread glue (worker.ts, run-job.ts dispatches here), parsing (explorer-requests.ts).
import { createInferState, createKvCache, endOfTurnIds, generateText, inferKernels, logSumExp, parseGenerateOptions, prefill, promptIds, rankTexts, samplingDistribution, scoreText, topLogprobs, type InferModel } from "../../infer/index.js";
import { askGrounded, ASK_DEFAULTS, LexicalIndex, localGenerator } from "../../rag/index.js";
import { chatPromptIds } from "./chat-prompt.js";
import { ApiError } from "./errors.js";
import type { AnswerResult, AttentionResult, ExploreJob, ExploreResult, JudgedLevel, LensCell, NextResult, Passage, RagResult, SampleResult, ScoreResult, SimplifyResult, TokenPiece } from "./explorer-protocol.js";
import type { OpenCefr } from "../../eval/cefr/model.js";
import { LEVELS, type Level } from "../../eval/cefr/data.js";
import { wordsAbove, type Lexicon } from "../../eval/cefr/lexicon.js";
import { hardestSentence, simplifySentence, type Simplification, type SimplifyOptions } from "../../eval/cefr/simplify.js";
import { wordDiff } from "../../eval/cefr/word-diff.js";
import { KotodamaError } from "../../util/errors.js";

/** Longest prompt the attention page takes (its maps grow as T², per layer and head). */
export const ATTENTION_MAX_TOKENS = 64;

const utf8 = new TextDecoder("utf-8", { fatal: false });
export const pieceOf = (model: InferModel, id: number): TokenPiece => ({ id, text: utf8.decode(model.tokenizer.tokenBytes(id)) });

/** The prompt's ids (the tokenizer's BOS added, as generate does), within the model's context. */
function idsOf(model: InferModel, prompt: string, max = model.config.context): number[] {
  const ids = promptIds(model, prompt);
  if (ids.length > max) throw new ApiError(400, `prompt: ${ids.length} tokens; at most ${max} here`, "prompt", "context_length_exceeded");
  return ids;
}

/** The logits (V) after the whole prompt, copied. */
function lastLogits(model: InferModel, ids: readonly number[]): Float32Array {
  const state = createInferState(model.weights, model.backend, Math.min(128, ids.length));
  const cache = createKvCache(model.config, ids.length);
  return prefill(state, cache, ids).slice();
}

/** −Σ p ln p of softmax(logits), in nats (float64). */
export function entropyOf(logits: ArrayLike<number>, lse = logSumExp(logits)): number {
  let h = 0;
  for (let i = 0; i < logits.length; i++) {
    const lp = logits[i]! - lse;
    const p = Math.exp(lp);
    if (p > 0) h -= p * lp;
  }
  return h;
}

function runNext(model: InferModel, prompt: string, k: number): NextResult {
  const ids = idsOf(model, prompt);
  const logits = lastLogits(model, ids);
  const lse = logSumExp(logits);
  const top = topLogprobs(logits, k, lse).map((t) => ({ ...pieceOf(model, t.id), logprob: t.logprob, prob: Math.exp(t.logprob) }));
  return {
    kind: "explore.next", promptTokens: ids.length, tokens: ids.map((id) => pieceOf(model, id)), top,
    mass: top.reduce((s, t) => s + t.prob, 0), entropy: entropyOf(logits, lse), vocabSize: logits.length,
  };
}

function runScore(model: InferModel, texts: readonly string[]): ScoreResult {
  let promptTokens = 0;
  const scored = texts.map((text, index) => {
    if (model.tokenizer.encode(text).length > model.config.context) throw new ApiError(400, `texts[${index}]: longer than the model's context of ${model.config.context} tokens`, "texts", "context_length_exceeded");
    try {
      return { index, score: scoreText(model, text) };
    } catch (e) {
      throw new ApiError(400, `texts[${index}]: ${(e as Error).message}`, "texts");
    }
  });
  const byScore = new Map(scored.map((s) => [s.score, s.index]));
  const ranked = rankTexts(scored.map((s) => s.score)).map((s) => {
    promptTokens += s.tokens.length;
    return {
      index: byScore.get(s)!, text: s.text, total: s.total, mean: s.mean, perplexity: s.perplexity,
      tokens: s.tokens.map((t) => ({ ...pieceOf(model, t.id), logprob: t.logprob })),
    };
  });
  return { kind: "explore.score", promptTokens, ranked };
}

async function runSample(model: InferModel, job: Extract<ExploreJob, { kind: "explore.sample" }>): Promise<SampleResult> {
  const o = parseGenerateOptions({ ...job.sampling, repeatPenalty: 1, topLogprobs: 0 }, "sampling");
  const ids = idsOf(model, job.prompt);
  if (ids.length + o.maxTokens! > model.config.context) throw new ApiError(400, `maxTokens: the prompt (${ids.length} tokens) and ${o.maxTokens} more exceed the model's context of ${model.config.context}`, "maxTokens");
  const logits = lastLogits(model, ids);
  const lse = logSumExp(logits);
  const sampled = new Map<number, number>();
  if (o.temperature === 0) sampled.set(topLogprobs(logits, 1, lse)[0]!.id, 1);
  else {
    const d = samplingDistribution(logits, o);
    d.ids.forEach((id, i) => sampled.set(id, d.probs[i]!));
  }
  let keptMass = 0;
  for (const id of sampled.keys()) keptMass += Math.exp(logits[id]! - lse);
  const candidates = topLogprobs(logits, job.show, lse).map((t) => ({ ...pieceOf(model, t.id), prob: Math.exp(t.logprob), sampled: sampled.get(t.id) ?? 0 }));
  const g = await generateText(model, ids, o);
  return {
    kind: "explore.sample", promptTokens: ids.length, candidates, kept: sampled.size, keptMass,
    continuation: g.text, generated: g.tokens.map((t) => pieceOf(model, t.id)), finishReason: g.finishReason,
  };
}

/** The LM head (final norm, head, soft-cap) over rows x (n, C): the forward's own head, applied to any layer's
 *  residual stream (the logit lens, nostalgebraist 2020). Returns (n, V). */
export function lensLogits(model: InferModel, x: Float32Array, n: number): Float32Array {
  const w = model.weights, c = w.config, C = c.dim, V = c.vocabSize, K = inferKernels(model.backend);
  const xb = new Float32Array(n * C), rstd = new Float32Array(n), mean = new Float32Array(n);
  if (c.norm === "rms") K.rmsNorm({ x, weight: w.normF.weight, n, c: C, eps: c.normEps, out: xb, rstd });
  else K.layerNorm({ x, weight: w.normF.weight, bias: w.normF.bias, n, c: C, eps: c.normEps, out: xb, mean, rstd });
  const out = new Float32Array(n * V);
  const m = w.lmHead;
  if (m instanceof Float32Array) {
    K.gemm({ transA: false, transB: true, m: n, n: V, k: C, alpha: 1, beta: 0, a: xb, lda: C, strideA: 0, b: m, ldb: C, strideB: 0, c: out, ldc: V, strideC: 0, batch: 1 });
  } else K.quantMatmul({ type: m.type, x: xb, w: m.bytes, n, k: C, nOut: V, out });
  const cap = c.finalSoftcap;
  if (cap > 0) for (let i = 0; i < n * V; i++) out[i] = cap * Math.tanh(out[i]! / cap);
  return out;
}

function runAttention(model: InferModel, prompt: string): AttentionResult {
  const ids = idsOf(model, prompt, Math.min(ATTENTION_MAX_TOKENS, model.config.context));
  const c = model.config, T = ids.length, H = c.nHeads, L = c.nLayers, V = c.vocabSize, C = c.dim;
  const probs: number[][][] = Array.from({ length: L }, () => []);
  const outs: Float32Array[] = [];
  const round = (v: number): number => Math.round(v * 1e5) / 1e5;
  // One chunk (maxRows ≥ T), so each layer's maps and output arrive once, covering every position.
  const state = createInferState(model.weights, model.backend, T, {
    attention: true,
    record: (name, data, shape) => {
      const m = /^layers\.(\d+)\.(attn_probs|out)$/.exec(name);
      if (m === null) return;
      const l = Number(m[1]);
      if (m[2] === "out") outs[l] = data.slice(0, T * C);
      else for (let h = 0; h < shape[0]!; h++) probs[l]![h] = Array.from(data.subarray(h * T * T, (h + 1) * T * T), round);
    },
  });
  prefill(state, createKvCache(c, T), ids);
  const lens: LensCell[][] = outs.map((x) => {
    const logits = lensLogits(model, x, T);
    return Array.from({ length: T }, (_, t) => {
      const row = logits.subarray(t * V, (t + 1) * V);
      const best = topLogprobs(row, 1)[0]!;
      return { ...pieceOf(model, best.id), prob: Math.exp(best.logprob) };
    });
  });
  return { kind: "explore.attention", promptTokens: T, tokens: ids.map((id) => pieceOf(model, id)), layers: L, heads: H, probs, lens };
}

/** The CEFR classifier of `serve --cefr` with its word lexicon, as the Simplify page uses them. */
export interface CefrTools {
  readonly model: OpenCefr;
  readonly lexicon: Lexicon;
}

/** What the worker holds for the explorer besides the model: the retrieval index of `serve --rag` and the CEFR
 *  classifier of `serve --cefr`, each opened once. */
export interface ExploreContext {
  readonly ragIndex: () => LexicalIndex | null;
  readonly cefr: () => CefrTools | null;
}

/** The Simplify page's settings: those `eval simplify` measured best on ASSET valid (docs/applications.md) —
 *  deletion-only with at least half the words kept and 1 nat charged per deleted word; the level constraint as a
 *  penalty of 3 on words above the target (a hard mask can leave no output that keeps half the words). */
export const SIMPLIFY_PAGE_SETTINGS = { minKeep: 0.5, deletePenalty: 1, levelPenalty: 3, beams: 4, maxTokens: 96 } as const;

function judged(m: OpenCefr, text: string): JudgedLevel | null {
  const h = hardestSentence(m, text);
  return h === null ? null : { level: h.level, probs: h.probs };
}

async function runSimplify(model: InferModel, job: Extract<ExploreJob, { kind: "explore.simplify" }>, cefr: CefrTools | null): Promise<SimplifyResult> {
  if ((job.constrained || job.rerank) && cefr === null) throw new ApiError(400, `${job.constrained ? "constrained" : "rerank"}: needs the CEFR classifier and its lexicon (kotodama serve --cefr DIR)`, job.constrained ? "constrained" : "rerank");
  const S = SIMPLIFY_PAGE_SETTINGS;
  const deleting = job.method === "delete";
  const opts: SimplifyOptions = {
    level: job.level, maxTokens: S.maxTokens,
    ...(job.constrained ? { lexicon: cefr!.lexicon, penalty: S.levelPenalty } : {}),
    ...(cefr !== null ? { checker: cefr.model } : {}),
    ...(deleting ? { deleteOnly: { minKeep: S.minKeep, deletePenalty: S.deletePenalty } } : {}),
    ...(job.rerank ? { rerank: true, beams: S.beams } : {}),
  };
  let r: Simplification;
  try {
    r = await simplifySentence(model, job.text, opts);
  } catch (e) {
    if (e instanceof KotodamaError) throw new ApiError(400, e.message, "text");
    throw e;
  }
  const above = (t: string): string[] => (cefr === null ? [] : wordsAbove(cefr.lexicon, job.level, t));
  const lvl = cefr === null ? null : judged(cefr.model, r.output);
  return {
    kind: "explore.simplify", promptTokens: 0, source: job.text, output: r.output, target: LEVELS[job.level]!, diff: wordDiff(job.text, r.output),
    sourceLevel: cefr === null ? null : judged(cefr.model, job.text), outputLevel: lvl, atOrBelow: lvl === null ? null : LEVELS.indexOf(lvl.level as Level) <= job.level,
    aboveSource: above(job.text), aboveOutput: above(r.output), beams: r.beams,
    settings: { method: job.method, constrained: job.constrained, rerank: job.rerank, ...(deleting ? { minKeep: S.minKeep, deletePenalty: S.deletePenalty } : {}), ...(job.constrained ? { levelPenalty: S.levelPenalty } : {}), ...(r.beams > 1 ? { beams: r.beams } : {}) },
  };
}

async function runRag(model: InferModel, job: Extract<ExploreJob, { kind: "explore.rag" }>, index: LexicalIndex | null): Promise<RagResult> {
  if (index === null) throw new ApiError(404, "this server has no retrieval index (kotodama serve --rag INDEX)", null, "no_rag_index");
  // Extract mode scores sentences lexically and needs no model; generate mode needs a chat model (a 400 says so).
  const models = job.mode === "generate" ? { generator: localGenerator(model) } : {};
  const a = await askGrounded(job.question, index, models, { ...ASK_DEFAULTS, k: job.k, mode: job.mode });
  const passage = (c: { docId: string; source: string; start: number; end: number; text: string; score: number }, n: number): Passage => ({ n, docId: c.docId, source: c.source, start: c.start, end: c.end, text: c.text, score: c.score });
  return {
    kind: "explore.rag", promptTokens: 0, answer: a.answer, abstained: a.abstained, belowThreshold: a.belowThreshold, relevance: a.relevance,
    citations: a.citations.map((c) => ({ n: c.n, marker: c.marker })), sources: a.sources.map((s) => passage(s, s.n)), retrieved: a.retrieved.map((c, i) => passage(c, i + 1)),
  };
}

/** Token ids as text with the chat template's control tokens shown by name (decode drops them): runs of ordinary
 *  tokens are decoded together, so that a character split over tokens stays whole. */
function withControls(model: InferModel, ids: readonly number[]): string {
  const tok = model.tokenizer;
  let out = "", run: number[] = [];
  const flush = (): void => {
    out += tok.decode(run);
    run = [];
  };
  for (const id of ids) {
    if (tok.isControl?.(id) === true) {
      flush();
      out += tok.tokenText(id);
    } else run.push(id);
  }
  flush();
  return out;
}

/** The greedy answer of a chat model to one user turn, through its chat template, ending at its end-of-turn token:
 *  what the Instruction tuning page shows per model, with Σ and mean log p of the answer's tokens. */
async function runAnswer(model: InferModel, job: Extract<ExploreJob, { kind: "explore.answer" }>): Promise<AnswerResult> {
  const ids = chatPromptIds(model, [{ role: "user", content: job.prompt }]);
  if (ids.length + 1 > model.config.context) throw new ApiError(400, `prompt: ${ids.length} tokens with the chat template; this model's context is ${model.config.context}`, "prompt", "context_length_exceeded");
  const maxTokens = Math.min(job.maxTokens, model.config.context - ids.length);
  const g = await generateText(model, ids, { temperature: 0, seed: job.seed, maxTokens, repeatPenalty: 1 }, endOfTurnIds(model.tokenizer));
  const total = g.tokens.reduce((s, t) => s + t.logprob, 0);
  return {
    kind: "explore.answer", promptTokens: ids.length, rendered: withControls(model, ids), answer: g.text, tokens: g.tokens.length,
    totalLogprob: total, meanLogprob: g.tokens.length === 0 ? null : total / g.tokens.length,
    finishReason: g.finishReason === "eos" || g.finishReason === "stop" ? "stop" : "length",
  };
}

export async function runExploreJob(model: InferModel, job: ExploreJob, ctx: ExploreContext): Promise<ExploreResult> {
  switch (job.kind) {
    case "explore.next":
      return runNext(model, job.prompt, job.k);
    case "explore.score":
      return runScore(model, job.texts);
    case "explore.sample":
      return runSample(model, job);
    case "explore.attention":
      return runAttention(model, job.prompt);
    case "explore.rag":
      return runRag(model, job, ctx.ragIndex());
    case "explore.answer":
      return runAnswer(model, job);
    case "explore.simplify":
      return runSimplify(model, job, ctx.cefr());
  }
}
