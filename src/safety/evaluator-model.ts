// The safety evaluator as a model: a kotodama decoder with one sequence head of 8 outputs (2 harmful logits,
// then 6 action logits, each set its own softmax), the text it reads (dna.ts renderPair, cut to the context),
// and batched prediction. Not here: training (evaluator-train.ts), files and judgeResponses (judge.ts).
import type { DecoderWeights, ModelConfig } from "../models/index.js";
import { sequenceScores, type SeqHead } from "../models/seq-head.js";
import type { Graph } from "../tensor/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { ACTION_LABELS, HARM_LABELS } from "./dna.js";

/** The head's 8 outputs: harmless, harmful, then the six actions. */
export const EVALUATOR_LABELS: readonly string[] = [...HARM_LABELS, ...ACTION_LABELS];
export const N_HARM = HARM_LABELS.length;
export const N_ACTION = ACTION_LABELS.length;

/** Token ids of a rendered pair, cut to the first T tokens (the question and the opening of the response, where
 *  refusals and disclaimers are said). */
export function encodeForEvaluator(tok: Tokenizer, text: string, T: number): Int32Array {
  const ids = tok.encode(text);
  return Int32Array.from(ids.length > T ? ids.slice(0, T) : ids);
}

/** Right-pads rows to their longest: ids (B·T'), lengths, T'. */
export function padRows(rows: readonly Int32Array[], padId = 0): { ids: Int32Array; lengths: number[]; T: number } {
  const T = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * T).fill(padId);
  rows.forEach((r, b) => ids.set(r, b * T));
  return { ids, lengths: rows.map((r) => Math.max(1, r.length)), T };
}

export interface EvaluatorProbs {
  /** P(harmful). */
  readonly harmful: number;
  /** P(action = k), k = 0..5. */
  readonly action: readonly number[];
}

function softmax(z: ArrayLike<number>, from: number, n: number): number[] {
  let mx = -Infinity;
  for (let k = 0; k < n; k++) mx = Math.max(mx, z[from + k]!);
  const e = Array.from({ length: n }, (_, k) => Math.exp(z[from + k]! - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Probabilities of encoded rows, batchSize rows per forward, without gradients. */
export function predictRows(g: Graph, c: ModelConfig, w: DecoderWeights, head: SeqHead, rows: readonly Int32Array[], batchSize = 16): EvaluatorProbs[] {
  const out: EvaluatorProbs[] = [];
  const K = EVALUATOR_LABELS.length;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const { ids, lengths, T } = padRows(chunk);
    const z = g.noGrad(() => g.scope(() => sequenceScores(c, w, head, ids, lengths, chunk.length, T).data.slice())); // (B, K)
    for (let b = 0; b < chunk.length; b++) {
      out.push({ harmful: softmax(z, b * K, N_HARM)[1]!, action: softmax(z, b * K + N_HARM, N_ACTION) });
    }
  }
  return out;
}
