// Calibration of the guard on prompts held out from its fit: one threshold or per-area thresholds on the unsafe score chosen to reach a
// target recall (on one pool of prompts, or on each of several pools at once), and the reliability table (predicted unsafe score vs the observed share of risky prompts, per
// score bin, with the expected calibration error). Pure functions of score lists. Not here: the classifier,
// the data, plots (guard-report.ts).
import { KotodamaError } from "../util/errors.js";
import { GUARD_AREAS, type GuardArea } from "./guard-taxonomy.js";

/** The largest threshold t such that at least ⌈recall · n⌉ of the positives' scores are ≥ t (so flagging
 *  score ≥ t reaches the recall on them). */
export function thresholdForRecall(positiveScores: readonly number[], recall: number): number {
  if (!(recall > 0 && recall <= 1)) throw new KotodamaError(`guard calibration: recall must be in (0, 1], got ${recall}`);
  if (positiveScores.length === 0) throw new KotodamaError("guard calibration: no positive scores to calibrate on");
  const s = [...positiveScores].sort((a, b) => b - a);
  const k = Math.ceil(recall * s.length - 1e-9);
  return s[Math.max(1, k) - 1]!;
}

export interface ScoredPrompt {
  readonly unsafe: number;
  /** The classifier's area (the threshold applied is this area's). */
  readonly predictedArea: GuardArea;
  /** The true area, or null for a benign prompt. */
  readonly trueArea: GuardArea | null;
}

export interface AreaCalibration {
  readonly area: GuardArea;
  readonly threshold: number;
  /** Risky calibration prompts the classifier put in this area (the threshold's sample). */
  readonly n: number;
  /** Recall on the risky calibration prompts of this true area under the per-area thresholds. */
  readonly recall: number;
  /** Risky calibration prompts of this true area. */
  readonly nTrue: number;
  /** Benign calibration prompts flagged with this area. */
  readonly falsePositives: number;
}

/** How the thresholds are set. "per-area": each area's from the risky calibration prompts the classifier assigns to
 *  it (the decision rule is unsafe ≥ threshold[predicted area], so every group reaching the recall makes the whole
 *  set reach it; an area with fewer than minN such prompts takes the pooled one); "global": one threshold, the
 *  pooled one, for every area (the recall is reached over all risky prompts, not inside each area). */
export const THRESHOLD_MODES = ["global", "per-area"] as const;
export type ThresholdMode = (typeof THRESHOLD_MODES)[number];

/** Each area's threshold for the target recall on the risky prompts of xs (see ThresholdMode). */
function areaThresholds(xs: readonly ScoredPrompt[], recall: number, mode: ThresholdMode, minN: number): Map<GuardArea, number> {
  const pos = xs.filter((x) => x.trueArea !== null);
  const pooled = thresholdForRecall(pos.map((x) => x.unsafe), recall);
  const thr = new Map<GuardArea, number>();
  for (const a of GUARD_AREAS) {
    const g = pos.filter((x) => x.predictedArea === a).map((x) => x.unsafe);
    thr.set(a, mode === "per-area" && g.length >= minN ? thresholdForRecall(g, recall) : pooled);
  }
  return thr;
}

/** Each area's recall and false positives on xs under the thresholds thr. */
function areaReport(xs: readonly ScoredPrompt[], thr: ReadonlyMap<GuardArea, number>): AreaCalibration[] {
  const pos = xs.filter((x) => x.trueArea !== null);
  const flagged = (x: ScoredPrompt): boolean => x.unsafe >= thr.get(x.predictedArea)!;
  return GUARD_AREAS.map((a) => {
    const t = pos.filter((x) => x.trueArea === a);
    return {
      area: a, threshold: thr.get(a)!, n: pos.filter((x) => x.predictedArea === a).length,
      recall: t.length === 0 ? NaN : t.filter(flagged).length / t.length, nTrue: t.length,
      falsePositives: xs.filter((x) => x.trueArea === null && x.predictedArea === a && flagged(x)).length,
    };
  });
}

/** Thresholds for the target recall on the risky calibration prompts (see ThresholdMode), with each area's recall
 *  and false positives under them. */
export function calibrateAreas(xs: readonly ScoredPrompt[], recall: number, mode: ThresholdMode = "per-area", minN = 5): AreaCalibration[] {
  return areaReport(xs, areaThresholds(xs, recall, mode, minN));
}

/** A calibration pool: prompts from one kind of source (Do-Not-Answer and the rest; the direct requests). */
export interface CalibrationPool {
  readonly name: string;
  readonly xs: readonly ScoredPrompt[];
}

export interface PoolCalibration {
  readonly name: string;
  /** Risky prompts in the pool. */
  readonly nRisky: number;
  readonly nBenign: number;
  /** The pooled (global) threshold this pool alone would set. */
  readonly ownThreshold: number;
  /** Recall on the pool's risky prompts under the final thresholds (≥ the target). */
  readonly recall: number;
  /** The pool's benign prompts flagged under the final thresholds. */
  readonly falsePositiveRate: number;
}

/** Thresholds that reach the target recall on EVERY pool: each pool's thresholds as calibrateAreas sets them, and
 *  each area's threshold the lowest of the pools' (a lower threshold only flags more, so every pool keeps its
 *  recall). A pool without risky prompts sets none. Returns the areas over all pools' prompts and each pool's recall
 *  under the final thresholds. */
export function calibratePools(pools: readonly CalibrationPool[], recall: number, mode: ThresholdMode = "per-area", minN = 5): { areas: AreaCalibration[]; pools: PoolCalibration[] } {
  const setting = pools.filter((p) => p.xs.some((x) => x.trueArea !== null));
  if (setting.length === 0) throw new KotodamaError("guard calibration: no positive scores to calibrate on");
  const per = setting.map((p) => areaThresholds(p.xs, recall, mode, minN));
  const thr = new Map<GuardArea, number>(GUARD_AREAS.map((a) => [a, Math.min(...per.map((m) => m.get(a)!))]));
  const flagged = (x: ScoredPrompt): boolean => x.unsafe >= thr.get(x.predictedArea)!;
  const rate = (xs: readonly ScoredPrompt[]): number => (xs.length === 0 ? NaN : xs.filter(flagged).length / xs.length);
  return {
    areas: areaReport(pools.flatMap((p) => p.xs), thr),
    pools: pools.map((p) => {
      const risky = p.xs.filter((x) => x.trueArea !== null), benign = p.xs.filter((x) => x.trueArea === null);
      return { name: p.name, nRisky: risky.length, nBenign: benign.length, ownThreshold: risky.length === 0 ? NaN : thresholdForRecall(risky.map((x) => x.unsafe), recall), recall: rate(risky), falsePositiveRate: rate(benign) };
    }),
  };
}

export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
  /** Mean predicted unsafe score in the bin (NaN when empty). */
  readonly predicted: number;
  /** Share of risky prompts in the bin (NaN when empty). */
  readonly observed: number;
}

/** Equal-width bins of the predicted probability; ece = Σ n_b / N · |predicted_b − observed_b|. */
export function reliability(predicted: readonly number[], observed: readonly (0 | 1)[], bins = 10): { bins: ReliabilityBin[]; ece: number } {
  if (predicted.length !== observed.length) throw new KotodamaError(`guard reliability: ${predicted.length} predictions, ${observed.length} labels`);
  const out: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const lo = b / bins, hi = (b + 1) / bins;
    const idx = predicted.flatMap((p, i) => (p >= lo && (p < hi || (b === bins - 1 && p <= hi)) ? [i] : []));
    const n = idx.length;
    const pm = n === 0 ? NaN : idx.reduce((s, i) => s + predicted[i]!, 0) / n;
    const om = n === 0 ? NaN : idx.reduce((s, i) => s + observed[i]!, 0) / n;
    if (n > 0) ece += (n / predicted.length) * Math.abs(pm - om);
    out.push({ lo, hi, n, predicted: pm, observed: om });
  }
  return { bins: out, ece };
}
