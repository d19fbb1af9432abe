// Training a guard: read the prompts (guard-data.ts), fit the prompt classifier on the fit part, calibrate the
// per-area thresholds and the reliability table on the calibration part (guard-calibration.ts), fit the response
// classifier on Do-Not-Answer's labelled responses to non-held-out prompts. Seeded and deterministic; seconds on
// two cores. Not here: measuring on held-out prompts and XSTest (guard-measure.ts), files and plots (guard-run.ts).
import { loadDnaSplit } from "./dna.js";
import { fitPromptClassifier, fitResponseClassifier, GUARD_FEATURE_SETS, scorePrompt, type PromptModel } from "./guard-classifier.js";
import { calibratePools, reliability, THRESHOLD_MODES, type AreaCalibration, type CalibrationPool, type PoolCalibration, type ReliabilityBin, type ScoredPrompt, type ThresholdMode } from "./guard-calibration.js";
import { DIRECT_POOL, loadGuardData, type GuardExample } from "./guard-data.js";
import { GUARD_DEFAULTS, type Guard, type GuardSettings } from "./guard-model.js";
import { areaOfClass } from "./guard-taxonomy.js";
import { KotodamaError } from "../util/errors.js";
import { isJapaneseText } from "./ja-refusal.js";

export interface GuardCalibrationReport {
  readonly recallTarget: number;
  readonly areas: readonly AreaCalibration[];
  /** The calibration pools, each of which the thresholds reach the target recall on: "main" (every source but the
   *  direct requests) and, with `direct`, "direct" (guard-direct.ts). */
  readonly pools: readonly PoolCalibration[];
  /** Over all risky calibration prompts, under the per-area thresholds. */
  readonly recall: number;
  /** Benign calibration prompts flagged. */
  readonly falsePositiveRate: number;
  readonly nRisky: number;
  readonly nBenign: number;
  /** Unsafe score vs observed share of risky prompts on the calibration prompts (whose mix of risky and benign is
   *  the data's, not the world's: the observed rates depend on it). */
  readonly reliability: { readonly bins: readonly ReliabilityBin[]; readonly ece: number };
  /** With per-language thresholds: the Japanese pool's own calibration (its per-area thresholds are the guard's
   *  thresholdsJa); `areas`, `recall` and `falsePositiveRate` above are then the other pools' under theirs. */
  readonly japanese?: GuardCalibrationReport;
}

export interface GuardTrainResult {
  readonly guard: Guard;
  readonly calibration: GuardCalibrationReport;
  readonly sources: Readonly<Record<string, number>>;
  readonly fitExamples: number;
  readonly responseExamples: number;
  readonly seconds: number;
}

/** Checks settings merged over the defaults (ranges; the key set is fixed by the type). */
export function resolveGuardSettings(s: Partial<GuardSettings>): GuardSettings {
  const r = { ...GUARD_DEFAULTS, ...s };
  const bad = (k: string, v: number, want: string): never => {
    throw new KotodamaError(`guard settings: '${k}' must be ${want}, got ${v}`);
  };
  if (!Number.isSafeInteger(r.seed)) bad("seed", r.seed, "an integer");
  if (!(r.calibFraction > 0 && r.calibFraction < 1)) bad("calibFraction", r.calibFraction, "in (0, 1)");
  if (!(r.recall > 0 && r.recall <= 1)) bad("recall", r.recall, "in (0, 1]");
  if (!Number.isInteger(r.epochs) || r.epochs < 1) bad("epochs", r.epochs, "an integer ≥ 1");
  if (!(r.lr > 0)) bad("lr", r.lr, "> 0");
  if (!(r.l2 >= 0)) bad("l2", r.l2, "≥ 0");
  if (!(r.benignWeight > 0)) bad("benignWeight", r.benignWeight, "> 0");
  if (!Number.isInteger(r.maxWiki) || r.maxWiki < 0) bad("maxWiki", r.maxWiki, "an integer ≥ 0");
  if (!Number.isInteger(r.maxJa) || r.maxJa < 0) bad("maxJa", r.maxJa, "an integer ≥ 0");
  if (!Number.isInteger(r.generated) || r.generated < 0) bad("generated", r.generated, "an integer ≥ 0");
  if (!Number.isInteger(r.jaComposed) || r.jaComposed < 0) bad("jaComposed", r.jaComposed, "an integer ≥ 0");
  if (!Number.isInteger(r.direct) || r.direct < 0) bad("direct", r.direct, "an integer ≥ 0");
  if (r.jaPool !== "main" && r.jaPool !== "extended") throw new KotodamaError(`guard settings: 'jaPool' must be "main" or "extended", got ${JSON.stringify(r.jaPool)}`);
  if (typeof r.dnaJa !== "boolean") throw new KotodamaError(`guard settings: 'dnaJa' must be true or false, got ${JSON.stringify(r.dnaJa)}`);
  if (typeof r.languageThresholds !== "boolean") throw new KotodamaError(`guard settings: 'languageThresholds' must be true or false, got ${JSON.stringify(r.languageThresholds)}`);
  if (typeof r.howto !== "boolean") throw new KotodamaError(`guard settings: 'howto' must be true or false, got ${JSON.stringify(r.howto)}`);
  if (r.stages !== 1 && r.stages !== 2) bad("stages", r.stages, "1 or 2");
  if (!(THRESHOLD_MODES as readonly string[]).includes(r.thresholds)) throw new KotodamaError(`guard settings: 'thresholds' must be one of ${THRESHOLD_MODES.join(", ")}, got ${JSON.stringify(r.thresholds)}`);
  if (!(GUARD_FEATURE_SETS as readonly string[]).includes(r.features)) throw new KotodamaError(`guard settings: 'features' must be one of ${GUARD_FEATURE_SETS.join(", ")}, got ${JSON.stringify(r.features)}`);
  if (!(r.outputThreshold > 0 && r.outputThreshold <= 1)) bad("outputThreshold", r.outputThreshold, "in (0, 1]");
  return r;
}

export function trainGuard(dataDir: string, settings: Partial<GuardSettings> = {}, log: (s: string) => void = () => {}): GuardTrainResult {
  const t0 = performance.now();
  const s = resolveGuardSettings(settings);
  const data = loadGuardData(dataDir, { seed: s.seed, calibFraction: s.calibFraction, maxWiki: s.maxWiki, maxJa: s.maxJa, borderline: s.borderline, questionForms: s.questionForms, contrasts: s.contrasts, generated: s.generated, jaComposed: s.jaComposed, jaPool: s.jaPool, dnaJa: s.dnaJa, direct: s.direct, directPool: s.directPool, howto: s.howto });
  log(`guard: fitting the prompt classifier on ${data.fit.length} prompts (${data.fit.filter((x) => x.label > 0).length} risky); ${data.calib.length} kept for calibration`);
  const { prompt, thresholds, thresholdsJa, calibration } = fitAndCalibrate(data.fit, data.calib, s);
  const train = loadDnaSplit(dataDir).train;
  log(`guard: fitting the response classifier on ${train.length} Do-Not-Answer responses to non-held-out prompts`);
  const response = fitResponseClassifier(train, s.seed);
  return { guard: { settings: s, prompt, response, thresholds, thresholdsJa }, calibration, sources: data.sources, fitExamples: data.fit.length, responseExamples: train.length, seconds: (performance.now() - t0) / 1000 };
}

/** Fits the prompt classifier on `fit` and calibrates its per-area thresholds on `calib` (also used alone by the
 *  model selection, dev/guard/select.mjs, on folds of the training data). The direct requests in `calib` (source
 *  DIRECT_POOL…) form a second pool: the thresholds must reach the recall on it too (calibratePools). The Japanese
 *  prompts (with dnaJa) are a pool of their own: with languageThresholds it sets thresholdsJa, for Japanese prompts,
 *  and the other pools set `thresholds`; without, every pool sets the one set. */
export function fitAndCalibrate(fit: readonly GuardExample[], calib: readonly GuardExample[], s: GuardSettings): { prompt: PromptModel; thresholds: number[]; thresholdsJa: number[] | null; calibration: GuardCalibrationReport } {
  const prompt = fitPromptClassifier(fit, s);
  const score = (x: GuardExample): ScoredPrompt => {
    const p = scorePrompt(prompt, x.text);
    return { unsafe: p.unsafe, predictedArea: p.area, trueArea: x.label === 0 ? null : areaOfClass(x.label) };
  };
  const isDirect = (x: GuardExample): boolean => x.source.startsWith(DIRECT_POOL);
  // With the translated Do-Not-Answer prompts (dnaJa), Japanese is a pool of its own: the recall holds in each language.
  const isJa = (x: GuardExample): boolean => s.dnaJa && isJapaneseText(x.text);
  const main = calib.filter((x) => !isDirect(x) && !isJa(x)).map(score), direct = calib.filter(isDirect).map(score), ja = calib.filter((x) => !isDirect(x) && isJa(x)).map(score);
  const others: CalibrationPool[] = [{ name: "main", xs: main }, ...(direct.length > 0 ? [{ name: "direct", xs: direct }] : [])];
  const jaPool: CalibrationPool[] = ja.some((x) => x.trueArea !== null) ? [{ name: "japanese", xs: ja }] : [];
  if (!s.languageThresholds || jaPool.length === 0) return { prompt, ...calibrateScores([...others, ...jaPool], s.recall, s.thresholds), thresholdsJa: null };
  // Per language: each set of thresholds reaches the recall on its own prompts, and a Japanese prompt is not held to
  // the lowest threshold any English pool needs (nor the reverse): measured in docs/safety.md, "Thresholds per language".
  const en = calibrateScores(others, s.recall, s.thresholds), jp = calibrateScores(jaPool, s.recall, s.thresholds);
  return { prompt, thresholds: en.thresholds, thresholdsJa: jp.thresholds, calibration: { ...en.calibration, pools: [...en.calibration.pools, ...jp.calibration.pools], japanese: jp.calibration } };
}

/** Thresholds (GUARD_AREAS order) that reach the target recall on every pool of scored calibration prompts, with the
 *  report (either guard: the LM guard calibrates its P(unsafe) with it too). */
export function calibrateScores(calibPools: readonly CalibrationPool[], recall: number, mode: ThresholdMode): { thresholds: number[]; calibration: GuardCalibrationReport } {
  const scored = calibPools.flatMap((p) => p.xs);
  const { areas, pools } = calibratePools(calibPools, recall, mode);
  const thresholds = areas.map((a) => a.threshold);
  const flagged = (x: ScoredPrompt): boolean => x.unsafe >= thresholds[areas.findIndex((a) => a.area === x.predictedArea)]!;
  const risky = scored.filter((x) => x.trueArea !== null), benign = scored.filter((x) => x.trueArea === null);
  const calibration: GuardCalibrationReport = {
    recallTarget: recall, areas, pools, recall: risky.filter(flagged).length / risky.length, falsePositiveRate: benign.filter(flagged).length / benign.length,
    nRisky: risky.length, nBenign: benign.length, reliability: reliability(scored.map((x) => x.unsafe), scored.map((x) => (x.trueArea === null ? 0 : 1))),
  };
  return { thresholds, calibration };
}
