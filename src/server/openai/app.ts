// The routes of the OpenAI-compatible server on kotodama's HTTP shell (http.ts: loopback, Host check, body limit,
// secure headers): /v1/models, /v1/completions, /v1/chat/completions (SSE streaming), /v1/embeddings, /v1/cefr
// (ours: CEFR levels with serve --cefr), /health and /metrics, behind optional CORS and API keys, every error in OpenAI's shape, generations behind
// the guard when one is given (guarded-generation.ts). Handlers validate (requests.ts), queue
// the job (queue.ts) and shape the answer (responses.ts). Not here: inference (worker.ts), listening and shutdown
// (server.ts).
import type { Context, Hono } from "hono";
import { cors } from "hono/cors";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { createApp, jsonBody, type ListenOptions } from "../http.js";
import type { ApiKeys } from "./auth.js";
import { parseCefrRequest } from "./cefr-request.js";
import { ApiError, errorBody, toApiError } from "./errors.js";
import { explorerRoutes, isExplorerAsset, type ExplorerOptions } from "./explorer-app.js";
import type { Metrics } from "./metrics.js";
import type { GenerationResult, JobBody, ModelSpec, TokenEvent } from "./protocol.js";
import { QueueFullError, type JobQueue } from "./queue.js";
import { parseChatRequest, parseCompletionRequest, parseEmbeddingRequest, type Parsed } from "./requests.js";
import { guardedGeneration, type GuardNote } from "./guarded-generation.js";
import type { AnyGuard } from "../../safety/index.js";
import { chatChunk, chatResponse, completionChunk, completionResponse, embeddingResponse, newId, nowSeconds, usageChunk, type ResponseMeta } from "./responses.js";

export interface OpenAIAppOptions extends ListenOptions {
  readonly models: readonly ModelSpec[];
  readonly queue: JobQueue;
  readonly metrics: Metrics;
  /** null: no key needed. */
  readonly keys: ApiKeys | null;
  /** Origins allowed by CORS; empty: CORS off (no Access-Control-* headers at all). */
  readonly cors: readonly string[];
  /** True while shutting down (health answers 503). */
  readonly closing: () => boolean;
  /** The name of the CEFR classifier behind POST /v1/cefr (serve --cefr); absent or null: the route answers 404. */
  readonly cefr?: string | null;
  /** The explorer at / and /api/explorer (explorer-app.ts); absent: not served. */
  readonly explorer?: ExplorerOptions;
  /** The guard around /v1/chat/completions and /v1/completions (guarded-generation.ts); absent or null: none. */
  readonly guard?: AnyGuard | null;
}

const ENDPOINTS = ["/v1/models", "/v1/completions", "/v1/chat/completions", "/v1/embeddings", "/v1/cefr", "/health", "/metrics"];
/** The metrics label of a path (fixed set: a client cannot grow the label space). */
const endpointOf = (path: string): string => ENDPOINTS.find((e) => path === e || path.startsWith(`${e}/`)) ?? "other";

function errorResponse(c: Context, e: unknown): Response {
  const a = toApiError(e);
  if (a instanceof QueueFullError) c.header("Retry-After", String(a.retryAfter));
  if (a.status === 401) c.header("WWW-Authenticate", 'Bearer realm="kotodama"');
  return c.json(errorBody(a), a.status);
}

export function openaiApp(o: OpenAIAppOptions): Hono {
  const app = createApp({ ...o, errorBody: (status, message) => errorBody({ status, message }) });
  const names = new Set(o.models.map((m) => m.name));
  const created = nowSeconds();
  app.onError((e, c) => errorResponse(c, e));
  app.notFound((c) => c.json(errorBody({ status: 404, message: `no such path: ${c.req.method} ${c.req.path}` }), 404));

  // Latency and status of every answer; a stream records itself when it ends (its headers go out first).
  app.use(async (c, next) => {
    const t0 = performance.now();
    await next();
    if (c.res.headers.get("content-type")?.startsWith("text/event-stream") !== true) o.metrics.request(endpointOf(c.req.path), c.res.status, (performance.now() - t0) / 1000);
  });
  if (o.cors.length > 0) app.use(cors({ origin: [...o.cors], allowMethods: ["GET", "POST", "OPTIONS"], allowHeaders: ["Authorization", "Content-Type"], maxAge: 600 }));
  if (o.keys !== null) {
    const keys = o.keys;
    app.use(async (c, next) => {
      if (c.req.path !== "/health" && !isExplorerAsset(c.req.method, c.req.path) && !keys.check(c.req.header("authorization"))) {
        throw new ApiError(401, c.req.header("authorization") === undefined ? "Missing API key: send Authorization: Bearer KEY" : "Incorrect API key", null, "invalid_api_key");
      }
      await next();
    });
  }

  const modelOf = (name: string): string => {
    if (!names.has(name)) throw new ApiError(404, `The model '${name}' does not exist (GET /v1/models lists the models of this server)`, "model", "model_not_found");
    return name;
  };
  const modelJson = (name: string): Record<string, unknown> => ({ id: name, object: "model", created, owned_by: "kotodama" });

  app.get("/health", (c) => c.json({ status: o.closing() ? "shutting down" : "ok", models: [...names], queue_depth: o.queue.depth }, o.closing() ? 503 : 200));
  app.get("/metrics", (c) => c.text(o.metrics.render({ queueDepth: o.queue.depth, running: o.queue.busy }), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.get("/v1/models", (c) => c.json({ object: "list", data: [...names].map(modelJson) }));
  app.get("/v1/models/:name", (c) => c.json(modelJson(modelOf(c.req.param("name")))));

  app.post("/v1/embeddings", async (c) => {
    const r = parseEmbeddingRequest(await jsonBody(c));
    const res = await o.queue.submit(modelOf(r.model), r.job, { signal: c.req.raw.signal });
    if (res.kind !== "embed") throw new Error("embeddings: the worker answered another kind of job");
    return c.json(embeddingResponse(r.model, res, r.base64));
  });

  // The same JSON per input as `kotodama cefr --json` prints per text (cefr-job.ts), in a list in input order.
  app.post("/v1/cefr", async (c) => {
    const served = o.cefr ?? null;
    if (served === null) throw new ApiError(404, "this server has no CEFR model (start it with kotodama serve --cefr DIR, a folder from `kotodama cefr train --out DIR`)", null, "cefr_not_served");
    const r = parseCefrRequest(await jsonBody(c), served);
    if (r.model !== served) throw new ApiError(404, `The CEFR model '${r.model}' does not exist (this server's is '${served}')`, "model", "model_not_found");
    const res = await o.queue.submit(served, r.job, { signal: c.req.raw.signal });
    if (res.kind !== "cefr") throw new Error("cefr: the worker answered another kind of job");
    return c.json({ object: "list", model: served, data: res.texts, usage: { prompt_tokens: res.promptTokens, total_tokens: res.promptTokens } });
  });

  const generation = (kind: "complete" | "chat") => async (c: Context): Promise<Response> => {
    const body = await jsonBody(c);
    const r: Parsed<JobBody> = kind === "chat" ? parseChatRequest(body) : parseCompletionRequest(body);
    const model = modelOf(r.model);
    const meta: ResponseMeta = { id: newId(kind === "chat" ? "chatcmpl" : "cmpl"), created: nowSeconds(), model };
    const withLogprobs = r.job.kind === "chat" ? r.job.logprobs : r.job.kind === "complete" && r.job.logprobs !== null;
    const guard = o.guard ?? null;
    if (guard !== null && (r.job.kind === "chat" || r.job.kind === "complete")) {
      const t0 = performance.now();
      const { result, notes } = await guardedGeneration(guard, r.job, async (job) => (await o.queue.submit(model, job, { signal: c.req.raw.signal })) as GenerationResult);
      if (!r.stream) return c.json({ ...(kind === "chat" ? chatResponse(meta, result, withLogprobs) : completionResponse(meta, result, withLogprobs)), kotodama_guard: notes });
      return streamSSE(c, async (s: SSEStreamingApi) => {
        for (const sse of wholeStream(kind, meta, result, withLogprobs, r.includeUsage, notes)) await s.writeSSE({ data: sse });
        o.metrics.request(kind === "chat" ? "/v1/chat/completions" : "/v1/completions", 200, (performance.now() - t0) / 1000);
      });
    }
    if (!r.stream) {
      const res = (await o.queue.submit(model, r.job, { signal: c.req.raw.signal })) as GenerationResult;
      return c.json(kind === "chat" ? chatResponse(meta, res, withLogprobs) : completionResponse(meta, res, withLogprobs));
    }
    return streamGeneration(c, o, kind, model, meta, r, withLogprobs);
  };
  app.post("/v1/completions", generation("complete"));
  app.post("/v1/chat/completions", generation("chat"));
  if (o.explorer !== undefined) explorerRoutes(app, o.explorer, { queue: o.queue, models: o.models, modelOf, cefr: o.cefr ?? null });
  return app;
}

/** The SSE data lines of a finished (guarded) generation: per choice its whole text in one chunk (the role first for
 *  chat), then its finish chunk; the usage when asked; [DONE]. The guard's notes ride on the first chunk. */
function wholeStream(kind: "complete" | "chat", meta: ResponseMeta, r: GenerationResult, withLogprobs: boolean, includeUsage: boolean, notes: readonly GuardNote[]): string[] {
  const out: Record<string, unknown>[] = [];
  for (const ch of r.choices) {
    const lp = withLogprobs ? ch.tokens : null;
    out.push(kind === "chat" ? chatChunk(meta, ch.index, { role: "assistant", content: ch.text }, lp, null) : completionChunk(meta, ch.index, ch.text, lp, null));
    out.push(kind === "chat" ? chatChunk(meta, ch.index, {}, null, ch.finishReason) : completionChunk(meta, ch.index, "", null, ch.finishReason));
  }
  if (out.length > 0) out[0] = { ...out[0], kotodama_guard: notes };
  if (includeUsage) out.push(usageChunk(meta, kind === "chat" ? "chat.completion.chunk" : "text_completion", r));
  return [...out.map((x) => JSON.stringify(x)), "[DONE]"];
}

/** A streamed generation. The job is queued first and the SSE response starts only with its first token, so that
 *  a request refused before generating (unknown model, prompt too long, queue full) gets its HTTP status and error
 *  body; after that each token is a `data:` chunk, then one chunk per choice with its finish reason, the usage
 *  when asked, and `data: [DONE]`. */
async function streamGeneration(c: Context, o: OpenAIAppOptions, kind: "complete" | "chat", model: string, meta: ResponseMeta, r: Parsed<JobBody>, withLogprobs: boolean): Promise<Response> {
  const t0 = performance.now();
  const abort = new AbortController();
  c.req.raw.signal.addEventListener("abort", () => abort.abort());
  const buffered: TokenEvent[] = [];
  let live: ((ev: TokenEvent) => void) | null = null;
  let firstToken!: () => void;
  const started = new Promise<void>((resolve) => (firstToken = resolve));
  const done = o.queue.submit(model, r.job, {
    signal: abort.signal,
    onToken: (ev) => {
      if (live !== null) return live(ev);
      buffered.push(ev);
      firstToken();
    },
  });
  // Errors before the first token are HTTP errors; a job that ends without any token streams its finish chunks.
  await Promise.race([started, done]);
  const roles = new Set<number>();
  const chunk = (index: number, text: string, info: TokenEvent["info"], finish: string | null): Record<string, unknown> => {
    const lp = withLogprobs ? (info === null ? [] : [info]) : null;
    if (kind === "complete") return completionChunk(meta, index, text, lp, finish);
    const delta: Record<string, unknown> = finish === null ? { content: text } : {};
    if (!roles.has(index)) {
      roles.add(index);
      delta.role = "assistant";
    }
    return chatChunk(meta, index, delta, lp, finish);
  };
  return streamSSE(c, async (s: SSEStreamingApi) => {
    s.onAbort(() => abort.abort());
    let chain = Promise.resolve();
    const send = (data: unknown): void => void (chain = chain.then(() => (s.aborted ? undefined : s.writeSSE({ data: typeof data === "string" ? data : JSON.stringify(data) }))));
    const onToken = (ev: TokenEvent): void => {
      if (ev.text !== "" || ev.info !== null) send(chunk(ev.index, ev.text, ev.info, null));
    };
    buffered.splice(0).forEach(onToken);
    live = onToken;
    let status = 200;
    try {
      const res = (await done) as GenerationResult;
      for (const ch of res.choices) send(chunk(ch.index, "", null, ch.finishReason));
      if (r.includeUsage) send(usageChunk(meta, kind === "chat" ? "chat.completion.chunk" : "text_completion", res));
    } catch (e) {
      const a = toApiError(e);
      status = a.status;
      send(errorBody(a));
    }
    send("[DONE]");
    await chain;
    o.metrics.request(kind === "chat" ? "/v1/chat/completions" : "/v1/completions", abort.signal.aborted ? 499 : status, (performance.now() - t0) / 1000);
  });
}
