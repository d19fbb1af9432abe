// Proxies for `kotodama pull`: Node 20's built-in fetch ignores HTTP_PROXY / HTTPS_PROXY, so when either is set
// (upper or lower case) downloads go through undici's EnvHttpProxyAgent, which also honours NO_PROXY (hosts,
// domains with a leading dot, ports, `*`). The agent reads the environment passed in, not process.env, so tests
// and callers decide. undici's own fetch is used with its own agent: mixing an npm undici agent with Node's bundled
// fetch is not supported across versions. Not here: the downloads (download.ts, hub.ts), mirrors (HF_ENDPOINT,
// hub.ts).
import { EnvHttpProxyAgent, fetch as undiciFetch } from "undici";

const pick = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name] ?? env[name.toLowerCase()];
  return v !== undefined && v !== "" ? v : undefined;
};

/** A proxy URL without its credentials, for log lines. */
export function redactProxy(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username !== "" ? "***@" : ""}${u.host}`;
  } catch {
    return "(unparsable proxy URL)";
  }
}

export interface EnvFetch {
  readonly fetch: typeof fetch;
  /** The proxies in use, redacted, or null when none is set (the global fetch, direct connections). */
  readonly via: string | null;
}

/** The fetch that pull uses under `env`: through the proxy that HTTP(S)_PROXY name, else the global fetch. */
export function envFetch(env: NodeJS.ProcessEnv): EnvFetch {
  const httpProxy = pick(env, "HTTP_PROXY");
  const httpsProxy = pick(env, "HTTPS_PROXY");
  if (httpProxy === undefined && httpsProxy === undefined) return { fetch: globalThis.fetch, via: null };
  const noProxy = pick(env, "NO_PROXY");
  const agent = new EnvHttpProxyAgent({ ...(httpProxy !== undefined ? { httpProxy } : {}), ...(httpsProxy !== undefined ? { httpsProxy } : {}), ...(noProxy !== undefined ? { noProxy } : {}) });
  const f = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent })) as unknown as typeof fetch;
  const via = [httpProxy !== undefined ? `http: ${redactProxy(httpProxy)}` : null, httpsProxy !== undefined ? `https: ${redactProxy(httpsProxy)}` : null].filter((x) => x !== null).join(", ");
  return { fetch: f, via: `${via}${noProxy !== undefined ? ` (NO_PROXY ${noProxy})` : ""}` };
}
