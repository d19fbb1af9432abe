// The flags that point a command at an OpenAI-compatible endpoint instead of a local model — --endpoint URL
// --api-model NAME --api-key-env NAME --concurrency N --timeout-ms N --max-retries N — and their one parser, shared
// by `eval safety`, `rag ask` and `eval rag` (and, without --api-model and --concurrency, `cefr`). The key is read from an environment variable, never a flag.
// Not here: the HTTP client (src/infer/endpoint.ts), what a command does with it.
import { intFlag } from "./command.js";
import { ENDPOINT_DEFAULTS, openEndpoint, type EndpointConnection, type EndpointResponder } from "../infer/endpoint.js";
import { KotodamaError } from "../util/errors.js";

export const ENDPOINT_FLAGS = {
  endpoint: { type: "string" },
  "api-model": { type: "string" },
  "api-key-env": { type: "string" },
  concurrency: { type: "string" },
  "timeout-ms": { type: "string" },
  "max-retries": { type: "string" },
} as const;

/** Help lines for ENDPOINT_FLAGS (each command adds its own --model line). */
export const ENDPOINT_HELP: readonly string[] = [
  "  --endpoint URL      an OpenAI-compatible API base URL instead of --model, e.g. http://127.0.0.1:8080/v1 (a bare",
  "                      host means its /v1): llama.cpp's llama-server, vLLM, Ollama, `kotodama serve`; with",
  "  --api-model NAME    the model name the server expects (GET URL/models lists them)",
  "  --api-key-env NAME  environment variable holding the API key (default OPENAI_API_KEY; unset: no key sent).",
  "                      Keys are never taken on the command line",
  `  --concurrency N     endpoint requests in flight (default ${ENDPOINT_DEFAULTS.concurrency})`,
  `  --timeout-ms N      per endpoint request (default ${ENDPOINT_DEFAULTS.timeoutMs})`,
  `  --max-retries N     retries on 408/409/429/5xx and dropped connections, with backoff and Retry-After (default ${ENDPOINT_DEFAULTS.maxRetries})`,
];

export interface OpenedEndpoint {
  readonly responder: EndpointResponder;
  /** Where the key came from, for the log line ("key from $X" or "no key"); never the key. */
  readonly auth: string;
}

const ENDPOINT_ONLY = ["api-model", "api-key-env", "concurrency", "timeout-ms", "max-retries"] as const;

/** The connection the flags name (URL, key from --api-key-env, --timeout-ms, --max-retries), or null without
 *  --endpoint (then the endpoint-only flags are refused, and --model is the caller's business). With --endpoint,
 *  --model is refused. */
export function connectionFromFlags(cmd: string, values: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env): { connection: EndpointConnection; auth: string } | null {
  if (typeof values.endpoint !== "string") {
    const stray = ENDPOINT_ONLY.find((f) => values[f] !== undefined);
    if (stray !== undefined) throw new KotodamaError(`kotodama ${cmd}: --${stray} needs --endpoint URL`);
    return null;
  }
  if (values.model !== undefined) throw new KotodamaError(`kotodama ${cmd}: give --model or --endpoint, not both`);
  const keyEnv = values["api-key-env"] ?? "OPENAI_API_KEY";
  // The value is never echoed: someone may have passed the key itself.
  if (typeof keyEnv !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(keyEnv)) throw new KotodamaError(`kotodama ${cmd}: --api-key-env expects the NAME of an environment variable (letters, digits, _), not a key; the value given is not shown`);
  const apiKey = env[keyEnv];
  const hasKey = apiKey !== undefined && apiKey !== "";
  if (values["api-key-env"] !== undefined && !hasKey) throw new KotodamaError(`kotodama ${cmd}: --api-key-env ${keyEnv}: the environment variable ${keyEnv} is unset or empty`);
  return {
    connection: {
      url: values.endpoint, ...(hasKey ? { apiKey } : {}),
      timeoutMs: intFlag(cmd, "timeout-ms", values["timeout-ms"], ENDPOINT_DEFAULTS.timeoutMs, 1, 86_400_000),
      maxRetries: intFlag(cmd, "max-retries", values["max-retries"], ENDPOINT_DEFAULTS.maxRetries, 0, 20),
    },
    auth: hasKey ? `key from $${keyEnv}` : "no key",
  };
}

/** The endpoint the flags name, or null without --endpoint (then the endpoint-only flags are refused, and
 *  --model is the caller's business). With --endpoint, --model is refused and --api-model required. */
export function endpointFromFlags(cmd: string, values: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env): OpenedEndpoint | null {
  if (typeof values.endpoint === "string" && values.model === undefined && typeof values["api-model"] !== "string") {
    throw new KotodamaError(`kotodama ${cmd}: --endpoint needs --api-model NAME (the model name the server expects; GET URL/models lists them)`);
  }
  const c = connectionFromFlags(cmd, values, env);
  if (c === null) return null;
  const responder = openEndpoint({
    ...c.connection, model: values["api-model"] as string,
    concurrency: intFlag(cmd, "concurrency", values.concurrency, ENDPOINT_DEFAULTS.concurrency, 1, 256),
  });
  return { responder, auth: c.auth };
}
