// The reward model's loss: Bradley–Terry on the scalar scores of the chosen and the rejected answer of each pair,
// −log σ(r_c − r_r) averaged over pairs (InstructGPT eq. 1, one comparison per pair), and where a batch's rows end.
// Not here: the head (models/seq-head.ts), batches (dpo/pairs.ts), the run (run.ts).
import type { Tensor } from "../../tensor/index.js";
import { log, mean, narrow, neg, reshape, sigmoid, sub } from "../../tensor/index.js";
import { ShapeError } from "../../util/errors.js";
import { IGNORE_INDEX } from "../data.js";

/** Per-batch numbers the reward run logs: means over pairs. */
export interface RewardStats {
  /** Share of pairs with r_c > r_r. */
  readonly accuracy: number;
  /** r_c − r_r. */
  readonly margin: number;
  readonly reward_chosen: number;
  readonly reward_rejected: number;
}

/** Bradley–Terry loss from scores (2P, 1) or (2P): the P chosen rows first, then the P rejected ones. */
export function bradleyTerryLoss(scores: Tensor): { loss: Tensor; stats: RewardStats } {
  const n = scores.size;
  if (n % 2 !== 0 || (scores.ndim === 2 && scores.shape[1] !== 1) || scores.ndim > 2) throw new ShapeError(`bradleyTerryLoss: scores (${scores.shape.join(", ")}) must be (2P) or (2P, 1)`);
  const P = n / 2;
  const flat = reshape(scores, [n]);
  const z = sub(narrow(flat, 0, 0, P), narrow(flat, 0, P, P)); // (P) r_c − r_r
  // −log σ(z): σ underflows f32 only for z < −88, a margin no run reaches.
  const loss = neg(mean(log(sigmoid(z))));
  const s = flat.data;
  let acc = 0, m = 0, rc = 0, rr = 0;
  for (let i = 0; i < P; i++) {
    const d = s[i]! - s[P + i]!;
    acc += d > 0 ? 1 : 0;
    m += d;
    rc += s[i]!;
    rr += s[P + i]!;
  }
  return { loss, stats: { accuracy: acc / P, margin: m / P, reward_chosen: rc / P, reward_rejected: rr / P } };
}

/** Each row's length up to its last target (the position that predicts the answer's last token, EOS: the state
 *  that has read the whole answer), from targets (rows·T) with IGNORE_INDEX elsewhere. */
export function rowLengths(targets: Int32Array, rows: number, T: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    for (let t = T - 1; t >= 0; t--) if (targets[r * T + t] !== IGNORE_INDEX) return t + 1;
    throw new ShapeError(`reward: row ${r} has no answer token`);
  });
}
