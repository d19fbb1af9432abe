// The explorer's JSON requests, validated strictly at the edge into jobs (explorer-protocol.ts): unknown fields,
// wrong types and out-of-range numbers are 400s naming the field. Sampling settings go through src/infer's one
// options parser (parseGenerateOptions), as the CLI flags and /v1 fields do.
// Not here: routes (explorer-app.ts), what the jobs compute (explorer-jobs.ts).
import { parseGenerateOptions } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { badField } from "./errors.js";
import type { ExploreJob, SamplingSettings } from "./explorer-protocol.js";

/** Longest prompt or text, in characters (the model's context bounds it in tokens too). */
export const MAX_TEXT_CHARS = 4000;
export const MAX_TEXTS = 16;
export const MAX_TOP_K = 100;
export const MAX_SAMPLE_TOKENS = 200;

export interface ExploreRequest {
  readonly model: string | null;
  readonly job: ExploreJob;
}

function only(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw badField(k, `unknown field (expected ${allowed.join(", ")})`);
}

function text(o: Record<string, unknown>, key: string, allowEmpty: boolean): string {
  const v = o[key];
  if (typeof v !== "string") throw badField(key, `expected a string, got ${JSON.stringify(v) ?? "nothing"}`);
  if (!allowEmpty && v.trim() === "") throw badField(key, "expected a non-empty string");
  if (v.length > MAX_TEXT_CHARS) throw badField(key, `at most ${MAX_TEXT_CHARS} characters, got ${v.length}`);
  return v;
}

function int(o: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw badField(key, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function model(o: Record<string, unknown>): string | null {
  const m = o.model;
  if (m === undefined) return null;
  if (typeof m !== "string") throw badField("model", `expected a model name, got ${JSON.stringify(m)}`);
  return m;
}

/** POST /api/explorer/next: `{model?, prompt, k?}` (k likeliest tokens, default 20). */
export function parseNextRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "prompt", "k"]);
  return { model: model(o), job: { kind: "explore.next", prompt: text(o, "prompt", true), k: int(o, "k", 20, 1, MAX_TOP_K) } };
}

/** POST /api/explorer/score: `{model?, texts}` (1 to 16 texts). */
export function parseScoreRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "texts"]);
  const t = o.texts;
  if (!Array.isArray(t) || t.length < 1 || t.length > MAX_TEXTS) throw badField("texts", `expected an array of 1 to ${MAX_TEXTS} strings`);
  const texts = t.map((_, i) => text(t as unknown as Record<string, unknown>, String(i), false));
  return { model: model(o), job: { kind: "explore.score", texts } };
}

const SAMPLING_KEYS = ["temperature", "topK", "topP", "minP", "seed", "maxTokens"] as const;

/** POST /api/explorer/sample: `{model?, prompt, temperature?, topK?, topP?, minP?, seed?, maxTokens?, show?}`;
 *  defaults are src/infer's (maxTokens 40 here), ranges its parser's. */
export function parseSampleRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "prompt", "show", ...SAMPLING_KEYS]);
  const given: Record<string, unknown> = {};
  for (const k of SAMPLING_KEYS) if (o[k] !== undefined) given[k] = o[k];
  let parsed;
  try {
    parsed = parseGenerateOptions({ maxTokens: 40, ...given }, "sample");
  } catch (e) {
    const key = SAMPLING_KEYS.find((k) => (e as Error).message.includes(`option ${k} `)) ?? "sampling";
    throw badField(key, e instanceof KotodamaError ? e.message : String(e));
  }
  const maxTokens = parsed.maxTokens ?? 40;
  if (maxTokens > MAX_SAMPLE_TOKENS) throw badField("maxTokens", `at most ${MAX_SAMPLE_TOKENS} here, got ${maxTokens}`);
  const sampling: SamplingSettings = { temperature: parsed.temperature, topK: parsed.topK, topP: parsed.topP, minP: parsed.minP, seed: parsed.seed, maxTokens };
  return { model: model(o), job: { kind: "explore.sample", prompt: text(o, "prompt", true), sampling, show: int(o, "show", 30, 1, MAX_TOP_K) } };
}

/** POST /api/explorer/attention: `{model?, prompt}` (a short prompt: its maps grow as T²). */
export function parseAttentionRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "prompt"]);
  return { model: model(o), job: { kind: "explore.attention", prompt: text(o, "prompt", true) } };
}

/** POST /api/explorer/rag: `{model?, question, k?, mode?}` (k passages, default 5; mode generate or extract). */
export function parseRagRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "question", "k", "mode"]);
  const mode = o.mode ?? "generate";
  if (mode !== "generate" && mode !== "extract") throw badField("mode", `expected "generate" or "extract", got ${JSON.stringify(mode)}`);
  return { model: model(o), job: { kind: "explore.rag", question: text(o, "question", false), k: int(o, "k", 5, 1, 20), mode } };
}

/** POST /api/explorer/guard: `{text, response?}` (a prompt, and optionally a reply to check as the output). */
export function parseGuardRequest(o: Record<string, unknown>): { text: string; response: string | null } {
  only(o, ["text", "response"]);
  return { text: text(o, "text", false), response: o.response === undefined ? null : text(o, "response", false) };
}

/** Most tokens of one side-by-side answer (each served model answers in turn, on one worker). */
export const MAX_ANSWER_TOKENS = 128;

/** POST /api/explorer/answer: `{model?, prompt, maxTokens?, seed?}` — one model's greedy answer to a user turn
 *  (maxTokens default 64; the seed is recorded with the answer, greedy decoding draws nothing). */
export function parseAnswerRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "prompt", "maxTokens", "seed"]);
  return {
    model: model(o),
    job: { kind: "explore.answer", prompt: text(o, "prompt", false), maxTokens: int(o, "maxTokens", 64, 1, MAX_ANSWER_TOKENS), seed: int(o, "seed", 0, 0, 2 ** 32 - 1) },
  };
}

/** Longest text the Simplify page takes: a sentence or a short paragraph (beam search decodes it whole). */
export const MAX_SIMPLIFY_CHARS = 1000;
const LEVEL_NAMES = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;

function flag(o: Record<string, unknown>, key: string): boolean {
  const v = o[key] ?? false;
  if (typeof v !== "boolean") throw badField(key, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** POST /api/explorer/simplify: `{model?, text, level, method?, constrained?, rerank?}` — level A1…C2; method
 *  "delete" (default: deletion-only edits) or "free"; constrained / rerank need serve --cefr (the job says so). */
export function parseSimplifyRequest(o: Record<string, unknown>): ExploreRequest {
  only(o, ["model", "text", "level", "method", "constrained", "rerank"]);
  const t = text(o, "text", false);
  if (t.length > MAX_SIMPLIFY_CHARS) throw badField("text", `at most ${MAX_SIMPLIFY_CHARS} characters, got ${t.length}`);
  const level = LEVEL_NAMES.indexOf(o.level as (typeof LEVEL_NAMES)[number]);
  if (level < 0) throw badField("level", `expected one of ${LEVEL_NAMES.join(", ")}, got ${JSON.stringify(o.level) ?? "nothing"}`);
  const method = o.method ?? "delete";
  if (method !== "delete" && method !== "free") throw badField("method", `expected "delete" or "free", got ${JSON.stringify(method)}`);
  return { model: model(o), job: { kind: "explore.simplify", text: t, level, method, constrained: flag(o, "constrained"), rerank: flag(o, "rerank") } };
}
