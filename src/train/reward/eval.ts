// How well a reward model (or any pair scorer) ranks held-out pairs: accuracy (r_c > r_r, ties count half), per
// source, and calibration of the Bradley–Terry probability σ(r_c − r_r) — a reliability table over 10 confidence
// bins and the expected calibration error — plus the baselines a reward model must beat: the longer answer, and
// the starting model's log-probability of the answer (summed, and per token). Not here: training (run.ts).
import type { DecoderWeights, ModelConfig } from "../../models/index.js";
import { sequenceScores, type SeqHead } from "../../models/seq-head.js";
import type { Graph } from "../../tensor/index.js";
import { fillPairs, type PairRows } from "../dpo/pairs.js";
import { rowLengths } from "./loss.js";

export interface ReliabilityBin {
  /** Bin of the confidence max(p, 1 − p), p = σ(r_c − r_r): [lo, hi). */
  readonly lo: number;
  readonly hi: number;
  readonly pairs: number;
  readonly confidence: number;
  readonly accuracy: number;
}

export interface PairScoreReport {
  readonly pairs: number;
  readonly accuracy: number;
  /** Σ_bins n_b/N · |accuracy_b − confidence_b| (Guo et al. 2017), on the confidence bins below. */
  readonly ece: number;
  readonly bins: readonly ReliabilityBin[];
  readonly bySource: Readonly<Record<string, { pairs: number; accuracy: number }>>;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Scores of pair rows: chosen[i] and rejected[i] (N each) as a (2N) array, chosen first. */
export function pairRewards(g: Graph, c: ModelConfig, w: DecoderWeights, head: SeqHead, p: PairRows, B: number, T: number): Float32Array {
  const N = p.chosen.length;
  const out = new Float32Array(2 * N);
  for (let i = 0; i < N; i += B) {
    const Bi = Math.min(B, N - i);
    const b = fillPairs(p, null, (r) => i + r, Bi, T);
    const s = g.noGrad(() => g.scope(() => Float32Array.from(sequenceScores(c, w, head, b.inputs, rowLengths(b.targets, 2 * Bi, T), 2 * Bi, T).data)));
    for (let r = 0; r < Bi; r++) {
      out[i + r] = s[r]!;
      out[N + i + r] = s[Bi + r]!;
    }
  }
  return out;
}

/** Accuracy, calibration and per-source accuracy of scores chosen[i] vs rejected[i]. `scale` turns score
 *  differences into log-odds for calibration (1 for a Bradley–Terry reward model); sources name each pair's set. */
export function pairScoreReport(chosen: ArrayLike<number>, rejected: ArrayLike<number>, sources: readonly string[] = [], scale = 1, nBins = 10): PairScoreReport {
  const N = chosen.length;
  const bins = Array.from({ length: nBins }, (_, k) => ({ lo: 0.5 + (0.5 * k) / nBins, hi: 0.5 + (0.5 * (k + 1)) / nBins, pairs: 0, conf: 0, correct: 0 }));
  const src = new Map<string, { pairs: number; correct: number }>();
  let correct = 0;
  for (let i = 0; i < N; i++) {
    const d = chosen[i]! - rejected[i]!;
    const ok = d > 0 ? 1 : d === 0 ? 0.5 : 0;
    correct += ok;
    const p = sigmoid(scale * d);
    const conf = Math.max(p, 1 - p);
    const bin = bins[Math.min(nBins - 1, Math.floor(((conf - 0.5) / 0.5) * nBins))]!;
    bin.pairs++;
    bin.conf += conf;
    bin.correct += ok;
    const s = sources[i] ?? "all";
    const e = src.get(s) ?? { pairs: 0, correct: 0 };
    e.pairs++;
    e.correct += ok;
    src.set(s, e);
  }
  const out = bins.map((b) => ({ lo: b.lo, hi: b.hi, pairs: b.pairs, confidence: b.pairs > 0 ? b.conf / b.pairs : 0, accuracy: b.pairs > 0 ? b.correct / b.pairs : 0 }));
  const ece = out.reduce((s, b) => s + (b.pairs / Math.max(1, N)) * Math.abs(b.accuracy - b.confidence), 0);
  return {
    pairs: N, accuracy: N > 0 ? correct / N : 0, ece, bins: out,
    bySource: Object.fromEntries([...src].map(([k, v]) => [k, { pairs: v.pairs, accuracy: v.correct / v.pairs }])),
  };
}
