// A deterministic OpenAI-compatible chat server for tests (hono on 127.0.0.1, port 0): canned answers, a route
// that rate-limits once, one that wants a key, a slow one, and a log of every request. Not here: anything a real
// server does (models, sampling, streaming); the real one is `kotodama serve` (src/server).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";

/** The canned answer to a user message: a refusal when it mentions a bomb, else a compliant answer quoting it. */
export const cannedAnswer = (prompt: string): string => (/bomb/i.test(prompt) ? "I'm sorry, but I cannot help with that request." : `Sure. Here is an answer to: ${prompt}`);

export interface MockRequest {
  readonly path: string;
  readonly authorization: string | null;
  readonly body: { model?: string; messages?: { role: string; content: string }[]; temperature?: number; max_tokens?: number; seed?: number };
  /** ms since the server started. */
  readonly at: number;
}

export interface MockOpenAI {
  /** Base URL of the open API, e.g. http://127.0.0.1:PORT/v1. */
  readonly url: string;
  /** Base URL of the API that wants `Authorization: Bearer ${key}`. */
  readonly lockedUrl: string;
  readonly key: string;
  readonly requests: MockRequest[];
  /** Most chat requests in flight at once. */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Models: "canned" (answers 20 ms after the request), "flaky" (the first request of each prompt gets 429 with
 *  Retry-After: 1, the next succeeds), "sleepy" (answers after 3 s); any other model gets 404. Under /locked, the
 *  wrong or no key gets 401. */
export function startMockOpenAI(key = "test-key-123"): Promise<MockOpenAI> {
  const t0 = Date.now();
  const requests: MockRequest[] = [];
  const limited = new Set<string>();
  let inFlight = 0, maxInFlight = 0;
  const app = new Hono();
  const chat = async (c: import("hono").Context, locked: boolean): Promise<Response> => {
    const body = (await c.req.json()) as MockRequest["body"];
    const authorization = c.req.header("authorization") ?? null;
    requests.push({ path: c.req.path, authorization, body, at: Date.now() - t0 });
    if (locked && authorization !== `Bearer ${key}`) return c.json({ error: { message: "Incorrect API key provided", type: "invalid_request_error" } }, 401);
    const prompt = body.messages?.at(-1)?.content ?? "";
    if (body.model === "flaky" && !limited.has(prompt)) {
      limited.add(prompt);
      return c.json({ error: { message: "Rate limit reached", type: "rate_limit" } }, 429, { "Retry-After": "1" });
    }
    if (body.model !== "canned" && body.model !== "flaky" && body.model !== "sleepy") return c.json({ error: { message: `model '${body.model}' not found`, type: "not_found" } }, 404);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await sleep(body.model === "sleepy" ? 3000 : 20);
    } finally {
      inFlight--;
    }
    const text = cannedAnswer(prompt);
    return c.json({
      id: `chatcmpl-${requests.length}`, object: "chat.completion", created: 0, model: body.model,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: ` ${text} ` } }],
      usage: { prompt_tokens: 1, completion_tokens: text.split(" ").length, total_tokens: 1 + text.split(" ").length },
    });
  };
  app.post("/v1/chat/completions", (c) => chat(c, false));
  app.post("/locked/v1/chat/completions", (c) => chat(c, true));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      const base = `http://127.0.0.1:${info.port}`;
      resolve({
        url: `${base}/v1`, lockedUrl: `${base}/locked/v1`, key, requests, maxInFlight: () => maxInFlight,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          if ("closeAllConnections" in server) server.closeAllConnections();
        }),
      });
    });
  });
}
