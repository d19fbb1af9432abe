// Starting and stopping the OpenAI-compatible server: the inference worker and its queue, the app, the listening
// socket, and a graceful stop (SIGTERM in the CLI): new requests get 503, the running generation may finish for a
// grace period and is then cancelled (its stream ends with finish_reason "cancelled" and [DONE]), then the socket
// and the worker close. Not here: flag parsing (cli/commands/serve.ts), routes (app.ts).
import { DEFAULT_HOST, listen, webBundleDir, type Listening } from "../http.js";
import { openaiApp } from "./app.js";
import type { ExplorerOptions } from "./explorer-app.js";
import type { AnyGuard } from "../../safety/index.js";
import type { ApiKeys } from "./auth.js";
import { Metrics } from "./metrics.js";
import type { ModelSpec } from "./protocol.js";
import { InferenceQueue } from "./queue.js";

export interface ServeOptions {
  readonly models: readonly ModelSpec[];
  readonly host?: string;
  /** 0: a free port. */
  readonly port?: number;
  readonly keys?: ApiKeys | null;
  readonly cors?: readonly string[];
  readonly maxBodyBytes?: number;
  /** Cap on max_tokens of any request. */
  readonly maxTokens?: number;
  /** Jobs waiting at most while the worker is full (more: 429). */
  readonly queue?: number;
  /** Sequences decoded together at most (continuous batching); 1: one generation at a time. */
  readonly maxBatch?: number;
  /** Models loaded at once, and bytes of their weights (null: no byte cap); least recently used are unloaded. */
  readonly maxModels?: number;
  readonly maxModelBytes?: number | null;
  /** Kernel threads (null: all cores). */
  readonly threads?: number | null;
  /** Milliseconds a running generation may go on after stop() before it is cancelled. */
  readonly graceMs?: number;
  /** The CEFR classifier behind POST /v1/cefr (serve --cefr NAME=DIR; a `kotodama cefr train` folder), loaded on
   *  first use; absent or null: the route answers 404. */
  readonly cefr?: ModelSpec | null;
  /** The explorer page and its API (default: served, with the bundle of dist/web when built). null: not served. */
  readonly explorer?: ExplorerOptions | null;
  /** The guard around the chat and text completions (serve --guard); absent or null: none. */
  readonly guard?: AnyGuard | null;
  /** Test hook: the worker sleeps this long after each token (default 0). */
  readonly tokenDelayMs?: number;
}

export const SERVE_DEFAULTS = { port: 8080, maxBodyBytes: 1024 * 1024, maxTokens: 2048, queue: 16, maxBatch: 16, maxModels: 2, graceMs: 10_000 } as const;

export interface RunningServer extends Listening {
  readonly metrics: Metrics;
  /** Graceful stop; resolves when the socket and the worker are closed. */
  stop(): Promise<void>;
}

/** dist/web when the explorer page is built, else null. */
export function builtBundle(): string | null {
  try {
    return webBundleDir("explorer");
  } catch {
    return null;
  }
}

export async function startOpenAIServer(o: ServeOptions): Promise<RunningServer> {
  const metrics = new Metrics();
  const queue = new InferenceQueue({
    metrics, maxQueue: o.queue ?? SERVE_DEFAULTS.queue,
    init: {
      models: o.models, threads: o.threads ?? null, maxModels: o.maxModels ?? SERVE_DEFAULTS.maxModels, maxModelBytes: o.maxModelBytes ?? null,
      maxTokens: o.maxTokens ?? SERVE_DEFAULTS.maxTokens, maxBatch: o.maxBatch ?? SERVE_DEFAULTS.maxBatch, tokenDelayMs: o.tokenDelayMs ?? 0, rag: o.explorer?.rag ?? null, cefr: o.cefr ?? null,
    },
  });
  await queue.whenReady();
  let closing = false;
  const host = o.host ?? DEFAULT_HOST;
  const listenOpts = { host, port: o.port ?? 0, maxBodyBytes: o.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes };
  const explorer = o.explorer === undefined ? { bundle: builtBundle(), runs: [], guard: null, rag: null } : o.explorer;
  const app = openaiApp({ ...listenOpts, models: o.models, queue, metrics, keys: o.keys ?? null, cors: o.cors ?? [], cefr: o.cefr?.name ?? null, guard: o.guard ?? null, closing: () => closing, ...(explorer === null ? {} : { explorer }) });
  let server: Listening;
  try {
    server = await listen(app, listenOpts);
  } catch (e) {
    await queue.close(0);
    throw e;
  }
  let stopping: Promise<void> | null = null;
  return {
    ...server, metrics,
    stop: () => (stopping ??= (async () => {
      closing = true;
      await queue.close(o.graceMs ?? SERVE_DEFAULTS.graceMs);
      // Let the last chunks of cancelled streams go out before the sockets close.
      await new Promise((r) => setTimeout(r, 50));
      await server.close();
    })()),
  };
}
