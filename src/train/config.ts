// The training run's typed configuration: optimizer, schedule, batch and evaluation settings, their per-preset
// defaults, and the run file (config.json = preset + full model config + full train config) with strict
// parsing. Not here: the loop (loop.ts) or the model's own config (models/config.ts).
import { KotodamaError } from "../util/errors.js";
import { MODEL_PRESETS, parseModelConfig, resolveModelConfig, type ModelConfig, type PresetName } from "../models/config.js";

export interface TrainConfig {
  readonly lr: number; // peak learning rate after warm-up
  readonly minLr: number; // floor of the cosine decay
  readonly warmupSteps: number;
  /** Steps of the schedule (cosine reaches minLr here) and the stopping step. */
  readonly maxSteps: number;
  readonly weightDecay: number; // decoupled (AdamW), matrices and embeddings only
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Global gradient-norm clip; 0 disables. */
  readonly gradClip: number;
  /** Sequences per micro-batch (B). */
  readonly batchSize: number;
  /** Micro-batches per optimizer step (gradient accumulation): tokens/step = gradAccum·B·T. */
  readonly gradAccum: number;
  /** Evaluate held-out loss every this many steps (and at the end). */
  readonly evalInterval: number;
  /** Validation batches per evaluation. */
  readonly evalBatches: number;
  /** Write a checkpoint every this many steps (and at the end); 0 = only at the end. */
  readonly checkpointInterval: number;
  readonly seed: number;
}

const BASE: TrainConfig = {
  lr: 1e-3,
  minLr: 1e-4,
  warmupSteps: 100,
  maxSteps: 2000,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gradClip: 1.0,
  batchSize: 12,
  gradAccum: 1,
  evalInterval: 100,
  evalBatches: 20,
  checkpointInterval: 100,
  seed: 1337,
};

/** Per-preset training defaults (nanoGPT's shakespeare_char CPU settings for tiny). */
export const TRAIN_PRESETS: Readonly<Record<PresetName, TrainConfig>> = {
  tiny: { ...BASE, lr: 1e-3, minLr: 1e-4, warmupSteps: 100, maxSteps: 2000, batchSize: 12 },
  small: { ...BASE, lr: 6e-4, minLr: 6e-5, warmupSteps: 50, maxSteps: 2000, batchSize: 8 },
  default: { ...BASE, lr: 2e-3, minLr: 2e-4, warmupSteps: 50, maxSteps: 1000, batchSize: 8, evalInterval: 100, evalBatches: 10 },
};

export const TRAIN_CONFIG_KEYS = Object.keys(BASE) as (keyof TrainConfig)[];

/** Checks a train config's invariants; throws naming the field. */
export function validateTrainConfig(c: TrainConfig, where = "train config"): TrainConfig {
  const fail = (k: string, want: string): never => {
    throw new KotodamaError(`${where}: ${k} must be ${want}, got ${JSON.stringify((c as unknown as Record<string, unknown>)[k])}`);
  };
  const int = (k: keyof TrainConfig, min: number): void => {
    const v = c[k];
    if (!Number.isSafeInteger(v) || v < min) fail(k, `an integer ≥ ${min}`);
  };
  const num = (k: keyof TrainConfig, lo: number, hi: number, loOpen = false): void => {
    const v = c[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi || (loOpen && v === lo)) fail(k, `a number in ${loOpen ? "(" : "["}${lo}, ${hi}]`);
  };
  num("lr", 0, 10, true);
  num("minLr", 0, 10);
  int("warmupSteps", 0);
  int("maxSteps", 1);
  num("weightDecay", 0, 10);
  num("beta1", 0, 0.999999);
  num("beta2", 0, 0.999999);
  num("eps", 0, 1, true);
  num("gradClip", 0, 1e9);
  int("batchSize", 1);
  int("gradAccum", 1);
  int("evalInterval", 1);
  int("evalBatches", 1);
  int("checkpointInterval", 0);
  int("seed", 0);
  if (c.minLr > c.lr) throw new KotodamaError(`${where}: minLr (${c.minLr}) must not exceed lr (${c.lr})`);
  return c;
}

/** Preset defaults plus overrides; unknown keys are errors. */
export function resolveTrainConfig(preset: PresetName, overrides: Readonly<Record<string, unknown>> = {}, where = "train config"): TrainConfig {
  for (const k of Object.keys(overrides)) {
    if (!(TRAIN_CONFIG_KEYS as string[]).includes(k)) throw new KotodamaError(`${where}: unknown key '${k}'; expected one of: ${TRAIN_CONFIG_KEYS.join(", ")}`);
  }
  return validateTrainConfig({ ...TRAIN_PRESETS[preset], ...overrides } as TrainConfig, where);
}

/** A run's complete configuration, as written to RUN/config.json. */
export interface RunConfig {
  readonly preset: PresetName;
  readonly model: ModelConfig;
  readonly train: TrainConfig;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function checkPreset(p: unknown, where: string): PresetName {
  if (typeof p !== "string" || !Object.hasOwn(MODEL_PRESETS, p)) {
    throw new KotodamaError(`${where}: unknown preset ${JSON.stringify(p)}; expected one of: ${Object.keys(MODEL_PRESETS).join(", ")}`);
  }
  return p as PresetName;
}

/** Resolves a run config from a preset name and a config-file object {preset?, model?, train?} (partial
 *  overrides; a full config.json of an earlier run is accepted too). Unknown keys anywhere are errors. */
export function resolveRunConfig(preset: string | undefined, file: unknown = {}, where = "config"): RunConfig {
  if (!isObj(file)) throw new KotodamaError(`${where}: expected a JSON object with optional keys preset, model, train`);
  for (const k of Object.keys(file)) {
    if (k !== "preset" && k !== "model" && k !== "train") throw new KotodamaError(`${where}: unknown key '${k}'; expected preset, model, train`);
  }
  const p = checkPreset(preset ?? file.preset ?? "tiny", where);
  const m = file.model ?? {};
  const t = file.train ?? {};
  if (!isObj(m)) throw new KotodamaError(`${where}: 'model' must be an object`);
  if (!isObj(t)) throw new KotodamaError(`${where}: 'train' must be an object`);
  return { preset: p, model: resolveModelConfig(p, m, `${where}: model`), train: resolveTrainConfig(p, t, `${where}: train`) };
}

/** Parses a run's config.json (every key present). */
export function parseRunConfig(obj: unknown, where = "config.json"): RunConfig {
  if (!isObj(obj)) throw new KotodamaError(`${where}: expected a JSON object`);
  const r = resolveRunConfig(undefined, obj, where);
  parseModelConfig(obj.model, `${where}: model`);
  for (const k of TRAIN_CONFIG_KEYS) if (!isObj(obj.train) || !(k in obj.train)) throw new KotodamaError(`${where}: train: missing key '${k}'`);
  return r;
}

/** The file form of a run config (stable key order). */
export const runConfigJson = (r: RunConfig): string => `${JSON.stringify({ preset: r.preset, model: r.model, train: r.train }, null, 2)}\n`;
