// Optional reranking of retrieved chunks by the LM's likelihood of the question given the passage:
// score = log p(question | passage + "\n質問: ") summed over the question's tokens. The question is the same for
// every candidate, so sum and mean order them alike. When passage + cue + question overflow the context, the
// passage is cut at its end (its first tokens, holding the title, stay), never the question: a scorer that cut the
// question would give a long passage the fewest (and so most probable) tokens. Query-likelihood ranking (Ponte &
// Croft 1998; with LMs, Sachan et al. 2022, "UPR"). RerankedRetriever puts it after any first stage (the CLI's
// --rerank N). Not here: first-stage retrieval (fusion.ts, dense-index.ts).
import { createInferState, createKvCache, logSumExp, prefill, type InferModel } from "../infer/index.js";
import type { AsyncRetriever, Chunk, Hit, Retriever } from "./types.js";

/** The question's cue after the passage: Japanese questions get 質問, others "Question". */
export const questionCue = (q: string): string => (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(q) ? "\n質問: " : "\nQuestion: ");

/** log p(question | passage + cue) of each passage, batched and async, so that a local model (localPassageScorer)
 *  and an endpoint (endpoint-scorer.ts, one /v1/completions echo request for all) both fit. */
export type PassageScorer = (question: string, passages: readonly string[]) => Promise<number[]>;

/** log p(question | passage) under the model, the passage cut to fit. */
export function questionLikelihood(model: InferModel): (passage: string, question: string) => number {
  const tok = model.tokenizer;
  const state = createInferState(model.weights, model.backend, 128);
  const ctx = model.config.context;
  return (passage, question) => {
    const q = tok.encode(question, { addBos: false }).slice(0, ctx - 8);
    const c = tok.encode(questionCue(question), { addBos: false });
    const p = tok.encode(passage);
    const ids = [...p.slice(0, Math.max(1, ctx - q.length - c.length)), ...c, ...q].slice(-ctx);
    const start = ids.length - q.length; // first question position
    const cache = createKvCache(model.config, ids.length);
    let logprob = 0;
    prefill(state, cache, ids, (pos, logits) => {
      if (pos >= start - 1 && pos + 1 < ids.length) logprob += logits[ids[pos + 1]!]! - logSumExp(logits);
    });
    return logprob;
  };
}

/** questionLikelihood as a PassageScorer. */
export function localPassageScorer(model: InferModel): PassageScorer {
  const score = questionLikelihood(model);
  return (question, passages) => Promise.resolve(passages.map((p) => score(p, question)));
}

/** Reorders hits[0..depth) by log p(question | passage); the rest keep their order after them. */
export async function rerankByLikelihood(question: string, hits: readonly Hit[], chunkOf: (n: number) => Chunk, score: PassageScorer, depth: number): Promise<Hit[]> {
  const top = hits.slice(0, depth);
  const scores = await score(question, top.map((h) => chunkOf(h.chunk).text));
  const head = top.map((h, i) => ({ chunk: h.chunk, score: scores[i]! }));
  head.sort((a, b) => b.score - a.score || a.chunk - b.chunk);
  return [...head, ...hits.slice(depth)];
}

/** The LM rerank as a stage after any retriever: the first stage's top max(k, depth) hits, the first `depth` of
 *  them reordered by `score` (rerankByLikelihood). A reranked hit's score is then its log p(question | passage);
 *  hits past `depth` (only when k > depth) keep the first stage's order and score after them. Async: the scorer may
 *  be a server. */
export class RerankedRetriever {
  constructor(
    private readonly first: Retriever | AsyncRetriever,
    private readonly chunkOf: (n: number) => Chunk,
    private readonly score: PassageScorer,
    readonly depth: number,
  ) {}

  async search(query: string, k: number): Promise<Hit[]> {
    return (await rerankByLikelihood(query, await this.first.search(query, Math.max(k, this.depth)), this.chunkOf, this.score, this.depth)).slice(0, k);
  }
}
