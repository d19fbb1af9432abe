// The LM rerank: questionLikelihood against log p summed token by token from a fresh prefill per question token
// (stories260K — too small to prefer the passage that holds the answer, so only the arithmetic is checked;
// skipped visibly when ../shared is absent), with a passage too long for the context cut at its end
// and the question kept whole; RerankedRetriever's order and scores against hand-worked numbers with a stub scorer
// (the first `depth` hits reordered, the rest after them in their first-stage order, k past depth).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../engine/backend.js";
import { createInferState, createKvCache, logSumExp, openInferModel, prefill, type InferModel } from "../infer/index.js";
import { sharedPath } from "../util/paths.js";
import { questionLikelihood, RerankedRetriever } from "./fusion-rerank.js";
import type { Chunk, Hit, Retriever } from "./types.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");

/** Σ log p(question tokens) after passage + cue, each token's logits from a prefill of everything before it. */
function slowLikelihood(model: InferModel, passageIds: readonly number[], question: string): number {
  const tok = model.tokenizer;
  const ids = [...passageIds, ...tok.encode("\nQuestion: ", { addBos: false }), ...tok.encode(question, { addBos: false })];
  const q = tok.encode(question, { addBos: false }).length;
  let sum = 0;
  for (let j = ids.length - q; j < ids.length; j++) {
    const prefix = ids.slice(0, j);
    const logits = prefill(createInferState(model.weights, model.backend, prefix.length), createKvCache(model.config, prefix.length), prefix);
    sum += logits[ids[j]!]! - logSumExp(logits);
  }
  return sum;
}

describe("questionLikelihood (stories260K)", { skip: MODEL_PATH === null ? "../shared/reference/stories260K is absent; skipped" : false }, () => {
  const model = MODEL_PATH === null ? (null as never) : openInferModel(MODEL_PATH, { backend: loadBackend({ threads: 1 }) });

  test("equals log p of the question's tokens summed one prefill at a time", () => {
    const score = questionLikelihood(model);
    const passage = "Lily had a red ball. She played with the ball in the park every day.";
    const question = "What did Lily play with?";
    const got = score(passage, question);
    const want = slowLikelihood(model, model.tokenizer.encode(passage), question);
    assert.ok(Math.abs(got - want) < 1e-3, `${got} vs ${want}`);
    assert.ok(got < 0);
  });

  test("a passage longer than the context is cut at its end; the question is never cut", () => {
    const score = questionLikelihood(model);
    const ctx = model.config.context;
    const long = Array.from({ length: 400 }, (_, i) => `Tom saw bird number ${i}.`).join(" ");
    const question = "What did Tom see?";
    const pIds = model.tokenizer.encode(long);
    assert.ok(pIds.length > ctx, `the passage (${pIds.length} tokens) must overflow the context (${ctx})`);
    const q = model.tokenizer.encode(question, { addBos: false }).length;
    const c = model.tokenizer.encode("\nQuestion: ", { addBos: false }).length;
    const want = slowLikelihood(model, pIds.slice(0, ctx - q - c), question);
    assert.ok(Math.abs(score(long, question) - want) < 1e-3);
  });
});

describe("RerankedRetriever", () => {
  const texts = ["alpha", "bravo", "charlie", "delta", "echo"];
  const chunkOf = (n: number): Chunk => ({ docId: `d${n}`, source: "s", start: 0, end: texts[n]!.length, text: texts[n]! });
  // First stage: chunks 0..4 in order, scores 5..1.
  const first: Retriever = { search: (_q: string, k: number): Hit[] => [0, 1, 2, 3, 4].slice(0, k).map((c) => ({ chunk: c, score: 5 - c })) };
  // The stub LM likes longer passages: score = length; it records what it was asked, one call per search.
  const calls: string[][] = [];
  const byLength = (_q: string, passages: readonly string[]): Promise<number[]> => {
    calls.push([...passages]);
    return Promise.resolve(passages.map((p) => p.length));
  };

  test("reorders the first depth hits by the scorer; later hits follow in first-stage order with their own scores", async () => {
    const r = new RerankedRetriever(first, chunkOf, byLength, 3);
    // Top 3 of the first stage: alpha(5) bravo(5) charlie(7) → charlie 7, then the tie alpha/bravo by chunk number.
    assert.deepEqual(await r.search("q", 3), [{ chunk: 2, score: 7 }, { chunk: 0, score: 5 }, { chunk: 1, score: 5 }]);
    // k past depth: delta and echo after them, first-stage scores 2 and 1.
    assert.deepEqual(await r.search("q", 5), [{ chunk: 2, score: 7 }, { chunk: 0, score: 5 }, { chunk: 1, score: 5 }, { chunk: 3, score: 2 }, { chunk: 4, score: 1 }]);
    // k below depth: the first stage is still asked for depth hits, so charlie (3rd by BM25) can come first.
    assert.deepEqual(await r.search("q", 1), [{ chunk: 2, score: 7 }]);
    // One batch per search, of exactly the first depth passages.
    assert.deepEqual(calls, [["alpha", "bravo", "charlie"], ["alpha", "bravo", "charlie"], ["alpha", "bravo", "charlie"]]);
  });
});
