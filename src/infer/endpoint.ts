// An OpenAI-compatible chat endpoint as a ChatResponder (responder.ts): llama.cpp's llama-server, vLLM, Ollama, a
// kotodama server or OpenAI itself, through the official `openai` client. Greedy answers (temperature 0,
// max_tokens, seed) to a batch of conversations, in order, with bounded concurrency; the client retries 408/409/
// 429/5xx and dropped connections with exponential backoff (0.5 s doubling to 8 s, jittered) and honours
// Retry-After / retry-after-ms; every request has a timeout. Refusals become KotodamaErrors naming the URL, the
// HTTP status and the server's message. Also plain text completions (/v1/completions: echo + logprobs for scoring,
// stop strings for generation) for evaluations that need them, and log-likelihoods of given continuations from the
// echo (echoLoglikelihoods); a prompt too long for the model's context is a
// ContextLengthError. And a JSON POST to a server's own routes beyond OpenAI's (kotodama serve's /v1/cefr) through
// the same client, key, retries and errors (endpointPost). Not here: prompts, judging (eval/safety), where the key comes from (cli).
import OpenAI from "openai";
import { KotodamaError } from "../util/errors.js";
import type { AnswerOptions, ChatAnswer, ChatResponder, ChatTurn } from "./responder.js";

/** Where a server is and how to reach it: what every request needs, whatever the route. */
export interface EndpointConnection {
  /** Base URL of the API, e.g. http://127.0.0.1:8080/v1; a bare host (path "/") means its /v1. */
  readonly url: string;
  /** Sent as `Authorization: Bearer …`; absent: no Authorization header at all (local servers). */
  readonly apiKey?: string;
  /** Per request, each try (default 120 000 ms). */
  readonly timeoutMs?: number;
  /** Retries of a failed request (default 4). */
  readonly maxRetries?: number;
  /** A fetch to use instead of the global one (tests, proxies). */
  readonly fetch?: typeof fetch;
}

export interface EndpointOptions extends EndpointConnection {
  /** The model name the server expects in `model`. */
  readonly model: string;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
}

export const ENDPOINT_DEFAULTS = { timeoutMs: 120_000, concurrency: 4, maxRetries: 4 } as const;

/** The server refused a prompt longer than the model's context (HTTP 400, code context_length_exceeded or a message
 *  saying so, as OpenAI, vLLM and kotodama serve answer). */
export class ContextLengthError extends KotodamaError {
  override readonly name = "ContextLengthError";
}

/** A 400 that says the prompt is longer than the model's context (OpenAI's code, or the message vLLM and kotodama
 *  serve write). */
const isContextOverflow = (e: unknown): boolean => e instanceof OpenAI.APIError && e.status === 400 && (e.code === "context_length_exceeded" || /context length/i.test(e.message));

/** One /v1/completions request's fields (OpenAI's names); `prompt` may be a list (one choice each). */
export interface CompletionBody {
  readonly prompt: string | readonly string[];
  readonly max_tokens: number;
  readonly echo?: boolean;
  readonly logprobs?: number;
  readonly stop?: readonly string[];
  readonly temperature?: number;
  readonly seed?: number;
}

/** A choice of a text completion as OpenAI's legacy shape has it (logprobs when asked). */
export interface CompletionChoice {
  readonly index: number;
  readonly text: string;
  readonly finish_reason: string | null;
  readonly logprobs: { readonly tokens?: readonly string[]; readonly token_logprobs?: readonly (number | null)[]; readonly text_offset?: readonly number[] } | null;
}

/** The URL validated and normalised: http(s) only, no credentials or query, no trailing slash, "/" → "/v1". */
export function resolveEndpointUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KotodamaError(`endpoint: ${JSON.stringify(url)} is not a URL; expected e.g. http://127.0.0.1:8080/v1`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new KotodamaError(`endpoint: ${url} must be an http:// or https:// URL, got ${u.protocol}`);
  // A key in the URL would be printed in every log line and error; it belongs in an environment variable.
  if (u.username !== "" || u.password !== "") throw new KotodamaError(`endpoint: ${u.protocol}//${u.host}${u.pathname} carries credentials in the URL; pass the key through an environment variable (--api-key-env NAME)`);
  if (u.search !== "" || u.hash !== "") throw new KotodamaError(`endpoint: ${url} has a query or fragment; expected the API's base URL, e.g. http://127.0.0.1:8080/v1`);
  const path = u.pathname.replace(/\/+$/, "");
  return `${u.protocol}//${u.host}${path === "" ? "/v1" : path}`;
}

const intIn = (name: string, v: number, min: number, max: number): number => {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new KotodamaError(`endpoint: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
};

/** The innermost cause's code or message of a connection failure ("ECONNREFUSED", "getaddrinfo ENOTFOUND x"). */
function rootCause(e: unknown): string {
  let c: unknown = e, last = "";
  for (let depth = 0; c instanceof Error && depth < 8; depth++) {
    const code = (c as { code?: unknown }).code;
    last = typeof code === "string" ? `${code}${c.message.includes(code) ? "" : ` (${c.message})`}` : c.message;
    c = c.cause;
  }
  return last;
}

/** The client's error as a KotodamaError naming where and why; `hint404` follows a 404's message. */
function explain(e: unknown, where: string, model: string, timeoutMs: number, hint404 = `; is model '${model}' served there (GET …/models lists them), and does the URL end in the API's base, usually /v1?`): KotodamaError {
  if (e instanceof KotodamaError) return e;
  if (e instanceof OpenAI.APIConnectionTimeoutError) return new KotodamaError(`${where}: no answer within ${timeoutMs} ms (raise --timeout-ms, or lower --max-new-tokens or --concurrency)`);
  if (e instanceof OpenAI.APIConnectionError) return new KotodamaError(`${where}: cannot connect: ${rootCause(e)} (is the server running, and is the URL right?)`);
  if (e instanceof OpenAI.APIError) {
    const body = e.error as { message?: unknown } | string | undefined;
    const said = typeof body === "string" ? body : typeof body?.message === "string" ? body.message : e.message;
    const hint = e.status === 401 || e.status === 403 ? "; pass a key through an environment variable named by --api-key-env (default OPENAI_API_KEY)"
      : e.status === 404 ? hint404
      : e.status === 429 || (e.status !== undefined && e.status >= 500) ? " (after the retries; see --max-retries)" : "";
    return new KotodamaError(`${where}: HTTP ${e.status ?? "?"}: ${said}${hint}`);
  }
  return new KotodamaError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
}

/** The official client for one base URL. Everything explicit, so that no OPENAI_* environment variable (another
 *  key, an admin key, an organisation) reaches a server the user did not name. Without a key the Authorization
 *  header is omitted outright. */
function openaiClient(baseURL: string, key: string | null, timeoutMs: number, maxRetries: number, f: typeof fetch | undefined): OpenAI {
  return new OpenAI({
    baseURL, apiKey: key ?? "unused", adminAPIKey: null, organization: null, project: null,
    timeout: timeoutMs, maxRetries, ...(key === null ? { defaultHeaders: { Authorization: null } } : {}),
    ...(f !== undefined ? { fetch: f } : {}),
  });
}

/** POSTs a JSON body to `route` under the base URL (e.g. "/cefr" → …/v1/cefr) and returns the parsed JSON answer,
 *  with the retries, timeout, key handling and error messages of the OpenAI routes; `hint404` follows a 404's
 *  message (what to check when the route or its model is absent). */
export async function endpointPost(o: EndpointConnection, route: string, body: Readonly<Record<string, unknown>>, hint404: string, signal?: AbortSignal): Promise<unknown> {
  const url = resolveEndpointUrl(o.url);
  const timeoutMs = intIn("timeoutMs", o.timeoutMs ?? ENDPOINT_DEFAULTS.timeoutMs, 1, 86_400_000);
  const client = openaiClient(url, o.apiKey !== undefined && o.apiKey !== "" ? o.apiKey : null, timeoutMs, intIn("maxRetries", o.maxRetries ?? ENDPOINT_DEFAULTS.maxRetries, 0, 20), o.fetch);
  try {
    return await client.post<unknown>(route, { body, ...(signal === undefined ? {} : { signal }) });
  } catch (e) {
    throw explain(e, `${url}${route}`, "", timeoutMs, hint404);
  }
}

/** An OpenAI-compatible endpoint that answers conversations greedily. */
export class EndpointResponder implements ChatResponder {
  readonly name: string;
  readonly url: string;
  readonly model: string;
  readonly settings: Readonly<Record<string, unknown>>;
  private readonly client: OpenAI;
  private readonly concurrency: number;
  private readonly timeoutMs: number;

  constructor(o: EndpointOptions) {
    this.url = resolveEndpointUrl(o.url);
    if (o.model.trim() === "") throw new KotodamaError("endpoint: the model name (--api-model) is empty");
    this.model = o.model;
    this.concurrency = intIn("concurrency", o.concurrency ?? ENDPOINT_DEFAULTS.concurrency, 1, 256);
    this.timeoutMs = intIn("timeoutMs", o.timeoutMs ?? ENDPOINT_DEFAULTS.timeoutMs, 1, 86_400_000);
    const maxRetries = intIn("maxRetries", o.maxRetries ?? ENDPOINT_DEFAULTS.maxRetries, 0, 20);
    const key = o.apiKey !== undefined && o.apiKey !== "" ? o.apiKey : null;
    this.client = openaiClient(this.url, key, this.timeoutMs, maxRetries, o.fetch);
    this.name = `OpenAI-compatible endpoint ${this.url}, model ${this.model}`;
    this.settings = { endpoint: this.url, apiModel: this.model, concurrency: this.concurrency, timeoutMs: this.timeoutMs, maxRetries, authorization: key === null ? "none" : "bearer key (not recorded)" };
  }

  /** One greedy /chat/completions request with `fields` added to the body; its first choice and usage. A context
   *  overflow is a ContextLengthError when `overflowError` (the caller retries shorter), else explained like any
   *  other failure. */
  private async chatChoice(messages: readonly ChatTurn[], fields: Readonly<Record<string, unknown>>, signal: AbortSignal | undefined, overflowError: boolean): Promise<{ choice: OpenAI.Chat.Completions.ChatCompletion.Choice; completionTokens: number }> {
    const where = `${this.url}/chat/completions`;
    let r: OpenAI.Chat.Completions.ChatCompletion;
    try {
      const body = { model: this.model, messages: messages.map((m) => ({ role: m.role, content: m.content })), temperature: 0, ...fields } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
      r = await this.client.chat.completions.create(body, signal === undefined ? {} : { signal });
    } catch (e) {
      if (overflowError && isContextOverflow(e)) throw new ContextLengthError(`${where}: ${(e as Error).message}`);
      throw explain(e, where, this.model, this.timeoutMs);
    }
    const choice = r.choices?.[0];
    if (choice === undefined) throw new KotodamaError(`${where}: the response has no choices (not an OpenAI chat completion?)`);
    return { choice, completionTokens: r.usage?.completion_tokens ?? 0 };
  }

  /** One conversation's greedy answer. `extra` adds fields a server of its own understands (kotodama serve's
   *  `copy_from`); a server that does not may refuse or ignore them. */
  async answerOne(messages: readonly ChatTurn[], o: AnswerOptions, signal?: AbortSignal, extra: Readonly<Record<string, unknown>> = {}): Promise<ChatAnswer> {
    const { choice, completionTokens } = await this.chatChoice(messages, { max_tokens: o.maxTokens, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...extra }, signal, false);
    const text = typeof choice.message?.content === "string" ? choice.message.content : "";
    return { text: text.trim(), generatedTokens: completionTokens };
  }

  /** One conversation's greedy reply with the log-probability of each generated token and its `topLogprobs` most
   *  likely alternatives (chat completions' `logprobs: true, top_logprobs`), as the LM guard reads its verdict. A
   *  server that returns no logprobs gives steps = null. A context overflow is a ContextLengthError. */
  async chatLogprobs(messages: readonly ChatTurn[], o: { readonly maxTokens: number; readonly topLogprobs: number }, signal?: AbortSignal): Promise<{ text: string; steps: { token: string; logprob: number; alternatives: { token: string; logprob: number }[] }[] | null }> {
    const fields = { max_tokens: intIn("maxTokens", o.maxTokens, 1, 1 << 20), logprobs: true, top_logprobs: intIn("topLogprobs", o.topLogprobs, 1, 20) };
    const { choice } = await this.chatChoice(messages, fields, signal, true);
    const text = typeof choice.message?.content === "string" ? choice.message.content : "";
    const content = choice.logprobs?.content;
    if (!Array.isArray(content)) return { text, steps: null };
    const steps = content.map((t) => ({ token: String(t.token), logprob: Number(t.logprob), alternatives: (t.top_logprobs ?? []).map((a) => ({ token: String(a.token), logprob: Number(a.logprob) })) }));
    return { text, steps };
  }

  /** One /v1/completions request; its choices in prompt order. A context overflow is a ContextLengthError. */
  async complete(body: CompletionBody, signal?: AbortSignal): Promise<CompletionChoice[]> {
    const where = `${this.url}/completions`;
    let r: OpenAI.Completions.Completion;
    try {
      r = await this.client.completions.create(
        { model: this.model, prompt: typeof body.prompt === "string" ? body.prompt : [...body.prompt], max_tokens: body.max_tokens, temperature: body.temperature ?? 0,
          ...(body.echo !== undefined ? { echo: body.echo } : {}), ...(body.logprobs !== undefined ? { logprobs: body.logprobs } : {}),
          ...(body.stop !== undefined && body.stop.length > 0 ? { stop: [...body.stop] } : {}), ...(body.seed !== undefined ? { seed: body.seed } : {}) },
        signal === undefined ? {} : { signal },
      );
    } catch (e) {
      if (isContextOverflow(e)) throw new ContextLengthError(`${where}: ${(e as Error).message}`);
      throw explain(e, where, this.model, this.timeoutMs);
    }
    if (!Array.isArray(r.choices) || r.choices.length === 0) throw new KotodamaError(`${where}: the response has no choices (not an OpenAI text completion?)`);
    return [...r.choices].sort((a, b) => a.index - b.index).map((c): CompletionChoice => ({ index: c.index, text: c.text, finish_reason: c.finish_reason, logprobs: c.logprobs ?? null }));
  }

  /** log p(continuation | context) of each pair from one /v1/completions request (every pair's text as a prompt,
   *  echo: true, logprobs: 1, max_tokens: 0), as lm-evaluation-harness's local-completions does it: the sum of the
   *  logprobs of the tokens whose text_offset is at or after the context's end, and how many tokens that is. The
   *  server tokenizes each text whole, so a token that straddles the boundary belongs to the context. A prompt
   *  longer than the model's context is a ContextLengthError. */
  async echoLoglikelihoods(pairs: readonly { readonly context: string; readonly continuation: string }[], signal?: AbortSignal): Promise<{ logprob: number; tokens: number }[]> {
    if (pairs.length === 0) return [];
    const where = `${this.url}/completions`;
    const prompts = pairs.map((r) => r.context + r.continuation);
    const choices = await this.complete({ prompt: prompts, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 }, signal);
    if (choices.length !== prompts.length) throw new KotodamaError(`${where}: ${choices.length} choices for ${prompts.length} prompts`);
    return choices.map((c, k) => {
      const lp = c.logprobs;
      const offsets = lp?.text_offset, values = lp?.token_logprobs;
      if (offsets === undefined || values === undefined || offsets.length !== values.length) throw new KotodamaError(`${where}: the answer has no logprobs.text_offset / token_logprobs (does the server support echo with logprobs?)`);
      if (!c.text.startsWith(prompts[k]!)) throw new KotodamaError(`${where}: the echoed text does not begin with the prompt (the server normalized it?), so text_offset cannot locate the continuation`);
      const first = continuationStart(offsets, pairs[k]!.context.length, where);
      let logprob = 0;
      for (let i = first; i < values.length; i++) {
        if (offsets[i]! >= prompts[k]!.length) break; // generated tokens, if the server made any
        const v = values[i];
        if (typeof v !== "number") throw new KotodamaError(`${where}: token ${i} of the continuation has no logprob`);
        logprob += v;
      }
      return { logprob, tokens: values.length - first };
    });
  }

  /** Requests in flight at once (the concurrency option). */
  get inFlight(): number {
    return this.concurrency;
  }

  /** The answers in order, at most `concurrency` requests in flight; the first failure stops the rest. */
  async answer(conversations: readonly (readonly ChatTurn[])[], o: AnswerOptions): Promise<ChatAnswer[]> {
    intIn("maxTokens", o.maxTokens, 1, 1 << 20);
    const out = new Array<ChatAnswer>(conversations.length);
    const stop = new AbortController();
    let next = 0, done = 0;
    const worker = async (): Promise<void> => {
      while (next < conversations.length && !stop.signal.aborted) {
        const i = next++;
        // One signal per request, relayed from `stop` and unlinked when it ends: the client leaves its own abort
        // listener on the signal it is given, so a shared one would collect a listener per request.
        const one = new AbortController();
        const relay = (): void => one.abort();
        stop.signal.addEventListener("abort", relay, { once: true });
        try {
          out[i] = await this.answerOne(conversations[i]!, o, one.signal);
        } catch (e) {
          if (stop.signal.aborted) return; // another worker failed first and cancelled this request
          stop.abort();
          throw e;
        } finally {
          stop.signal.removeEventListener("abort", relay);
        }
        o.onProgress?.(++done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, conversations.length) }, worker));
    return out;
  }
}

/** Where the continuation of a text starts: the first token (not the first of all) whose character offset is at or
 *  after `contextChars`, or an error naming `where`. */
export function continuationStart(starts: readonly number[], contextChars: number, where: string): number {
  const i = starts.findIndex((s, k) => k > 0 && s >= contextChars);
  if (i < 0) throw new KotodamaError(`${where}: the continuation has no token of its own (is it empty?)`);
  return i;
}

export const openEndpoint = (o: EndpointOptions): EndpointResponder => new EndpointResponder(o);
