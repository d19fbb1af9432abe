// A trained guard: its settings, the two classifiers and the calibrated thresholds, the input and output checks
// that turn scores into verdicts, and its files (guard.json + guard.safetensors; load validates both, naming the
// file and the field). Not here: training (guard-train.ts), policies (guard-policy.ts), wrapping a model
// (guard-wrapper.ts).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../data/files.js";
import { check, isPlain, mergeOverDefaults } from "../data/schema.js";
import { encodeSafetensors, readSafetensors, safetensorsBytes } from "../formats/safetensors/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { NGRAM_BUCKETS, type LogRegModel } from "./ngram-logreg.js";
import { GUARD_FEATURE_SETS, scorePrompt, scoreResponse, type PromptFitOptions, type PromptModel } from "./guard-classifier.js";
import { THRESHOLD_MODES, type ThresholdMode } from "./guard-calibration.js";
import { decidePolicy, type PolicyDecision } from "./guard-policy.js";
import { GUARD_AREAS, GUARD_CLASSES, type GuardArea, type HarmType } from "./guard-taxonomy.js";
import type { ComposePool } from "./guard-ja-compose.js";
import { isJapaneseText } from "./ja-refusal.js";

/** Everything a guard run is configured by (written to config.json and guard.json). */
export interface GuardSettings extends PromptFitOptions {
  /** Share of the non-held-out prompts kept apart to calibrate the thresholds. */
  readonly calibFraction: number;
  /** Recall the thresholds aim at on the risky calibration prompts. */
  readonly recall: number;
  /** One threshold for all areas, or one per area (guard-calibration.ts). */
  readonly thresholds: ThresholdMode;
  readonly maxWiki: number;
  readonly maxJa: number;
  /** Train on the borderline prompts (src/data/instruct/borderline.ts) as benign. */
  readonly borderline: boolean;
  /** Train on Self-Instruct's instructions in question form too ("Can you …?"). */
  readonly questionForms: boolean;
  /** Train on the borderline prompts' risky twins (guard-contrast.ts). */
  readonly contrasts: boolean;
  /** Train on the contrast generator's prompts (src/data/instruct/contrast.ts): at most this many per kind, language
   *  and side, benign look-alikes as benign and their harmful twins as risky; 0 = none. */
  readonly generated: number;
  /** Train on the composed Japanese prompts (guard-ja-compose.ts): at most this many per harm type as risky, and
   *  JA_COMPOSED_BENIGN_PER_TYPE times as many benign ones in the same frames; 0 = none. */
  readonly jaComposed: number;
  /** Which composed pool they are drawn from: "main" (3,279 prompts) or "extended" (7,306; docs/safety.md "More composed
   *  Japanese cores": not better on the curve, so not the default). */
  readonly jaPool: ComposePool;
  /** Train and calibrate on kotodama's Japanese translation of the non-held-out Do-Not-Answer prompts as well
   *  (dna-ja-train.ts; each beside its English original, in the fit or the calibration part); the Japanese
   *  calibration prompts are then a pool of their own, so that the recall holds in each language (docs/safety.md
   *  "Do-Not-Answer's training prompts in Japanese"). */
  readonly dnaJa: boolean;
  /** Train and calibrate on the direct requests (guard-direct.ts): at most this many per harm type as risky and as
   *  many benign ones in the same frames, a calibFraction of their cores a second calibration pool; 0 = none. */
  readonly direct: number;
  /** With `direct`: false fits on all the direct requests and calibrates on none (no second pool). */
  readonly directPool: boolean;
  /** Train and calibrate on the everyday how-to requests (guard-howto.ts) as benign, English and Japanese. */
  readonly howto: boolean;
  /** With a Japanese calibration pool (dnaJa): Japanese prompts are compared with thresholds calibrated on the
   *  Japanese pool alone, other prompts with those of the other pools (false: one set, each area the lowest of all
   *  pools', the guard before 2026-12-05's per-language thresholds). */
  readonly languageThresholds: boolean;
  /** P(harmful) of a response at or above which the output check replaces it with the refusal. */
  readonly outputThreshold: number;
}

export const GUARD_DEFAULTS: GuardSettings = {
  seed: 1, calibFraction: 0.25, recall: 0.95, thresholds: "global", epochs: 8, lr: 0.5, l2: 1e-6, benignWeight: 1, features: "word12+char24+fold2", stages: 2,
  maxWiki: 1500, maxJa: 3000, borderline: true, questionForms: true, contrasts: false, generated: 0, jaComposed: 50, jaPool: "main", dnaJa: true, direct: 0, directPool: true, howto: false, languageThresholds: true, outputThreshold: 0.5,
};

export interface Guard {
  readonly settings: GuardSettings;
  readonly prompt: PromptModel;
  readonly response: LogRegModel;
  /** Unsafe-score threshold per area, GUARD_AREAS order. */
  readonly thresholds: readonly number[];
  /** For Japanese prompts (isJapaneseText), when calibrated apart (languageThresholds); null: `thresholds` for all. */
  readonly thresholdsJa: readonly number[] | null;
}

export interface InputCheck {
  readonly unsafe: number;
  readonly area: GuardArea;
  readonly harmType: HarmType;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly policy: PolicyDecision;
}

/** Scores a prompt, compares the score with its area's threshold and picks the policy. */
export function checkInput(g: Guard, prompt: string): InputCheck {
  const s = scorePrompt(g.prompt, prompt);
  const threshold = (g.thresholdsJa !== null && isJapaneseText(prompt) ? g.thresholdsJa : g.thresholds)[GUARD_AREAS.indexOf(s.area)]!;
  const flagged = s.unsafe >= threshold;
  return { unsafe: s.unsafe, area: s.area, harmType: s.harmType, threshold, flagged, policy: decidePolicy(prompt, { flagged, harmType: s.harmType }) };
}

export interface OutputCheck {
  readonly harmful: number;
  readonly threshold: number;
  readonly flagged: boolean;
}

/** Scores a response to a prompt with the response classifier. */
export function checkOutput(g: Guard, prompt: string, response: string): OutputCheck {
  const harmful = scoreResponse(g.response, prompt, response);
  return { harmful, threshold: g.settings.outputThreshold, flagged: harmful >= g.settings.outputThreshold };
}

const GUARD_FORMAT = "kotodama-guard";
const f32bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Per-area thresholds (GUARD_AREAS order) as guard.json writes them: {area: threshold}. */
export const thresholdsByArea = (t: readonly number[]): Record<string, number> => Object.fromEntries(GUARD_AREAS.map((a, i) => [a, t[i]!]));

/** Writes DIR/guard.json and DIR/guard.safetensors (atomically, each). */
export function saveGuard(dir: string, g: Guard): void {
  const stages = g.prompt.harm === null ? 1 : 2;
  if (g.prompt.features !== g.settings.features || stages !== g.settings.stages) throw new KotodamaError(`saveGuard: the settings say features ${g.settings.features}, stages ${g.settings.stages} but the prompt model reads ${g.prompt.features} in ${stages} stage(s); load would misread it`);
  mkdirSync(dir, { recursive: true });
  const models: [string, LogRegModel][] = [["prompt", g.prompt.gate], ...(g.prompt.harm === null ? [] : [["harm", g.prompt.harm] as [string, LogRegModel]]), ["response", g.response]];
  const tensors = models.flatMap(([n, m]) => [
    { name: `${n}.weight`, dtype: "F32", shape: [NGRAM_BUCKETS, m.classes], data: f32bytes(m.weight) },
    { name: `${n}.bias`, dtype: "F32", shape: [m.classes], data: f32bytes(m.bias) },
  ]);
  atomicWrite(join(dir, "guard.safetensors"), encodeSafetensors(tensors, new Map([["format", GUARD_FORMAT]])));
  atomicWrite(join(dir, "guard.json"), `${JSON.stringify({ format: GUARD_FORMAT, version: 2, buckets: NGRAM_BUCKETS, settings: g.settings, thresholds: thresholdsByArea(g.thresholds), ...(g.thresholdsJa === null ? {} : { thresholdsJa: thresholdsByArea(g.thresholdsJa) }) }, null, 2)}\n`);
}

/** DIR/guard.json parsed (either kind of guard); an unreadable file is an error naming it, with `hint` appended. */
export function readGuardJson(dir: string, hint = ""): unknown {
  const jf = join(dir, "guard.json");
  try {
    return JSON.parse(readFileSync(jf, "utf8")) as unknown;
  } catch (e) {
    throw new KotodamaError(`${jf}: cannot read the guard (${(e as Error).message})${hint}`);
  }
}

/** guard.json's `thresholds` (or `field`: {area: number in [0, 1]}) in GUARD_AREAS order; errors name the file and the field. */
export function readAreaThresholds(th: unknown, jf: string, field = "thresholds"): number[] {
  if (!isPlain(th)) throw new FormatError(jf, `'${field}' must be an object {area: number}`);
  return GUARD_AREAS.map((a) => {
    const v = th[a];
    check(typeof v === "number" && v >= 0 && v <= 1, jf, `${field}.${a}`, `must be a number in [0, 1], got ${JSON.stringify(v)}`);
    return v as number;
  });
}

/** Reads a guard written by saveGuard; every bad or missing field is an error naming the file and the field. */
export function loadGuard(dir: string, raw: unknown = readGuardJson(dir, "; train one with 'kotodama safety guard train --out DIR'")): Guard {
  const jf = join(dir, "guard.json"), tf = join(dir, "guard.safetensors");
  if (!isPlain(raw)) throw new FormatError(jf, "expected a JSON object");
  check(raw.format === GUARD_FORMAT, jf, "format", `must be "${GUARD_FORMAT}", got ${JSON.stringify(raw.format)}`);
  check(raw.version === 2, jf, "version", `must be 2, got ${JSON.stringify(raw.version)} (a guard from before version 2: train it again)`);
  check(raw.buckets === NGRAM_BUCKETS, jf, "buckets", `must be ${NGRAM_BUCKETS}, got ${JSON.stringify(raw.buckets)}`);
  const settings = mergeOverDefaults(GUARD_DEFAULTS, raw.settings, "settings", jf) as GuardSettings;
  check((GUARD_FEATURE_SETS as readonly string[]).includes(settings.features), jf, "settings.features", `must be one of ${GUARD_FEATURE_SETS.join(", ")}, got ${JSON.stringify(settings.features)}`);
  check((THRESHOLD_MODES as readonly string[]).includes(settings.thresholds), jf, "settings.thresholds", `must be one of ${THRESHOLD_MODES.join(", ")}, got ${JSON.stringify(settings.thresholds)}`);
  check(settings.stages === 1 || settings.stages === 2, jf, "settings.stages", `must be 1 or 2, got ${JSON.stringify(settings.stages)}`);
  const thresholds = readAreaThresholds(raw.thresholds, jf);
  const thresholdsJa = raw.thresholdsJa === undefined ? null : readAreaThresholds(raw.thresholdsJa, jf, "thresholdsJa");
  const f = readSafetensors(tf);
  const tensor = (name: string, shape: readonly number[]): Float32Array => {
    const t = f.tensors.find((x) => x.name === name);
    if (t === undefined) throw new FormatError(tf, `missing tensor '${name}'`);
    if (t.dtype !== "F32" || t.shape.join(",") !== shape.join(",")) throw new FormatError(tf, `tensor '${name}' must be F32[${shape.join(", ")}], got ${t.dtype}[${t.shape.join(", ")}]`);
    return new Float32Array(safetensorsBytes(f, t).slice().buffer);
  };
  const model = (n: string, k: number): LogRegModel => ({ classes: k, weight: tensor(`${n}.weight`, [NGRAM_BUCKETS, k]), bias: tensor(`${n}.bias`, [k]) });
  const prompt: PromptModel = settings.stages === 1
    ? { features: settings.features, gate: model("prompt", GUARD_CLASSES), harm: null }
    : { features: settings.features, gate: model("prompt", 2), harm: model("harm", GUARD_CLASSES - 1) };
  return { settings, prompt, response: model("response", 2), thresholds, thresholdsJa };
}
