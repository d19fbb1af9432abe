// THE generation-options parser, shared by the CLI (flags), the library and the server (JSON fields): one table
// of options with types, ranges and defaults; unknown options and invalid values are errors naming the option.
// Not here: what the options do (sampler.ts, generate.ts).
import { KotodamaError } from "../util/errors.js";

export interface SamplerOptions {
  /** 0 = greedy (argmax); otherwise logits are divided by it before the filters below. */
  readonly temperature: number;
  /** Keep the K most likely tokens (0 = off). */
  readonly topK: number;
  /** Keep the smallest set of most likely tokens whose probability mass reaches P (1 = off). */
  readonly topP: number;
  /** Drop tokens whose probability is below minP × the top token's probability (0 = off). */
  readonly minP: number;
  /** CTRL-style repetition penalty on tokens in the last repeatLastN: logit/p if > 0 else logit·p (1 = off). */
  readonly repeatPenalty: number;
  /** Window of previous tokens (prompt included) the penalties look at; 0 = none, −1 = all. */
  readonly repeatLastN: number;
  /** logit −= count × this (OpenAI's frequency_penalty). */
  readonly frequencyPenalty: number;
  /** logit −= this when count > 0 (OpenAI's presence_penalty). */
  readonly presencePenalty: number;
  /** Seed of the sampler's Rng (src/util/rng.ts). */
  readonly seed: number;
}

export interface GenerateOptions extends SamplerOptions {
  /** Tokens to generate at most; null = until the context is full. */
  readonly maxTokens: number | null;
  /** Generation ends before the first occurrence of any of these strings (not emitted). */
  readonly stop: readonly string[];
  /** Keep generating after the end-of-sequence token (default: stop there). */
  readonly ignoreEos: boolean;
  /** Number of most likely alternatives reported per step (JSON output). */
  readonly topLogprobs: number;
  /** KV cache positions; null = the model's context. Larger than the model's context: a warning (RoPE) or an
   *  error (learned positions). */
  readonly context: number | null;
}

type Kind = "number" | "int" | "intOrNull" | "bool" | "strings";

interface Spec {
  readonly key: keyof GenerateOptions;
  readonly kind: Kind;
  readonly min: number;
  readonly max: number;
  readonly help: string;
}

/** Every option, in --help order. The CLI flag is the key in kebab case (topK → --top-k). */
export const GENERATE_OPTION_SPECS: readonly Spec[] = [
  { key: "maxTokens", kind: "intOrNull", min: 0, max: 2 ** 31 - 1, help: "tokens to generate at most (default: until the context is full)" },
  { key: "temperature", kind: "number", min: 0, max: 100, help: "0 = greedy (default 0.8)" },
  { key: "topK", kind: "int", min: 0, max: 2 ** 31 - 1, help: "keep the K most likely tokens, 0 = off (default 40)" },
  { key: "topP", kind: "number", min: 0, max: 1, help: "nucleus: smallest set with this probability mass, 1 = off (default 0.95)" },
  { key: "minP", kind: "number", min: 0, max: 1, help: "drop tokens below minP × the top probability, 0 = off (default 0.05)" },
  { key: "repeatPenalty", kind: "number", min: 0.01, max: 100, help: "repetition penalty on recent tokens, 1 = off (default 1)" },
  { key: "repeatLastN", kind: "int", min: -1, max: 2 ** 31 - 1, help: "recent tokens the penalties see, -1 = all (default 64)" },
  { key: "frequencyPenalty", kind: "number", min: -10, max: 10, help: "logit −= count × this (default 0)" },
  { key: "presencePenalty", kind: "number", min: -10, max: 10, help: "logit −= this for tokens already present (default 0)" },
  { key: "seed", kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER, help: "sampler seed (default 0: reproducible)" },
  { key: "stop", kind: "strings", min: 0, max: 0, help: "stop before this string (repeatable)" },
  { key: "ignoreEos", kind: "bool", min: 0, max: 0, help: "keep going after the end-of-sequence token" },
  { key: "topLogprobs", kind: "int", min: 0, max: 100, help: "alternatives per step in --json output (default 5)" },
  { key: "context", kind: "intOrNull", min: 1, max: 2 ** 24, help: "KV cache positions (default: the model's context)" },
];

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = {
  maxTokens: null, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, repeatLastN: 64,
  frequencyPenalty: 0, presencePenalty: 0, seed: 0, stop: [], ignoreEos: false, topLogprobs: 5, context: null,
};

/** topK → top-k. */
export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const keyOfFlag = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function parseValue(spec: Spec, raw: unknown, where: string): unknown {
  const name = `${where}: option ${spec.key} (--${flagName(spec.key)})`;
  const bad = (want: string): KotodamaError => new KotodamaError(`${name} expects ${want}, got ${JSON.stringify(raw)}`);
  switch (spec.kind) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw bad("true or false");
    case "strings": {
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.every((s): s is string => typeof s === "string" && s !== "")) throw bad("non-empty strings");
      return list;
    }
    default: {
      if (raw === null && spec.kind === "intOrNull") return null;
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      const integer = spec.kind !== "number";
      const range = `[${spec.min}, ${spec.max}]`;
      if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || n < spec.min || n > spec.max) {
        throw bad(`${integer ? "an integer" : "a number"} in ${range}`);
      }
      return n;
    }
  }
}

/** Parses options given by key (camelCase, as the library and JSON use them) or by flag name (kebab case,
 *  as the CLI passes them), each value typed or as a string. Missing options take DEFAULT_GENERATE_OPTIONS. */
export function parseGenerateOptions(input: Readonly<Record<string, unknown>> | GenerateOptions, where = "generate"): GenerateOptions {
  const out: Record<string, unknown> = { ...DEFAULT_GENERATE_OPTIONS };
  const seen = new Set<string>();
  for (const [rawKey, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    const key = keyOfFlag(rawKey);
    const spec = GENERATE_OPTION_SPECS.find((s) => s.key === key);
    if (spec === undefined) {
      throw new KotodamaError(`${where}: unknown option '${rawKey}'; expected one of: ${GENERATE_OPTION_SPECS.map((s) => s.key).join(", ")}`);
    }
    if (seen.has(key)) throw new KotodamaError(`${where}: option ${key} is given twice`);
    seen.add(key);
    out[key] = parseValue(spec, raw, where);
  }
  return Object.freeze(out) as unknown as GenerateOptions;
}

/** node:util parseArgs specs of every option (for the CLI). */
export function generateOptionFlags(): Record<string, { type: "string" | "boolean"; multiple?: boolean }> {
  const flags: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const s of GENERATE_OPTION_SPECS) {
    flags[flagName(s.key)] = s.kind === "bool" ? { type: "boolean" } : s.kind === "strings" ? { type: "string", multiple: true } : { type: "string" };
  }
  return flags;
}
