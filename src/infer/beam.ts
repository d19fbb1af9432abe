// Beam search: B hypotheses decoded together (forward.ts decodeBatch, one KV cache per live beam, copied on fork),
// candidates ranked by cumulative log-probability, finished hypotheses ranked by logprob / length^alpha (Wu et al.
// 2016's length normalisation in Hugging Face's simple form), n-best returned with scores. An optional
// BeamConstraint (lexical.ts: NeuroLogic decoding) masks tokens, proposes extra candidates, and groups candidates by
// the number of satisfied clauses when the beam is pruned.
// Not here: the constraint logic (lexical.ts), sampling (sampler.ts), streaming (generate.ts).
import { check, mergeOverDefaults } from "../data/schema.js";
import type { Backend } from "../engine/ops.js";
import { KotodamaError } from "../util/errors.js";
import { resolveContext } from "./context.js";
import { createInferState, decodeBatch, prefill } from "./forward.js";
import { createKvCache, type KvCache } from "./kv-cache.js";
import type { InferModel } from "./model.js";
import type { InferWeights } from "./weights.js";
import { promptIds as toPromptIds } from "./generate.js";
import { StopText } from "./stop-text.js";

export interface BeamOptions {
  /** Beam width B (1 = greedy). */
  readonly beams: number;
  readonly maxTokens: number;
  /** Length normalisation of finished hypotheses: score = logprob / length^alpha (0 = none). */
  readonly alpha: number;
  /** Hypotheses returned (≤ beams). */
  readonly nBest: number;
  /** KV cache capacity (default: prompt + maxTokens). */
  readonly context: number | null;
}

export const DEFAULT_BEAM_OPTIONS: BeamOptions = { beams: 4, maxTokens: 64, alpha: 1, nBest: 1, context: null };

/** Validates beam options (unknown keys and wrong types are errors naming the key). */
export function parseBeamOptions(raw: Readonly<Record<string, unknown>> = {}, where = "beam search"): BeamOptions {
  const o = mergeOverDefaults(DEFAULT_BEAM_OPTIONS, raw, "", where, { context: "number" }) as BeamOptions;
  check(Number.isSafeInteger(o.beams) && o.beams >= 1 && o.beams <= 4096, where, "beams", `must be an integer in [1, 4096], got ${o.beams}`);
  check(Number.isSafeInteger(o.maxTokens) && o.maxTokens >= 1, where, "maxTokens", `must be a positive integer, got ${o.maxTokens}`);
  check(Number.isFinite(o.alpha) && o.alpha >= 0 && o.alpha <= 10, where, "alpha", `must be in [0, 10], got ${o.alpha}`);
  check(Number.isSafeInteger(o.nBest) && o.nBest >= 1 && o.nBest <= o.beams, where, "nBest", `must be an integer in [1, beams = ${o.beams}], got ${o.nBest}`);
  return o;
}

/** A constraint on hypotheses, with per-hypothesis state S (immutable: advance returns a new one). */
export interface BeamConstraint<S> {
  readonly start: S;
  /** Masks (−Infinity) the tokens a hypothesis may not take next, in `logprobs` (V); returns tokens to consider
   *  besides the top ones (e.g. those that start or continue a must-include phrase). `remaining` counts the tokens
   *  the hypothesis may still generate, this one included. End ids are masked by the search when canEnd is false. */
  mask(s: S, generated: readonly number[], logprobs: Float64Array, remaining: number): readonly number[];
  /** The state after `token`, or null when the child is invalid (e.g. can no longer satisfy every clause). */
  advance(s: S, generated: readonly number[], token: number, remaining: number): S | null;
  /** Whether the hypothesis may end here. */
  canEnd(s: S): boolean;
  /** Satisfied clauses (candidates are grouped by it) and a bonus added to the ranking score (e.g. progress). */
  satisfied(s: S): number;
  bonus(s: S): number;
}

export interface BeamHypothesis {
  readonly ids: readonly number[];
  /** Sum of log p of the ids (and of the end token when finished by one). */
  readonly logprob: number;
  /** logprob / length^alpha, length counting the end token. */
  readonly score: number;
  readonly finishReason: "eos" | "length";
  /** Satisfied clauses of the constraint (0 without one). */
  readonly satisfied: number;
}

export interface BeamResult {
  /** Best first (by score). */
  readonly hypotheses: readonly BeamHypothesis[];
  readonly promptIds: readonly number[];
  readonly options: BeamOptions;
  readonly warnings: readonly string[];
  readonly steps: number;
  /** Tokens of the best hypothesis per second of decoding (wall clock, prefill excluded). */
  readonly tokensPerS: number;
}

/** What the search needs of a model: weights and backend (the tokenizer is not needed: constraints carry theirs). */
export type BeamModel = Pick<InferModel, "config" | "weights" | "backend">;

interface Hyp<S> {
  readonly ids: number[];
  readonly logprob: number;
  readonly state: S;
  cache: KvCache;
}

interface Candidate<S> {
  readonly parent: number;
  readonly token: number;
  readonly logprob: number;
  readonly state: S;
  readonly rank: number;
  readonly group: number;
}

const NO_CONSTRAINT: BeamConstraint<null> = { start: null, mask: () => [], advance: () => null, canEnd: () => true, satisfied: () => 0, bonus: () => 0 };

/** Log-softmax of `x` into `out`, in float64 (so that distinct logits keep distinct, ordered log-probabilities and
 *  B = 1 picks argmax's token). */
function logSoftmax(x: Float32Array, out: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  const lse = m + Math.log(s);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - lse;
}

/** The k largest finite entries' indices, larger first, lower index first on ties (as argmax). */
function topK(x: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === -Infinity) continue;
    if (out.length === k && v <= x[out[k - 1]!]!) continue;
    let j = out.length < k ? out.length : k - 1;
    while (j > 0 && x[out[j - 1]!]! < v) j--;
    out.splice(j, 0, i);
    if (out.length > k) out.pop();
  }
  return out;
}

function copyCache(from: KvCache, to: KvCache): void {
  const n = from.length * from.kvDim;
  for (let l = 0; l < from.k.length; l++) {
    to.k[l]!.set(from.k[l]!.subarray(0, n));
    to.v[l]!.set(from.v[l]!.subarray(0, n));
  }
  to.length = from.length;
}

/** Beam search from prompt ids. `endIds` end a hypothesis (empty: none ends early). Stops when B hypotheses have
 *  finished (Hugging Face's early_stopping=True: with B = 1 this is greedy decoding exactly) or at maxTokens, where
 *  the live beams join the finished ones. `shouldStop`, asked before each step (e.g. a server's cancellation), ends
 *  the search early as maxTokens would: the live beams join the finished ones with finish reason "length". */
export function beamSearch<S = null>(
  model: BeamModel,
  promptIds: readonly number[],
  options: BeamOptions | Readonly<Record<string, unknown>> = {},
  endIds: ReadonlySet<number> = new Set(),
  constraint?: BeamConstraint<S>,
  shouldStop?: () => boolean,
): BeamResult {
  const o = parseBeamOptions(options as Readonly<Record<string, unknown>>);
  const c = (constraint ?? NO_CONSTRAINT) as BeamConstraint<S>;
  const V = model.config.vocabSize, B = o.beams;
  if (promptIds.length === 0) throw new KotodamaError("beam search: the prompt has no tokens");
  const plan = resolveContext(model.config, o.context, promptIds.length + o.maxTokens, `the prompt (${promptIds.length} tokens) + max tokens (${o.maxTokens})`);
  const maxTokens = Math.min(o.maxTokens, plan.capacity - promptIds.length);
  if (maxTokens < 1) throw new KotodamaError(`beam search: the prompt (${promptIds.length} tokens) fills the ${plan.capacity}-position context`);
  const weights: InferWeights = model.weights, backend: Backend = model.backend;
  const state = createInferState(weights, backend, Math.max(B, 128));
  const caches = Array.from({ length: B }, () => createKvCache(model.config, plan.capacity));
  const rows = new Float32Array(B * V), lp = new Float64Array(V);
  rows.set(prefill(state, caches[0]!, promptIds));
  const finished: BeamHypothesis[] = [];
  const norm = (logprob: number, len: number): number => logprob / Math.max(1, len) ** o.alpha;
  let live: Hyp<S>[] = [{ ids: [], logprob: 0, state: c.start, cache: caches[0]! }];
  let steps = 0;
  const t0 = performance.now();
  for (let t = 0; t < maxTokens && live.length > 0; t++) {
    if (t > 0 && shouldStop?.() === true) {
      for (const h of live) finished.push({ ids: [...h.ids], logprob: h.logprob, score: norm(h.logprob, h.ids.length), finishReason: "length", satisfied: constraint === undefined ? 0 : c.satisfied(h.state) });
      break;
    }
    const remaining = maxTokens - t;
    const cands: Candidate<S>[] = [];
    const ends: { parent: number; logprob: number }[] = [];
    for (let b = 0; b < live.length; b++) {
      const h = live[b]!;
      logSoftmax(rows.subarray(b * V, (b + 1) * V), lp);
      const extra = c.mask(h.state, h.ids, lp, remaining);
      const ok = c.canEnd(h.state);
      for (const e of endIds) {
        if (e < V && lp[e]! > -Infinity && ok) ends.push({ parent: b, logprob: h.logprob + lp[e]! });
        if (e < V) lp[e] = -Infinity;
      }
      const tokens = new Set(topK(lp, 2 * B));
      for (const x of extra) if (lp[x]! > -Infinity) tokens.add(x);
      for (const token of tokens) {
        const st = c.advance(h.state, h.ids, token, remaining);
        if (st === null && constraint !== undefined) continue;
        const logprob = h.logprob + lp[token]!;
        cands.push({ parent: b, token, logprob, state: st as S, rank: logprob + c.bonus(st as S), group: constraint === undefined ? 0 : c.satisfied(st as S) });
      }
    }
    // Order: by group (most satisfied clauses first), taking the best of each group in turn (NeuroLogic's
    // selection); one group without a constraint, so this is a sort by cumulative log-probability.
    const groups = new Map<number, Candidate<S>[]>();
    for (const x of cands) {
      const g = groups.get(x.group);
      if (g === undefined) groups.set(x.group, [x]);
      else g.push(x);
    }
    const order: Candidate<S>[] = [];
    const lists = [...groups.entries()].sort((a, b) => b[0] - a[0]).map(([, l]) => l.sort((a, b) => b.rank - a.rank || a.parent - b.parent || a.token - b.token));
    for (let i = 0; order.length < cands.length; i++) for (const l of lists) if (i < l.length) order.push(l[i]!);
    // End candidates that rank within the top B of all candidates finish (Hugging Face's rule).
    const endRank = (logprob: number): number => order.filter((x) => x.rank > logprob).length;
    for (const e of ends.sort((a, b) => b.logprob - a.logprob)) {
      if (endRank(e.logprob) < B && finished.length < B) {
        const h = live[e.parent]!;
        finished.push({ ids: [...h.ids], logprob: e.logprob, score: norm(e.logprob, h.ids.length + 1), finishReason: "eos", satisfied: constraint === undefined ? 0 : c.satisfied(h.state) });
      }
    }
    if (finished.length >= B) break;
    const chosen = order.slice(0, B);
    if (t + 1 === maxTokens) {
      for (const x of chosen) {
        const ids = [...live[x.parent]!.ids, x.token];
        finished.push({ ids, logprob: x.logprob, score: norm(x.logprob, ids.length), finishReason: "length", satisfied: constraint === undefined ? 0 : c.satisfied(x.state) });
      }
      break;
    }
    // Caches: a parent's cache moves to its first child; further children get a copy in a free cache.
    const taken = new Set<number>();
    const free = caches.filter((k) => !chosen.some((x) => live[x.parent]!.cache === k));
    const next: Hyp<S>[] = chosen.map((x) => {
      const p = live[x.parent]!;
      let cache = p.cache;
      if (taken.has(x.parent)) {
        cache = free.pop()!;
        copyCache(p.cache, cache);
      }
      taken.add(x.parent);
      return { ids: [...p.ids, x.token], logprob: x.logprob, state: x.state, cache };
    });
    live = next;
    if (live.length > 0) {
      decodeBatch(state, live.map((h) => h.cache), live.map((h) => h.ids[h.ids.length - 1]!), rows);
      steps++;
    }
  }
  const decodeS = (performance.now() - t0) / 1000;
  const hypotheses = finished.sort((a, b) => b.score - a.score).slice(0, o.nBest);
  if (hypotheses.length === 0) throw new KotodamaError("beam search: every hypothesis was pruned (the constraints exclude every continuation)");
  return { hypotheses, promptIds: [...promptIds], options: o, warnings: plan.warnings, steps, tokensPerS: hypotheses[0]!.ids.length / Math.max(decodeS, 1e-9) };
}

export interface BeamTextHypothesis extends BeamHypothesis {
  readonly text: string;
}

/** beamSearch on a text prompt (through the tokenizer, as generate does), with each hypothesis's text decoded as
 *  generate decodes it (after the prompt, so a leading space stays). */
export function beamSearchText<S = null>(
  model: InferModel,
  prompt: string | readonly number[],
  options: BeamOptions | Readonly<Record<string, unknown>> = {},
  endIds?: ReadonlySet<number>,
  constraint?: BeamConstraint<S>,
  shouldStop?: () => boolean,
): Omit<BeamResult, "hypotheses"> & { readonly hypotheses: readonly BeamTextHypothesis[]; readonly text: string } {
  const eos = model.tokenizer.special.eos;
  const ends = endIds ?? new Set(eos === undefined ? [] : [eos]);
  const ids = toPromptIds(model, prompt);
  const r = beamSearch(model, ids, options, ends, constraint, shouldStop);
  const textOf = (out: readonly number[]): string => {
    const st = new StopText(model.tokenizer, ids, []);
    for (const id of out) st.push(id);
    st.flush();
    return st.text;
  };
  const hypotheses = r.hypotheses.map((h) => ({ ...h, text: textOf(h.ids) }));
  return { ...r, hypotheses, text: hypotheses[0]!.text };
}
