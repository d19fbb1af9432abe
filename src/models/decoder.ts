// The decoder Transformer on the autograd tape: the training forward for every family's flags (the same math as
// infer/forward.ts, which tests/one-forward.test.ts holds it to), logits and the next-token loss, with an optional
// tracer that sees every named intermediate. Not here: weights and their init/names (weights.ts), files (io.ts),
// the KV-cache inference path (infer/).
//
// x = tokEmb[ids] (· √C) (+ posEmb[0..T))                                        (B, T, C)
// per layer: x = x + postAttnNorm(o(attn(norm1(x))));  x = x + postFfnNorm(mlp(norm2(x)))   (B, T, C)
// logits = softcap(lmHead · finalNorm(x))                                        (B, T, V)
import type { I32 } from "../engine/ops.js";
import { attentionForward, embeddingForward, mlpForward, normForward, positions } from "../nn/index.js";
import type { Tensor } from "../tensor/index.js";
import { add, crossEntropy, linear, narrow, scale, tanh } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import { attnScaleOf, headDim, isSlidingLayer, ropeDims, type ModelConfig } from "./config.js";
import type { DecoderWeights } from "./weights.js";

/** Called with each named intermediate ("layers.0.attn_out", …) during a forward; costs nothing when absent. */
export type Tracer = (name: string, t: Tensor) => void;

export interface ForwardOptions {
  readonly tracer?: Tracer;
  /** Packed rows: a document id per position (B·T); each document attends only within itself. */
  readonly segments?: I32 | null;
  /** Positions (B·T) for RoPE, restarting per document (nn packedPositions); default 0 … T−1 in every row. */
  readonly positions?: I32 | null;
}

/** Checks a batch of ids against the model: shape B·T, T ≤ context, ids in [0, V). */
function checkIds(c: ModelConfig, ids: I32, B: number, T: number, what: string): void {
  if (!Number.isInteger(B) || !Number.isInteger(T) || B <= 0 || T <= 0) throw new KotodamaError(`decoder: bad batch shape (B = ${B}, T = ${T})`);
  if (T > c.context) throw new KotodamaError(`decoder: sequence length ${T} exceeds the model's context ${c.context}`);
  if (ids.length !== B * T) throw new KotodamaError(`decoder: ${ids.length} ${what} for B·T = ${B}·${T}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < c.vocabSize)) throw new KotodamaError(`decoder: ${what} ${id} at position ${i} outside the vocabulary [0, ${c.vocabSize})`);
  }
}

/** The final hidden states (B, T, C) after the last norm. ids (B·T) row-major. */
export function decoderHidden(c: ModelConfig, w: DecoderWeights, ids: I32, B: number, T: number, options: ForwardOptions = {}): Tensor {
  checkIds(c, ids, B, T, "token ids");
  const trace = options.tracer;
  let x = embeddingForward(w.tokEmb, ids, [B, T]); // (B, T, C)
  if (c.embedScale) x = scale(x, Math.fround(Math.sqrt(c.dim))); // Gemma, in f32 as llama.cpp
  if (w.posEmb !== null) x = add(x, narrow(w.posEmb, 0, 0, T)); // + (T, C) broadcast over B
  trace?.("embed", x);
  const pos = options.positions ?? positions(T);
  const segments = options.segments ?? null;
  if (segments !== null && segments.length !== B * T) throw new KotodamaError(`decoder: ${segments.length} segment ids for B·T = ${B}·${T}`);
  if (options.positions != null && options.positions.length !== B * T) throw new KotodamaError(`decoder: ${options.positions.length} positions for B·T = ${B}·${T}`);
  w.layers.forEach((l, i) => {
    const sliding = isSlidingLayer(c, i);
    const shape = {
      nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: headDim(c), scale: attnScaleOf(c),
      window: sliding ? c.slidingWindow : 0, softcap: c.attnSoftcap,
    };
    const local = sliding && c.ropeThetaLocal > 0;
    const rope = c.pos === "rope"
      ? { settings: { theta: local ? c.ropeThetaLocal : c.ropeTheta, pairing: c.ropePairing, rotaryDim: ropeDims(c), freqFactors: local ? null : w.ropeFreqs }, pos }
      : null;
    let a = attentionForward(l.attn, normForward(l.attnNorm, x), shape, rope, segments); // (B, T, C)
    if (l.postAttnNorm !== null) a = normForward(l.postAttnNorm, a);
    trace?.(`layers.${i}.attn_out`, a);
    x = add(x, a);
    let m = mlpForward(l.mlp, normForward(l.mlpNorm, x)); // (B, T, C)
    if (l.postFfnNorm !== null) m = normForward(l.postFfnNorm, m);
    trace?.(`layers.${i}.mlp_out`, m);
    x = add(x, m);
    trace?.(`layers.${i}.out`, x);
  });
  x = normForward(w.finalNorm, x);
  trace?.("final_norm", x);
  return x;
}

/** The LM head on final hidden states h (…, C) → logits (…, V), with Gemma 2's final softcap. */
export function headLogits(c: ModelConfig, w: DecoderWeights, h: Tensor): Tensor {
  const logits = linear(h, w.lmHead);
  return c.finalSoftcap > 0 ? scale(tanh(scale(logits, 1 / c.finalSoftcap)), c.finalSoftcap) : logits; // Gemma 2
}

/** Next-token logits (B, T, V). */
export function decoderLogits(c: ModelConfig, w: DecoderWeights, ids: I32, B: number, T: number, options: ForwardOptions = {}): Tensor {
  const logits = headLogits(c, w, decoderHidden(c, w, ids, B, T, options));
  options.tracer?.("logits", logits);
  return logits;
}

/** Mean cross-entropy of predicting targets (B·T) from ids (B·T): a scalar tensor. */
export function decoderLoss(c: ModelConfig, w: DecoderWeights, ids: I32, targets: I32, B: number, T: number, options: ForwardOptions = {}): Tensor {
  checkIds(c, targets, B, T, "targets");
  return crossEntropy(decoderLogits(c, w, ids, B, T, options), targets);
}
