// Direct Preference Optimization's loss (Rafailov et al. 2023, eq. 7): −log σ(β((πc − rc) − (πr − rr))) averaged
// over pairs, where π· and r· are the policy's and the reference's log-probabilities of the chosen and rejected
// answers summed over answer tokens only; and those summed log-probabilities from the decoder.
// Not here: batches (pairs.ts), the reference cache (reference.ts), the run (run.ts).
import type { ModelConfig, DecoderWeights } from "../../models/index.js";
import { decoderLogits } from "../../models/index.js";
import { add, crossEntropy, log, mean, mul, narrow, neg, reshape, scale, sigmoid, sub, sum, type Tensor } from "../../tensor/index.js";
import { ShapeError } from "../../util/errors.js";
import { IGNORE_INDEX, type Batch } from "../data.js";

/** log p(answer | prompt) per row: Σ over positions whose target is not IGNORE_INDEX of log softmax(logits)[target].
 *  b holds `rows` rows of T; returns (rows). Differentiable in the weights. */
export function sequenceLogps(c: ModelConfig, w: DecoderWeights, b: Batch, rows: number, T: number): Tensor {
  const logits = decoderLogits(c, w, b.inputs, rows, T); // (rows, T, V)
  const nll = crossEntropy(logits, b.targets, { ignoreIndex: IGNORE_INDEX, reduction: "none" }); // (rows, T), 0 where ignored
  return neg(sum(reshape(nll, [rows, T]), [1])); // (rows)
}

/** Per-batch numbers DPO logs: means over pairs. */
export interface DpoStats {
  /** β((πc − rc) − (πr − rr)): the implicit reward margin. */
  readonly margin: number;
  /** Share of pairs with margin > 0. */
  readonly accuracy: number;
  /** The policy's summed log-probabilities of the chosen and the rejected answers. */
  readonly logp_chosen: number;
  readonly logp_rejected: number;
}

/** Answer tokens per row of a batch (targets not IGNORE_INDEX), for the per-token NLL term. */
export function answerTokens(b: Batch, rows: number, T: number): Float32Array {
  const n = new Float32Array(rows);
  for (let r = 0; r < rows; r++) for (let t = 0; t < T; t++) if (b.targets[r * T + t] !== IGNORE_INDEX) n[r]! += 1;
  return n;
}

/** DPO's loss from the policy's log-probabilities `logps` (2P: the P chosen rows, then the P rejected ones) and
 *  the reference's `ref` (2P, same layout, constants). Returns the scalar loss and the batch's stats.
 *  With `nll` = α > 0 and the rows' answer token counts, α times the chosen answers' mean per-token negative
 *  log-likelihood is added (DPO + NLL, Pang et al. 2024 "Iterative Reasoning Preference Optimization", eq. 1):
 *  it keeps the chosen answers likely while the margin grows, so that a small model does not buy its margin by
 *  making both answers unlikely and its text degenerate. */
export function dpoLoss(logps: Tensor, ref: Float32Array, beta: number, nll?: { readonly alpha: number; readonly tokens: Float32Array }): { loss: Tensor; stats: DpoStats } {
  const n = logps.size;
  if (logps.ndim !== 1 || n % 2 !== 0 || ref.length !== n) throw new ShapeError(`dpoLoss: policy log-probs (${logps.shape.join(", ")}) and reference (${ref.length}) must both be (2P)`);
  const P = n / 2;
  const g = logps.graph;
  const refDelta = new Float32Array(P);
  for (let i = 0; i < P; i++) refDelta[i] = ref[i]! - ref[P + i]!;
  const delta = sub(narrow(logps, 0, 0, P), narrow(logps, 0, P, P)); // (P) πc − πr
  const z = scale(sub(delta, g.tensor(refDelta, [P])), beta); // (P) margins
  // −log σ(z): σ(z) underflows f32 only for z < −88, a margin no run reaches.
  let loss = neg(mean(log(sigmoid(z))));
  if (nll !== undefined && nll.alpha > 0) {
    const inv = new Float32Array(P);
    for (let i = 0; i < P; i++) inv[i] = nll.alpha / Math.max(1, nll.tokens[i]!);
    loss = add(loss, neg(mean(mul(narrow(logps, 0, 0, P), g.tensor(inv, [P]))))); // + α · mean(−πc / n_c)
  }
  const zs = z.data;
  const lp = logps.data;
  let m = 0, acc = 0, pc = 0, pr = 0;
  for (let i = 0; i < P; i++) {
    m += zs[i]!;
    acc += zs[i]! > 0 ? 1 : 0;
    pc += lp[i]!;
    pr += lp[P + i]!;
  }
  return { loss, stats: { margin: m / P, accuracy: acc / P, logp_chosen: pc / P, logp_rejected: pr / P } };
}
