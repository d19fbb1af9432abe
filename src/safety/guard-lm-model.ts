// An LM guard: a language model (local or behind an OpenAI-compatible endpoint) that answers in Llama Guard's format,
// with a threshold per Do-Not-Answer area on its P(unsafe) and the same policies as the n-gram guard; its file
// (guard.json, format "kotodama-lm-guard", naming the model or endpoint — never an API key, only the environment
// variable that holds it) and the input and output checks. Not here: the reply format (guard-lm.ts), running the
// model (guard-lm-judge.ts), the n-gram guard (guard-model.ts).
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { atomicWrite } from "../data/files.js";
import { check, isPlain, mergeOverDefaults } from "../data/schema.js";
import { openInferModel } from "../infer/index.js";
import { openEndpoint } from "../infer/endpoint.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { harmTypeOfCodes, LM_GUARD_FORMATS, type LmGuardFormat } from "./guard-lm.js";
import { endpointLmJudge, localLmJudge, type LmJudge, type LmJudgement } from "./guard-lm-judge.js";
import { threadLmJudge } from "./guard-lm-thread.js";
import { readAreaThresholds, readGuardJson, type InputCheck, type OutputCheck } from "./guard-model.js";
import { decidePolicy } from "./guard-policy.js";
import { GUARD_AREAS, HARM_TYPES } from "./guard-taxonomy.js";

export interface LmGuardSettings {
  /** A local model (file or run directory), or "" when an endpoint judges. */
  readonly model: string;
  /** An OpenAI-compatible base URL, or "" when a local model judges. */
  readonly endpoint: string;
  /** The endpoint's model name. */
  readonly apiModel: string;
  /** The environment variable holding the endpoint's API key ("" = none); the key itself is never written. */
  readonly apiKeyEnv: string;
  readonly format: LmGuardFormat;
  /** Alternatives P(unsafe) is read from: 0 = the whole vocabulary (local models only), else the top k (an endpoint's
   *  top_logprobs, 1–20). */
  readonly alternatives: number;
  /** P(unsafe) of a prompt at or above which it is flagged (every area; 0.5 = the model's own verdict). */
  readonly threshold: number;
  /** P(unsafe) of an answer at or above which the output check replaces it. */
  readonly outputThreshold: number;
}

export const LM_GUARD_DEFAULTS: LmGuardSettings = { model: "", endpoint: "", apiModel: "", apiKeyEnv: "", format: "template", alternatives: 0, threshold: 0.5, outputThreshold: 0.5 };

export interface LmGuard {
  readonly kind: "lm";
  readonly settings: LmGuardSettings;
  readonly judge: LmJudge;
  /** Unsafe-score threshold per area, GUARD_AREAS order. */
  readonly thresholds: readonly number[];
}

/** Checks the settings (the flag or field named by `where`), returning them. */
export function checkLmGuardSettings(s: LmGuardSettings, where: (field: string) => string): LmGuardSettings {
  const bad = (field: string, msg: string): never => {
    throw new KotodamaError(`${where(field)} ${msg}`);
  };
  if ((s.model === "") === (s.endpoint === "")) bad("model", "and endpoint: give exactly one (a local model, or an endpoint URL with its model name)");
  if (s.endpoint !== "" && s.apiModel.trim() === "") bad("apiModel", "must name the endpoint's model");
  if (!LM_GUARD_FORMATS.includes(s.format)) bad("format", `must be one of ${LM_GUARD_FORMATS.join(", ")}, got ${JSON.stringify(s.format)}`);
  if (!Number.isInteger(s.alternatives) || s.alternatives < 0 || s.alternatives > (s.endpoint !== "" ? 20 : 1 << 20)) bad("alternatives", `must be an integer, 0 (whole vocabulary, local models) or 1–20, got ${s.alternatives}`);
  if (s.endpoint !== "" && s.alternatives === 0) bad("alternatives", "must be 1–20 for an endpoint (its top_logprobs)");
  for (const k of ["threshold", "outputThreshold"] as const) if (!(s[k] >= 0 && s[k] <= 1)) bad(k, `must be a number in [0, 1], got ${s[k]}`);
  return s;
}

/** How a local guard model runs: in this thread (batch commands), or on a thread of its own (`thread`: a server, whose
 *  event loop must not wait for the guard's forward passes; the judge's `ready()` then says whether it loaded). */
export interface OpenLmGuardOptions {
  readonly thread?: { readonly threads: number | null };
}

/** Opens the model or endpoint the settings name. */
export function openLmGuard(settings: LmGuardSettings, where: (field: string) => string = (f) => `LM guard: '${f}'`, o: OpenLmGuardOptions = {}): LmGuard {
  const s = checkLmGuardSettings(settings, where);
  let judge: LmJudge;
  const alternatives = s.alternatives === 0 ? "all" : s.alternatives;
  if (s.model !== "" && o.thread !== undefined) {
    judge = threadLmJudge({ model: s.model, format: s.format, alternatives, threads: o.thread.threads });
  } else if (s.model !== "") {
    judge = localLmJudge(openInferModel(s.model), { format: s.format, alternatives });
  } else {
    const key = s.apiKeyEnv === "" ? undefined : process.env[s.apiKeyEnv];
    if (s.apiKeyEnv !== "" && (key === undefined || key === "")) throw new KotodamaError(`${where("apiKeyEnv")} names the environment variable ${s.apiKeyEnv}, which is not set`);
    judge = endpointLmJudge(openEndpoint({ url: s.endpoint, model: s.apiModel, ...(key === undefined ? {} : { apiKey: key }) }), { format: s.format, topLogprobs: s.alternatives });
  }
  return { kind: "lm", settings: s, judge, thresholds: GUARD_AREAS.map(() => s.threshold) };
}

/** The input check's fields from a judgement of the prompt. */
export function inputCheckOf(g: LmGuard, prompt: string, j: LmJudgement): InputCheck {
  const harmType = harmTypeOfCodes(j.codes);
  const area = HARM_TYPES.find((h) => h.type === harmType)!.area;
  const threshold = g.thresholds[GUARD_AREAS.indexOf(area)]!;
  const flagged = j.unsafe >= threshold;
  return { unsafe: j.unsafe, area, harmType, threshold, flagged, policy: decidePolicy(prompt, { flagged, harmType }) };
}

/** Judges a prompt (the conversation's one user message). */
export async function checkInputLm(g: LmGuard, prompt: string): Promise<InputCheck> {
  return inputCheckOf(g, prompt, await g.judge.judge([{ role: "user", content: prompt }]));
}

/** Judges an answer to a prompt (the conversation's last assistant message). */
export async function checkOutputLm(g: LmGuard, prompt: string, response: string): Promise<OutputCheck> {
  const j = await g.judge.judge([{ role: "user", content: prompt }, { role: "assistant", content: response }]);
  return { harmful: j.unsafe, threshold: g.settings.outputThreshold, flagged: j.unsafe >= g.settings.outputThreshold };
}

export const LM_GUARD_FORMAT = "kotodama-lm-guard";

/** Writes DIR/guard.json (atomically). A relative model path is made absolute, so the guard opens from anywhere; a
 *  model named as `kotodama pull` names it (not a path here) is kept as the name. */
export function saveLmGuard(dir: string, g: LmGuard): string {
  mkdirSync(dir, { recursive: true });
  const m = g.settings.model;
  const settings = { ...g.settings, model: m !== "" && existsSync(m) ? resolve(m) : m };
  const thresholds = Object.fromEntries(GUARD_AREAS.map((a, i) => [a, g.thresholds[i]!]));
  const file = join(dir, "guard.json");
  atomicWrite(file, `${JSON.stringify({ format: LM_GUARD_FORMAT, version: 1, settings, thresholds }, null, 2)}\n`);
  return file;
}

/** Reads DIR/guard.json of an LM guard and opens its model or endpoint; bad fields are errors naming the file and
 *  the field. `raw` is the file's parsed JSON when the caller has read it already. */
export function loadLmGuard(dir: string, raw: unknown = readGuardJson(dir), o: OpenLmGuardOptions = {}): LmGuard {
  const jf = join(dir, "guard.json");
  if (!isPlain(raw)) throw new FormatError(jf, "expected a JSON object");
  check(raw.format === LM_GUARD_FORMAT, jf, "format", `must be "${LM_GUARD_FORMAT}", got ${JSON.stringify(raw.format)}`);
  check(raw.version === 1, jf, "version", `must be 1, got ${JSON.stringify(raw.version)}`);
  const settings = mergeOverDefaults(LM_GUARD_DEFAULTS, raw.settings, "settings", jf) as LmGuardSettings;
  const thresholds = readAreaThresholds(raw.thresholds, jf); // before the model opens (or its thread starts)
  return { ...openLmGuard(settings, (f) => `${jf}: 'settings.${f}'`, o), thresholds };
}
