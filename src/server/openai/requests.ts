// Request bodies of the OpenAI-compatible endpoints, validated strictly into jobs: every field known (unknown ones
// and unsupported values are 400s naming the field), sampling fields through src/infer's one options parser
// (the CLI's flags and these fields share it), and the server's limits on sizes. OpenAI's sampling defaults apply
// (temperature 1, top_p 1, no top-k or min-p); `top_k`, `min_p`, `repetition_penalty` and `ignore_eos` are the
// usual extensions (llama.cpp, vLLM). `response_format` (json_schema, json_object) and llama.cpp's `grammar` (GBNF
// text) become a constraint, compiled here once so that a bad schema is a 400 naming it. Beam search and lexical
// constraints (use_beam_search, best_of, length_penalty, include, exclude) are parsed by beam-request.ts.
// Not here: running jobs (queue.ts), response shapes (responses.ts).
import { checkSpec, parseGenerateOptions, type ConstraintSpec } from "../../infer/index.js";
import type { ChatMessage } from "../../tokenizer/index.js";
import { badField } from "./errors.js";
import { BEAM_FIELDS, parseBeamRequest } from "./beam-request.js";
import type { ChatJob, CompleteJob, EmbedJob, PromptInput } from "./protocol.js";

export const LIMITS = { prompts: 64, n: 16, stops: 4, inputs: 256, completionLogprobs: 20, topLogprobs: 20, messages: 1024, copySources: 64, copyChars: 200_000 } as const;

type Body = Record<string, unknown>;

export interface Parsed<J> {
  readonly model: string;
  readonly stream: boolean;
  /** stream_options.include_usage: a last chunk with usage before [DONE]. */
  readonly includeUsage: boolean;
  readonly job: J;
}

/** OpenAI's sampling defaults in src/infer's terms (penalties look at the whole history, as OpenAI's do). */
const OPENAI_SAMPLING = { temperature: 1, topP: 1, topK: 0, minP: 0, repeatPenalty: 1, repeatLastN: -1, frequencyPenalty: 0, presencePenalty: 0, seed: 0, stop: [], ignoreEos: false };

/** Request field → GenerateOptions key. */
const SAMPLING_FIELDS: Readonly<Record<string, string>> = {
  temperature: "temperature", top_p: "topP", top_k: "topK", min_p: "minP", repetition_penalty: "repeatPenalty",
  frequency_penalty: "frequencyPenalty", presence_penalty: "presencePenalty", seed: "seed", stop: "stop", ignore_eos: "ignoreEos",
};

/** OpenAI's own ranges, narrower than src/infer's (which allows temperature up to 100). */
const OPENAI_RANGES: Readonly<Record<string, readonly [number, number]>> = { temperature: [0, 2], top_p: [0, 1], frequency_penalty: [-2, 2], presence_penalty: [-2, 2] };

/** Fields accepted and ignored (they change nothing here). */
const IGNORED = ["user", "store", "metadata", "parallel_tool_calls", "service_tier"];

function checkKeys(body: Body, known: readonly string[]): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k) && !IGNORED.includes(k) && !(k in SAMPLING_FIELDS)) throw badField(k, `unknown field (expected: ${[...known, ...Object.keys(SAMPLING_FIELDS)].join(", ")})`, "unknown_field");
  }
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

function int(body: Body, field: string, min: number, max: number, fallback: number): number;
function int(body: Body, field: string, min: number, max: number, fallback: null): number | null;
function int(body: Body, field: string, min: number, max: number, fallback: number | null): number | null {
  const v = body[field];
  if (!present(v)) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw badField(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function bool(body: Body, field: string): boolean {
  const v = body[field];
  if (!present(v)) return false;
  if (typeof v !== "boolean") throw badField(field, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** The sampling fields through parseGenerateOptions, one by one so that an error names the request's field. */
function sampling(body: Body): Record<string, unknown> {
  const out: Record<string, unknown> = { ...OPENAI_SAMPLING };
  for (const [field, key] of Object.entries(SAMPLING_FIELDS)) {
    let v = body[field];
    if (!present(v)) continue;
    const range = OPENAI_RANGES[field];
    if (range !== undefined && (typeof v !== "number" || v < range[0] || v > range[1])) throw badField(field, `expected a number in [${range[0]}, ${range[1]}], got ${JSON.stringify(v)}`);
    if (field === "stop") {
      v = typeof v === "string" ? [v] : v;
      if (!Array.isArray(v) || v.length > LIMITS.stops) throw badField(field, `expected a string or up to ${LIMITS.stops} strings`);
    }
    try {
      out[key] = parseGenerateOptions({ [key]: v }, "request")[key as keyof ReturnType<typeof parseGenerateOptions>];
    } catch (e) {
      throw badField(field, (e as Error).message.replace(/^request: /, ""));
    }
  }
  return out;
}

function modelName(body: Body): string {
  const m = body.model;
  if (typeof m !== "string" || m === "") throw badField("model", "expected the name of a model (GET /v1/models lists them)");
  return m;
}

function streamFlags(body: Body): { stream: boolean; includeUsage: boolean } {
  const stream = bool(body, "stream");
  const so = body.stream_options;
  if (!present(so)) return { stream, includeUsage: false };
  if (!stream) throw badField("stream_options", "only allowed with stream: true");
  if (typeof so !== "object" || Array.isArray(so)) throw badField("stream_options", "expected an object");
  for (const k of Object.keys(so as Body)) if (k !== "include_usage") throw badField(`stream_options.${k}`, "unknown field (expected include_usage)");
  return { stream, includeUsage: bool(so as Body, "include_usage") };
}

function rejectUnsupported(body: Body): void {
  const lb = body.logit_bias;
  if (present(lb) && (typeof lb !== "object" || Object.keys(lb as Body).length > 0)) throw badField("logit_bias", "not supported by this server");
}

/** response_format ({"type": "text" | "json_object" | "json_schema"}) and `grammar` (GBNF, llama.cpp's server
 *  field) as a constraint; a schema or grammar that does not compile is a 400 naming the field. */
function constraintOf(body: Body): ConstraintSpec | null {
  const rf = body.response_format, gr = body.grammar;
  let spec: ConstraintSpec | null = null;
  let field = "response_format";
  if (present(rf)) {
    if (typeof rf !== "object" || Array.isArray(rf)) throw badField(field, 'expected an object {"type": "text" | "json_object" | "json_schema", ...}');
    const o = rf as Body;
    const keys = o.type === "json_schema" ? ["type", "json_schema"] : ["type"];
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw badField(`${field}.${k}`, `unknown field (expected ${keys.join(", ")})`);
    if (o.type === "json_object") spec = { kind: "json-object" };
    else if (o.type === "json_schema") {
      const js = o.json_schema;
      if (typeof js !== "object" || js === null || Array.isArray(js)) throw badField(`${field}.json_schema`, "expected an object {name, schema, strict, description}");
      const j = js as Body;
      for (const k of Object.keys(j)) if (!["name", "schema", "strict", "description"].includes(k)) throw badField(`${field}.json_schema.${k}`, "unknown field (expected name, schema, strict, description)");
      if (typeof j.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(j.name)) throw badField(`${field}.json_schema.name`, "expected a name of 1 to 64 letters, digits, _ or -");
      if (present(j.strict) && typeof j.strict !== "boolean") throw badField(`${field}.json_schema.strict`, "expected true or false");
      if (typeof j.schema !== "object" || j.schema === null || Array.isArray(j.schema)) throw badField(`${field}.json_schema.schema`, "expected a JSON Schema object");
      field = `${field}.json_schema.schema`;
      spec = { kind: "json-schema", schema: j.schema, source: field };
    } else if (o.type !== "text") throw badField(`${field}.type`, `expected "text", "json_object" or "json_schema", got ${JSON.stringify(o.type)}`);
  }
  if (present(gr)) {
    if (spec !== null) throw badField("grammar", "give response_format or grammar, not both");
    if (typeof gr !== "string" || gr.length > 100_000) throw badField("grammar", "expected GBNF text (at most 100000 characters)");
    field = "grammar";
    spec = { kind: "gbnf", text: gr, source: "grammar" };
  }
  if (spec === null) return null;
  try {
    checkSpec(spec);
  } catch (e) {
    throw badField(field, (e as Error).message.replace(/^(response_format\.json_schema\.schema|grammar): /, ""), "invalid_schema");
  }
  return spec;
}

const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0);

/** A prompt or input: a string, a string array, a token-id array or an array of token-id arrays. */
function promptList(v: unknown, field: string, max: number): PromptInput[] {
  let list: PromptInput[];
  if (typeof v === "string") list = [v];
  else if (isIds(v)) list = [v];
  else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) list = v as string[];
  else if (Array.isArray(v) && v.length > 0 && v.every(isIds)) list = v as number[][];
  else throw badField(field, "expected a string, an array of strings, an array of token ids or an array of such arrays (non-empty)");
  if (list.length > max) throw badField(field, `${list.length} entries; this server takes at most ${max} per request`);
  return list;
}

/** copy_from (kotodama's own field): the answer must be a contiguous span of one of these texts (copy-constrained
 *  decoding, src/infer/copy-span.ts; rag ask --mode copy through an endpoint). Not with a grammar or beam search. */
function copyFromOf(body: Body, constraint: unknown, beam: unknown): string[] | null {
  const v = body.copy_from;
  if (!present(v)) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > LIMITS.copySources || v.some((x) => typeof x !== "string" || x === "")) throw badField("copy_from", `expected a non-empty array of at most ${LIMITS.copySources} non-empty strings (the texts the answer must be a span of)`);
  const texts = v as string[];
  if (texts.reduce((n, t) => n + t.length, 0) > LIMITS.copyChars) throw badField("copy_from", `at most ${LIMITS.copyChars} characters in all`);
  if (constraint !== null) throw badField("copy_from", "give copy_from or response_format/grammar, not both");
  if (beam !== null) throw badField("copy_from", "not supported with beam search");
  return texts;
}

/** best_of and the beam fields: best_of is the beam width under beam search (vLLM's meaning), else it must equal n. */
function beamOf(body: Body, n: number): ReturnType<typeof parseBeamRequest> {
  const bestOf = int(body, "best_of", 1, LIMITS.n, null);
  const beam = parseBeamRequest(body, n, bestOf);
  if (beam === null && bestOf !== null && bestOf !== n) throw badField("best_of", "only best_of equal to n is supported without beam search (use_beam_search: true makes it the beam width)");
  return beam;
}

export function parseCompletionRequest(body: Body): Parsed<CompleteJob> {
  checkKeys(body, ["model", "prompt", "max_tokens", "n", "best_of", "stream", "stream_options", "logprobs", "echo", "logit_bias", "suffix", "response_format", "grammar", "copy_from", ...BEAM_FIELDS]);
  rejectUnsupported(body);
  if (present(body.suffix)) throw badField("suffix", "not supported by this server");
  const n = int(body, "n", 1, LIMITS.n, 1);
  const beam = beamOf(body, n);
  const prompts = promptList(body.prompt, "prompt", LIMITS.prompts);
  const { stream, includeUsage } = streamFlags(body);
  const echo = bool(body, "echo");
  if (stream && echo) throw badField("echo", "not supported together with stream");
  const constraint = constraintOf(body);
  return {
    model: modelName(body), stream, includeUsage,
    job: { kind: "complete", prompts, n, echo, logprobs: int(body, "logprobs", 0, LIMITS.completionLogprobs, null), maxTokens: int(body, "max_tokens", 0, 2 ** 31 - 1, null), sampling: sampling(body), constraint, beam, copyFrom: copyFromOf(body, constraint, beam) },
  };
}

function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw badField("messages", "expected a non-empty array of {role, content}");
  if (v.length > LIMITS.messages) throw badField("messages", `${v.length} messages; at most ${LIMITS.messages}`);
  return v.map((m: unknown, i) => {
    const where = `messages[${i}]`;
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw badField(where, "expected an object {role, content}");
    const o = m as Body;
    for (const k of Object.keys(o)) if (!["role", "content", "name"].includes(k)) throw badField(`${where}.${k}`, "unknown or unsupported field (expected role, content, name)");
    const role = o.role === "developer" ? "system" : o.role;
    if (role !== "system" && role !== "user" && role !== "assistant") throw badField(`${where}.role`, `expected system, developer, user or assistant, got ${JSON.stringify(o.role)}`);
    let content = o.content;
    if (Array.isArray(content)) {
      content = content.map((p: unknown, j) => {
        const part = p as Body;
        if (typeof p !== "object" || p === null || part.type !== "text" || typeof part.text !== "string") throw badField(`${where}.content[${j}]`, 'expected {"type": "text", "text": "..."} (only text parts are supported)');
        return part.text;
      }).join("");
    }
    if (content === null && role === "assistant") content = "";
    if (typeof content !== "string") throw badField(`${where}.content`, "expected a string or an array of text parts");
    return { role, content };
  });
}

export function parseChatRequest(body: Body): Parsed<ChatJob> {
  checkKeys(body, ["model", "messages", "max_tokens", "max_completion_tokens", "n", "best_of", "stream", "stream_options", "logprobs", "top_logprobs", "logit_bias", "response_format", "grammar", "copy_from", "tools", "tool_choice", ...BEAM_FIELDS]);
  rejectUnsupported(body);
  if (present(body.tools) && !(Array.isArray(body.tools) && body.tools.length === 0)) throw badField("tools", "tool calls are not supported by this server");
  if (present(body.tool_choice) && body.tool_choice !== "none") throw badField("tool_choice", 'only "none" is supported');
  const logprobs = bool(body, "logprobs");
  const topLogprobs = int(body, "top_logprobs", 0, LIMITS.topLogprobs, 0);
  if (present(body.top_logprobs) && !logprobs) throw badField("top_logprobs", "needs logprobs: true");
  const a = int(body, "max_tokens", 0, 2 ** 31 - 1, null), b = int(body, "max_completion_tokens", 0, 2 ** 31 - 1, null);
  if (a !== null && b !== null && a !== b) throw badField("max_completion_tokens", "differs from max_tokens; give one");
  const { stream, includeUsage } = streamFlags(body);
  const n = int(body, "n", 1, LIMITS.n, 1);
  const beam = beamOf(body, n);
  const constraint = constraintOf(body);
  return {
    model: modelName(body), stream, includeUsage,
    job: { kind: "chat", messages: parseMessages(body.messages), n, logprobs, topLogprobs, maxTokens: b ?? a, sampling: sampling(body), constraint, beam, copyFrom: copyFromOf(body, constraint, beam) },
  };
}

export function parseEmbeddingRequest(body: Body): { model: string; base64: boolean; job: EmbedJob } {
  for (const k of Object.keys(body)) if (!["model", "input", "encoding_format", "dimensions", "user"].includes(k)) throw badField(k, "unknown field (expected model, input, encoding_format, dimensions, user)", "unknown_field");
  const f = body.encoding_format;
  if (present(f) && f !== "float" && f !== "base64") throw badField("encoding_format", `expected "float" or "base64", got ${JSON.stringify(f)}`);
  if (present(body.dimensions)) throw badField("dimensions", "not supported (the model's width is the embedding's)");
  return { model: modelName(body), base64: f === "base64", job: { kind: "embed", inputs: promptList(body.input, "input", LIMITS.inputs) } };
}
