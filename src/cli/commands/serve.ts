// `kotodama serve`: the OpenAI-compatible HTTP server (/v1/models, /v1/completions, /v1/chat/completions,
// /v1/embeddings, /health, /metrics; /v1/cefr with --cefr) over one or more models, safe by default, and the explorer at / (--runs adds
// runs to its dashboard, --label-out the labelling page). Prints `listening on URL` when ready; SIGTERM or Ctrl-C stops it gracefully. Not here: the server (src/server/openai), inference (src/infer).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { DEFAULT_HOST, isLoopback } from "../../server/http.js";
import { ApiKeys, builtBundle, readKeyFile, resolveCefrSpec, resolveModelSpecs, SERVE_DEFAULTS, startOpenAIServer, type ExplorerOptions, type RunningServer } from "../../server/openai/index.js";
import { KotodamaError } from "../../util/errors.js";
import { MAX_DECODE_BATCH } from "../../infer/index.js";
import type { LabelSession } from "../../train/preference/index.js";
import { openLabelSession } from "./label.js";
import { openGuard, takeGuardFlag } from "./safety.js";
import { closeGuard, guardName, guardReady } from "../../safety/guard-check.js";

const HELP = [
  "Usage: kotodama serve --model M [--model NAME=PATH ...] [--host 127.0.0.1] [--port 8080]",
  "                      [--api-key K | --api-key-file F] [--allow-dir DIR ...] [--cors ORIGIN ...]",
  "                      [--max-body BYTES] [--max-tokens N] [--queue N] [--max-batch N] [--max-models N] [--max-model-bytes B]",
  "                      [--runs DIR ...] [--rag INDEX] [--guard [DIR]] [--cefr DIR] [--no-explorer]",
  "                      [--label-out FILE (--label-pairs FILE | --label-prompts FILE) [--label-tags LIST]]",
  "",
  "Serves models over an OpenAI-compatible API (the official openai clients, lm-eval-harness's local-completions",
  "and local-chat-completions work against it). Models are named after their folder (or file, without the",
  "extension) unless given as NAME=PATH; requests name them by name only. See docs/server.md.",
  "The explorer (next token, naturalness, sampling, attention, training dashboard) is at / (docs/explorer.md).",
  "",
  "Flags:",
  "  --model PATH|NAME=PATH  a model to serve (repeatable; loaded on first use)",
  `  --host H                address to listen on (default ${DEFAULT_HOST}: this machine only)`,
  `  --port P                port (default ${SERVE_DEFAULTS.port}; 0 = any free port)`,
  "  --api-key K             require Authorization: Bearer K (repeatable)",
  "  --api-key-file F        keys, one per line (# comments)",
  "  --allow-dir DIR         model paths must lie in these folders (repeatable; default: the given paths only)",
  "  --cors ORIGIN           allow browser requests from ORIGIN (repeatable; default: CORS off)",
  `  --max-body BYTES        largest request body (default ${SERVE_DEFAULTS.maxBodyBytes})`,
  `  --max-tokens N          cap on max_tokens of any request (default ${SERVE_DEFAULTS.maxTokens})`,
  `  --queue N               requests that may wait while the worker is full; more get 429 (default ${SERVE_DEFAULTS.queue})`,
  `  --max-batch N           sequences decoded together (continuous batching; 1 = one at a time; default ${SERVE_DEFAULTS.maxBatch})`,
  `  --max-models N          models loaded at once, least recently used unloaded (default ${SERVE_DEFAULTS.maxModels})`,
  "  --max-model-bytes B     bytes of weights loaded at once (default: no cap)",
  "  --threads N             kernel threads (default: all cores)",
  `  --grace-ms MS           on SIGTERM, how long a running generation may finish (default ${SERVE_DEFAULTS.graceMs})`,
  "  --runs DIR              the explorer's training dashboard also shows the runs (metrics.jsonl) under DIR",
  "                          (repeatable; the served models' own folders are always searched)",
  "  --rag INDEX             the explorer's Retrieval page answers from INDEX (`kotodama rag index`), citing it",
  "  --guard [DIR]           guard /v1/chat/completions and /v1/completions with the guard in DIR (`safety guard",
  "                          train` or `guard lm`; no DIR: one trained on the spot from ../shared/data, ~10 s): each",
  "                          prompt checked (refused/redirected ones answered with the policy text, the model not",
  "                          called), each answer checked and given its care text; a stream is sent once checked;",
  "                          `kotodama_guard` in the response says what it did. The explorer's Safety page uses it too",
  "  --no-guard-api          with --guard: the explorer's Safety page only, the API unguarded",
  "  --cefr DIR|NAME=DIR    POST /v1/cefr answers with this CEFR classifier (`kotodama cefr train --out DIR`; the",
  "                          JSON of `kotodama cefr --json`; `kotodama cefr --endpoint URL` calls it)",
  "  --label-out FILE        the explorer's Labelling entry opens kotodama label's page at /label/, writing the",
  "                          labels to FILE (docs/labelling.md); with --label-pairs FILE ({id?, prompt, a, b} lines)",
  "                          or --label-prompts FILE ({id?, prompt} lines, both answers sampled from the first",
  "                          --model as kotodama label --model does); --label-tags LIST as label --tags",
  "  --no-explorer           serve the API only (no page at /, no /api/explorer)",
].join("\n");

/** Prints the URLs (`listening on URL`, then the explorer's), then runs until SIGINT or SIGTERM and stops the
 *  server gracefully. `npm start` ends with this too. */
export async function untilStopped(server: RunningServer, explorer: ExplorerOptions | null): Promise<void> {
  process.stdout.write(`listening on ${server.url}\n`);
  if (explorer !== null) process.stdout.write(explorer.bundle === null ? "explorer: not built (run 'npm run build'); the API works without it\n" : `explorer: ${server.url}/\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.stderr.write(`${signal}: finishing running requests, then stopping\n`);
      void server.stop().then(resolve);
    };
    const onInt = (): void => stop("SIGINT"), onTerm = (): void => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

/** serve --label-out with --label-pairs or --label-prompts: kotodama label's session (its answers sampled from
 *  `model`, the first served model, for --label-prompts), or null without --label-out. */
function labelOf(v: Readonly<Record<string, unknown>>, model: string): LabelSession | null {
  const out = v["label-out"], pairs = v["label-pairs"], prompts = v["label-prompts"], tags = v["label-tags"];
  if (typeof out !== "string") {
    if (pairs !== undefined || prompts !== undefined || tags !== undefined) throw new KotodamaError("kotodama serve: --label-pairs, --label-prompts and --label-tags need --label-out FILE (where the labels go)");
    return null;
  }
  if ((pairs === undefined) === (prompts === undefined)) throw new KotodamaError("kotodama serve: --label-out needs --label-pairs FILE or --label-prompts FILE (one of them)");
  return openLabelSession("serve", typeof pairs === "string" ? { out, pairs, tags: tags as string | undefined } : { out, model, prompts: prompts as string, tags: tags as string | undefined });
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve models over an OpenAI-compatible HTTP API",
  help: HELP,
  async run(argvIn) {
    const { argv, guard: guardDir } = takeGuardFlag(argvIn);
    const { values: v, positionals } = parseFlags("serve", argv, {
      model: { type: "string", multiple: true }, host: { type: "string" }, port: { type: "string" },
      "api-key": { type: "string", multiple: true }, "api-key-file": { type: "string" }, "allow-dir": { type: "string", multiple: true },
      cors: { type: "string", multiple: true }, "max-body": { type: "string" }, "max-tokens": { type: "string" }, queue: { type: "string" },
      "max-batch": { type: "string" }, "max-models": { type: "string" }, "max-model-bytes": { type: "string" }, threads: { type: "string" }, "grace-ms": { type: "string" },
      runs: { type: "string", multiple: true }, "no-explorer": { type: "boolean" }, rag: { type: "string" }, cefr: { type: "string" },
      "label-out": { type: "string" }, "label-pairs": { type: "string" }, "label-prompts": { type: "string" }, "label-tags": { type: "string" },
      "no-guard-api": { type: "boolean" },
    }, false);
    if (v["no-guard-api"] === true && guardDir === undefined) throw new KotodamaError("kotodama serve: --no-guard-api goes with --guard");
    if (positionals.length > 0) throw new KotodamaError(`kotodama serve: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const models = resolveModelSpecs(strings(v.model), strings(v["allow-dir"]));
    const cefr = typeof v.cefr === "string" ? resolveCefrSpec(v.cefr, strings(v["allow-dir"])) : null;
    const keyList = [...strings(v["api-key"]), ...(typeof v["api-key-file"] === "string" ? readKeyFile(v["api-key-file"]) : [])];
    const keys = keyList.length > 0 ? new ApiKeys(keyList) : null;
    const host = typeof v.host === "string" ? v.host : DEFAULT_HOST;
    for (const origin of strings(v.cors)) if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new KotodamaError(`kotodama serve: --cors ${origin}: expected an origin like https://example.com (scheme and host, no path)`);
    for (const dir of strings(v.runs)) if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new KotodamaError(`kotodama serve: --runs ${dir}: not a folder`);
    if (typeof v.rag === "string" && !existsSync(join(v.rag, "manifest.json"))) throw new KotodamaError(`kotodama serve: --rag ${v.rag}: not a retrieval index (no manifest.json; build one with 'kotodama rag index')`);
    const threads = v.threads === undefined ? null : intFlag("serve", "threads", v.threads, 1, 1, 1024);
    // A local guard model judges on its own thread, so the server's event loop never waits for it; it must load first.
    const guard = guardDir === undefined ? null : openGuard("serve", guardDir, undefined, { thread: { threads } });
    if (guard !== null) await guardReady(guard);
    const label = labelOf(v, models[0]!.path);
    if (label !== null && v["no-explorer"] === true) throw new KotodamaError("kotodama serve: --label-out needs the explorer (drop --no-explorer)");
    const explorer = v["no-explorer"] === true ? null : { bundle: builtBundle(), runs: strings(v.runs), guard, rag: typeof v.rag === "string" ? v.rag : null, label };
    const server = await startOpenAIServer({
      explorer, guard: v["no-guard-api"] === true ? null : guard,
      models, cefr, host, keys, cors: strings(v.cors),
      port: intFlag("serve", "port", v.port, SERVE_DEFAULTS.port, 0, 65535),
      maxBodyBytes: intFlag("serve", "max-body", v["max-body"], SERVE_DEFAULTS.maxBodyBytes, 1024, 1 << 30),
      maxTokens: intFlag("serve", "max-tokens", v["max-tokens"], SERVE_DEFAULTS.maxTokens, 1, 1 << 24),
      queue: intFlag("serve", "queue", v.queue, SERVE_DEFAULTS.queue, 0, 1 << 16),
      maxBatch: intFlag("serve", "max-batch", v["max-batch"], SERVE_DEFAULTS.maxBatch, 1, MAX_DECODE_BATCH),
      maxModels: intFlag("serve", "max-models", v["max-models"], SERVE_DEFAULTS.maxModels, 1, 1024),
      maxModelBytes: v["max-model-bytes"] === undefined ? null : intFlag("serve", "max-model-bytes", v["max-model-bytes"], 0, 1, Number.MAX_SAFE_INTEGER),
      threads,
      graceMs: intFlag("serve", "grace-ms", v["grace-ms"], SERVE_DEFAULTS.graceMs, 0, 3_600_000),
    });
    if (!isLoopback(host) && keys === null) process.stderr.write(`warning: listening on ${host} without an API key: anyone who can reach this address can use the models (pass --api-key or --api-key-file)\n`);
    process.stderr.write(`serving ${models.map((m) => m.name).join(", ")}${cefr === null ? "" : `, CEFR model ${cefr.name} at /v1/cefr`}${keys === null ? "" : ` (${keys.size} API key${keys.size === 1 ? "" : "s"})`}\n`);
    if (guard !== null) process.stderr.write(`guard: ${guardName(guard)}${v["no-guard-api"] === true ? " (explorer only; the API is not guarded)" : " on /v1/chat/completions and /v1/completions"}\n`);
    await untilStopped(server, explorer);
    if (guard !== null) await closeGuard(guard);
    return 0;
  },
};
