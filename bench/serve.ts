// `kotodama bench serve`: the OpenAI-compatible server's overhead and latency on loopback — the same greedy
// completion through src/infer directly and through POST /v1/completions (tokens/s, wall clock), a short chat's
// latency and a streamed chat's time to first token (p50 / p90), and the aggregate tokens/s of C concurrent clients
// (decoded together by continuous batching, --max-batch; 1: the fair queue serves them one at a time). Not here: the server (src/server/openai).
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { generateText, MAX_DECODE_BATCH, openInferModel } from "../src/infer/index.js";
import { defaultModelName, SERVE_DEFAULTS, startOpenAIServer } from "../src/server/openai/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";

export const summary = "serve: tokens/s through the OpenAI-compatible server vs direct generate, chat latency, concurrency";
export const help = [
  "Usage: kotodama bench serve [--model PATH] [--tokens N] [--repeat N] [--clients C] [--max-batch N] [--threads N] [--json]",
  "",
  "  --model PATH   default ../shared/reference/stories260K/stories260K.gguf",
  "  --tokens N     tokens per completion (default 100; prompt + N must fit the context)",
  "  --repeat N     runs per measurement (default 5; best tokens/s, p50/p90 latency)",
  "  --clients LIST concurrent streaming chat clients, e.g. 1,8,64: aggregate tokens/s and time to first token",
  "                 p50/p99 at each level (default 1,8,64)",
  "  --max-batch N  the server's --max-batch (default: serve's default; 1 = one generation at a time)",
  "  --threads N    kernel threads (default 1)",
  "  --json         one JSON object",
].join("\n");

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function run(argv: readonly string[]): Promise<number> {
  const { values: v } = parseFlags("bench serve", argv, { model: { type: "string" }, tokens: { type: "string" }, repeat: { type: "string" }, clients: { type: "string" }, threads: { type: "string" }, "max-batch": { type: "string" }, json: { type: "boolean" } }, false);
  const path = typeof v.model === "string" ? v.model : sharedPath("reference", "stories260K", "stories260K.gguf");
  if (path === null) throw new KotodamaError("bench serve: ../shared/reference/stories260K is absent; pass --model PATH");
  const N = intFlag("bench serve", "tokens", v.tokens, 100, 1, 1 << 20), R = intFlag("bench serve", "repeat", v.repeat, 5, 1, 1000);
  const levels = (typeof v.clients === "string" ? v.clients : "1,8,64").split(",").map((c) => intFlag("bench serve", "clients", c, 1, 1, 256));
  const C = Math.max(...levels);
  const threads = intFlag("bench serve", "threads", v.threads, 1, 1, 1024);
  const maxBatch = intFlag("bench serve", "max-batch", v["max-batch"], SERVE_DEFAULTS.maxBatch, 1, MAX_DECODE_BATCH);
  const prompt = "Once upon a time";
  const sampling = { temperature: 0, topP: 1, topK: 0, minP: 0, repeatLastN: -1, ignoreEos: true, maxTokens: N };

  const model = openInferModel(path, { backend: loadBackend({ threads }) });
  const direct: number[] = [];
  for (let i = 0; i < R; i++) {
    const t0 = performance.now();
    const r = await generateText(model, prompt, sampling);
    direct.push(r.ids.length / ((performance.now() - t0) / 1000));
  }

  const name = defaultModelName(path);
  const server = await startOpenAIServer({ models: [{ name, path }], threads, maxBatch, queue: Math.max(16, C) });
  const post = async (route: string, body: Record<string, unknown>): Promise<Response> =>
    fetch(`${server.url}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model: name, ...body }) });
  const completion = { prompt, max_tokens: N, temperature: 0, ignore_eos: true };
  try {
    await (await post("/v1/completions", { ...completion, max_tokens: 1 })).json(); // loads the model
    const served: number[] = [];
    for (let i = 0; i < R; i++) {
      const t0 = performance.now();
      const j = (await (await post("/v1/completions", completion)).json()) as { usage: { completion_tokens: number } };
      served.push(j.usage.completion_tokens / ((performance.now() - t0) / 1000));
    }
    const chatMs: number[] = [], ttftMs: number[] = [];
    const chat = { messages: [{ role: "user", content: "Hello! Tell me a short story." }], max_tokens: 32, temperature: 0 };
    for (let i = 0; i < R; i++) {
      let t0 = performance.now();
      await (await post("/v1/chat/completions", chat)).json();
      chatMs.push(performance.now() - t0);
      t0 = performance.now();
      const res = await post("/v1/chat/completions", { ...chat, stream: true });
      const reader = res.body!.getReader();
      await reader.read();
      ttftMs.push(performance.now() - t0);
      while (!(await reader.read()).done);
    }
    // C streaming chat clients at once, each with its own seed: per-client time to first token, aggregate tokens/s.
    const load = async (c: number): Promise<{ clients: number; tokens_per_s: number; ttft_ms_p50: number; ttft_ms_p99: number }> => {
      const ttft: number[] = [];
      const t0 = performance.now();
      const tokens = await Promise.all(Array.from({ length: c }, async (_, i) => {
        const res = await post("/v1/chat/completions", { ...chat, max_tokens: N, temperature: 0.8, seed: i, stream: true, stream_options: { include_usage: true } });
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
        let text = "", first = true;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (first) {
            ttft.push(performance.now() - t0);
            first = false;
          }
          text += dec.decode(value, { stream: true });
        }
        const usage = /"completion_tokens":(\d+)/.exec(text);
        return usage === null ? 0 : Number(usage[1]);
      }));
      return { clients: c, tokens_per_s: tokens.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000), ttft_ms_p50: pct(ttft, 0.5), ttft_ms_p99: pct(ttft, 0.99) };
    };
    const loads = [];
    for (const c of levels) loads.push(await load(c));
    const concurrent = loads.at(-1)!.tokens_per_s;
    const out = {
      model: path, tokens: N, repeat: R, threads, max_batch: maxBatch, clients: C,
      direct_tokens_per_s: Math.max(...direct), server_tokens_per_s: Math.max(...served),
      chat32_ms_p50: pct(chatMs, 0.5), chat32_ms_p90: pct(chatMs, 0.9), ttft_ms_p50: pct(ttftMs, 0.5), ttft_ms_p90: pct(ttftMs, 0.9),
      concurrent_tokens_per_s: concurrent, load: loads,
    };
    if (v.json === true) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      const f = (x: number): string => x.toFixed(1);
      process.stdout.write([
        `model ${path} (threads ${threads}, --max-batch ${maxBatch}), ${N} greedy tokens after "${prompt}"`,
        `  direct generateText      ${f(out.direct_tokens_per_s)} tok/s (best of ${R}, wall clock incl. prefill)`,
        `  POST /v1/completions     ${f(out.server_tokens_per_s)} tok/s (best of ${R}, client wall clock)`,
        `  short chat (32 tokens)   p50 ${f(out.chat32_ms_p50)} ms, p90 ${f(out.chat32_ms_p90)} ms`,
        `  streamed chat TTFT       p50 ${f(out.ttft_ms_p50)} ms, p90 ${f(out.ttft_ms_p90)} ms`,
        ...loads.map((l) => `  ${String(l.clients).padStart(3)} streaming clients  ${f(l.tokens_per_s)} tok/s in total, TTFT p50 ${f(l.ttft_ms_p50)} ms, p99 ${f(l.ttft_ms_p99)} ms (${maxBatch === 1 ? "fair FIFO queue, one job at a time" : `continuous batching, up to ${maxBatch} at once`})`),
      ].join("\n") + "\n");
    }
  } finally {
    await server.stop();
  }
  return 0;
}
