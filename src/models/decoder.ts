// The decoder Transformer: one forward pass for both families (GPT-2 and Llama flags), logits and the
// next-token loss, with an optional tracer that sees every named intermediate.
// Not here: weights and their init/names (weights.ts), files (io.ts), the KV-cache decode path (infer/).
//
// x = tokEmb[ids] (+ posEmb[0..T))                                    (B, T, C)
// per layer: x = x + o(attn(norm1(x)));  x = x + mlp(norm2(x))        (B, T, C)
// logits = lmHead · finalNorm(x)                                      (B, T, V)
import type { I32 } from "../engine/ops.js";
import { attentionForward, embeddingForward, mlpForward, normForward, positions } from "../nn/index.js";
import type { Tensor } from "../tensor/index.js";
import { add, crossEntropy, linear, narrow } from "../tensor/index.js";
import { KotodamaError } from "../util/errors.js";
import { headDim, type ModelConfig } from "./config.js";
import type { DecoderWeights } from "./weights.js";

/** Called with each named intermediate ("layers.0.attn_out", …) during a forward; costs nothing when absent. */
export type Tracer = (name: string, t: Tensor) => void;

export interface ForwardOptions {
  readonly tracer?: Tracer;
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
  if (w.posEmb !== null) x = add(x, narrow(w.posEmb, 0, 0, T)); // + (T, C) broadcast over B
  trace?.("embed", x);
  const shape = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: headDim(c) };
  const rope = c.pos === "rope" ? { settings: { theta: c.ropeTheta, pairing: c.ropePairing }, pos: positions(T) } : null;
  w.layers.forEach((l, i) => {
    const a = attentionForward(l.attn, normForward(l.attnNorm, x), shape, rope); // (B, T, C)
    trace?.(`layers.${i}.attn_out`, a);
    x = add(x, a);
    const m = mlpForward(l.mlp, normForward(l.mlpNorm, x)); // (B, T, C)
    trace?.(`layers.${i}.mlp_out`, m);
    x = add(x, m);
    trace?.(`layers.${i}.out`, x);
  });
  x = normForward(w.finalNorm, x);
  trace?.("final_norm", x);
  return x;
}

/** Next-token logits (B, T, V). */
export function decoderLogits(c: ModelConfig, w: DecoderWeights, ids: I32, B: number, T: number, options: ForwardOptions = {}): Tensor {
  const logits = linear(decoderHidden(c, w, ids, B, T, options), w.lmHead);
  options.tracer?.("logits", logits);
  return logits;
}

/** Mean cross-entropy of predicting targets (B·T) from ids (B·T): a scalar tensor. */
export function decoderLoss(c: ModelConfig, w: DecoderWeights, ids: I32, targets: I32, B: number, T: number, options: ForwardOptions = {}): Tensor {
  checkIds(c, targets, B, T, "targets");
  return crossEntropy(decoderLogits(c, w, ids, B, T, options), targets);
}
