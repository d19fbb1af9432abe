// Errors of the OpenAI-compatible server in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` with
// the HTTP status that goes with it (400 bad request, 401 key, 404 model, 413 body, 429 queue full, 503 shutting
// down, 500 ours). Not here: where errors are raised (requests.ts, queue.ts, worker.ts) or sent (app.ts).
import { KotodamaError } from "../../util/errors.js";
import { HttpError } from "../http.js";

export type ApiStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 429 | 500 | 503;

/** The plain-data form that crosses the worker boundary and goes into the response body. */
export interface ApiErrorData {
  readonly status: ApiStatus;
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

/** OpenAI's error `type` for a status (its API uses these four families). */
export function errorType(status: number): string {
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export class ApiError extends KotodamaError {
  constructor(
    readonly status: ApiStatus,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type: string = errorType(status),
  ) {
    super(message);
  }

  toData(): ApiErrorData {
    return { status: this.status, message: this.message, type: this.type, param: this.param, code: this.code };
  }

  static fromData(d: ApiErrorData): ApiError {
    return new ApiError(d.status, d.message, d.param, d.code, d.type);
  }
}

/** A 400 naming the request field. */
export const badField = (param: string, message: string, code: string | null = null): ApiError => new ApiError(400, `${param}: ${message}`, param, code);

/** The response body of an error. */
export function errorBody(e: ApiErrorData | { status: number; message: string }): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const d = e as Partial<ApiErrorData> & { status: number; message: string };
  return { error: { message: d.message, type: d.type ?? errorType(d.status), param: d.param ?? null, code: d.code ?? null } };
}

/** Any thrown value as an ApiError: ours as they are, HttpError and KotodamaError (the caller's input) as 4xx, and
 *  anything else as a 500 whose message says nothing of the internals (the stack goes to the server's terminal). */
export function toApiError(e: unknown, log: (text: string) => void = (t) => process.stderr.write(t)): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof HttpError) return new ApiError(e.status, e.message);
  if (e instanceof KotodamaError) return new ApiError(400, e.message);
  log(`server error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return new ApiError(500, "internal error (see the server's terminal)");
}
