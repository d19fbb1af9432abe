// The HTTP shell every kotodama server shares (hono on node:http): loopback-only by default, a random port on
// request, a request size limit, JSON errors without stack traces, a Host check against DNS rebinding, JSON-only
// writes (a cross-site form cannot post), a strict Content-Security-Policy, and the built web bundle.
// Not here: any route of a feature (label.ts), the web page itself (src/web/).
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { KotodamaError } from "../util/errors.js";
import { packageRoot } from "../util/paths.js";

export interface ListenOptions {
  /** Address to bind (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Port (default 0: a free port the system picks). */
  readonly port?: number;
  /** Largest request body in bytes (default 64 KiB). */
  readonly maxBodyBytes?: number;
}

/** What an error response body looks like (default `{error: message}`; the OpenAI-compatible server answers
 *  `{error: {message, type, param, code}}`). */
export type ErrorBody = (status: number, message: string) => Record<string, unknown>;

export interface AppOptions extends ListenOptions {
  readonly errorBody?: ErrorBody;
}

const plainErrorBody: ErrorBody = (_status, message) => ({ error: message });

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host);

/** A status for an error: KotodamaError is the caller's fault (400 unless it names its own status). */
export class HttpError extends KotodamaError {
  constructor(readonly status: 400 | 404 | 409 | 413 | 415, message: string) {
    super(message);
  }
}

/** A hono app with kotodama's safety defaults; add routes to it, then `listen`. */
export function createApp(o: AppOptions = {}): Hono {
  const app = new Hono();
  const host = o.host ?? DEFAULT_HOST;
  const body = o.errorBody ?? plainErrorBody;
  app.use(secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"] } }));
  if (isLoopback(host)) {
    // A page on another site can make the browser resolve its own name to 127.0.0.1 (DNS rebinding); the Host
    // header still carries that name, so only loopback names are served.
    app.use(async (c, next) => {
      const name = (c.req.header("host") ?? "").replace(/:\d+$/, "");
      if (!isLoopback(name)) return c.json(body(421, `Host ${JSON.stringify(name)} is not served (this server answers on loopback only)`), 421);
      await next();
    });
  }
  app.use(bodyLimit({ maxSize: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, onError: (c) => c.json(body(413, `request body over ${o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`), 413) }));
  app.onError((e, c) => {
    if (e instanceof HttpError) return c.json(body(e.status, e.message), e.status);
    if (e instanceof KotodamaError) return c.json(body(400, e.message), 400);
    process.stderr.write(`server error on ${c.req.method} ${c.req.path}: ${e.stack ?? e.message}\n`);
    return c.json(body(500, "internal error (see the server's terminal)"), 500);
  });
  app.notFound((c) => c.json(body(404, `no such path: ${c.req.path}`), 404));
  return app;
}

/** The JSON body of a write request: only `application/json` (which a cross-site form cannot send without a
 *  CORS preflight this server never answers), and only a JSON object. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  if (!(c.req.header("content-type") ?? "").startsWith("application/json")) throw new HttpError(415, "expected Content-Type: application/json");
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON (${(e as Error).message})`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "expected a JSON object");
  return body as Record<string, unknown>;
}

/** The built web bundle (`npm run build` writes it to dist/web), checked to hold the page `page`/index.html. */
export function webBundleDir(page: string): string {
  const dir = join(packageRoot(), "dist", "web");
  const index = join(dir, page, "index.html");
  if (!existsSync(index)) throw new KotodamaError(`the web page is not built (${index} is missing); run 'npm run build'`);
  return dir;
}

/** Serves files of the web bundle (no path outside it: '..', encoded '..' and backslashes are refused). */
export const serveBundle = (dir: string): MiddlewareHandler => serveStatic({ root: dir });

export interface Listening {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts listening; resolves once the port is bound. */
export function listen(app: Hono, o: ListenOptions = {}): Promise<Listening> {
  const host = o.host ?? DEFAULT_HOST;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0 }, (info: AddressInfo) => {
      const h = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${h}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          if ("closeAllConnections" in server) server.closeAllConnections();
        }),
      });
    });
    server.once("error", (e: NodeJS.ErrnoException) => reject(new KotodamaError(`cannot listen on ${host}:${o.port ?? 0} (${e.code ?? e.message})`)));
  });
}
