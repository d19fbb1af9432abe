// `kotodama bench rollout`: rollout throughput of batched decode (one forward per step for B sequences, every weight
// matrix read once per step: src/infer/forward.ts decodeBatch) against the same B sequences decoded one at a time,
// in the same run: the bare forward (greedy, no sampler), the whole rollout (generateBatch with sampling, stop
// handling and log-probabilities) and the prefill of B prompts of mixed lengths (packed vs one by one).
// Not here: library code (src/infer), correctness (tests/batch-decode.test.ts).
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import type { ConvertType } from "../src/formats/convert.js";
import {
  argmax, createInferState, decodeBatch, decodeStep, generateBatch, KvCachePool, openInferModel, prefill, prefillBatch, type InferModel,
} from "../src/infer/index.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { KotodamaError } from "../src/util/errors.js";
import { Rng } from "../src/util/rng.js";
import { BENCH_MODELS, benchModelGguf, paramCount } from "./bench-models.js";

export const summary = "rollout: B sequences decoded batched vs one at a time (tokens/s and the ratio)";

/** The default models: npm start's (the `default` preset) and a larger Llama-flag model, random weights. */
const MODELS: readonly { name: string; config: ModelConfig; type: ConvertType }[] = [
  { name: "start-default", config: MODEL_PRESETS.default, type: "f32" },
  { name: "llama-28m", config: BENCH_MODELS["llama-28m"]!, type: "f32" },
  { name: "llama-28m", config: BENCH_MODELS["llama-28m"]!, type: "q8_0" },
];

export const help = [
  "Usage: kotodama bench rollout [--model FILE] [--batch N] [--tokens N] [--threads N] [--repeat N] [--group G] [--json]",
  "",
  "  --model FILE    a model file or folder (default: npm start's `default` preset in F32 and llama-28m in F32 and",
  "                  Q8_0, random weights exported to the OS temp dir on first use)",
  "  --batch N       sequences (default 16)",
  "  --tokens N      tokens generated per sequence (default 64)",
  "  --threads N     kernel threads (default 1)",
  "  --repeat N      runs of each measurement, best kept (default 2)",
  "  --group G       also measure GRPO-style rollouts: N/G distinct prompts, each sampled G times (rows",
  "                  group_apart: batched without prompt sharing; group_shared: each prompt prefilled once and its",
  "                  KV copied; both against the same sequences one at a time, which prefill every copy)",
  "  --json          one JSON object per line",
  "",
  "Rows: forward (decode steps alone, greedy: decodeBatch vs decodeStep), rollout (generateBatch at batch N vs",
  "batch 1, prefill included: sampling at temperature 0.8, top-k 40, top-p 0.95, per-sequence seeds,",
  "log-probabilities; a new KV cache pool per call, as before), rollout_pool (the same with each side's pool kept",
  "across calls, as an RL run keeps it: the batched pool's N slots are not allocated and faulted in again per call),",
  "prefill (N prompts of 8 … 8 + 4(N − 1) tokens: prefillBatch vs prefill one by one).",
  "Ratios from the wall clock, and in parentheses from this process's CPU time (robust on a shared machine).",
].join("\n");

interface Row {
  readonly bench: "rollout";
  readonly model: string;
  readonly params_m: number;
  readonly phase: "forward" | "rollout" | "rollout_pool" | "prefill" | "group_apart" | "group_shared";
  readonly batch: number;
  readonly tokens: number;
  readonly one_at_a_time_tokens_per_s: number;
  readonly batched_tokens_per_s: number;
  readonly ratio: number;
  /** The same two runs timed in this process's CPU time (one kernel thread: all work is on the main thread), which
   *  other jobs on a shared machine do not inflate as they do the wall clock. */
  readonly cpu_ratio: number;
  readonly threads: number;
}

interface Time {
  wall: number;
  cpu: number;
}
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU milliseconds of `f` (which may exclude untimed setup by calling `pause`/`resume`): the best of
 *  `repeat` runs after one warm-up run, each clock minimized separately. */
function best(repeat: number, f: (t: { pause(): void; resume(): void }) => void): Time {
  const out = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r <= repeat; r++) {
    let wall = 0, cpu = 0, w0 = 0, c0 = 0;
    const t = {
      resume: (): void => {
        w0 = performance.now();
        c0 = cpuMs();
      },
      pause: (): void => {
        wall += performance.now() - w0;
        cpu += cpuMs() - c0;
      },
    };
    t.resume();
    f(t);
    t.pause();
    if (r > 0) {
      out.wall = Math.min(out.wall, wall);
      out.cpu = Math.min(out.cpu, cpu);
    }
  }
  return out;
}

function measure(name: string, m: InferModel, B: number, n: number, repeat: number, threads: number, group: number): Row[] {
  const c = m.config, V = c.vocabSize;
  const rng = new Rng(1);
  const prompts = Array.from({ length: B }, (_, b) => Array.from({ length: 8 + 4 * b }, () => 1 + Math.floor(rng.next() * (V - 1))));
  const capacity = Math.max(...prompts.map((p) => p.length)) + n + 1;
  if (c.pos === "learned" && capacity > c.context) throw new KotodamaError(`kotodama bench rollout: prompts + --tokens ${n} need ${capacity} positions, more than the model's context of ${c.context}`);
  // The B caches are slots of one KvCachePool, as generateBatch's are (a batched step attends them in one call).
  const pool = new KvCachePool(c, B, capacity);
  const caches = prompts.map(() => pool.acquire());
  const row = (phase: Row["phase"], tokens: number, one: Time, batched: Time): Row => ({
    bench: "rollout", model: name, params_m: Math.round(paramCount(c) / 1e5) / 10, phase, batch: B, tokens,
    one_at_a_time_tokens_per_s: Math.round(tokens / (one.wall / 1000)), batched_tokens_per_s: Math.round(tokens / (batched.wall / 1000)),
    ratio: Math.round((one.wall / batched.wall) * 100) / 100, cpu_ratio: Math.round((one.cpu / batched.cpu) * 100) / 100, threads,
  });

  // Forward alone: n greedy steps per sequence from its prompt (the prefill untimed).
  const one = createInferState(m.weights, m.backend, 128), many = createInferState(m.weights, m.backend, Math.max(B, 128));
  const out = new Float32Array(B * V);
  const fOne = best(repeat, (t) => {
    caches.forEach((cache, b) => {
      t.pause();
      cache.length = 0;
      let id = argmax(prefill(one, cache, prompts[b]!));
      t.resume();
      for (let i = 0; i < n; i++) id = argmax(decodeStep(one, cache, id));
    });
  });
  const fMany = best(repeat, (t) => {
    t.pause();
    for (const cache of caches) cache.length = 0;
    const first = prefillBatch(many, caches, prompts);
    const ids = prompts.map((_, b) => argmax(first.subarray(b * V, (b + 1) * V)));
    t.resume();
    for (let i = 0; i < n; i++) {
      decodeBatch(many, caches, ids, out);
      for (let b = 0; b < B; b++) ids[b] = argmax(out.subarray(b * V, (b + 1) * V));
    }
  });

  // The whole rollout, prefill included: generateBatch with sampling at batch B vs batch 1.
  const o = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, seed: 1, maxTokens: n, ignoreEos: true, context: capacity };
  const [rOne, rMany] = [1, B].map((batch) => best(repeat, () => void generateBatch(m, prompts, o, { batch })));
  // The same with each side's KV cache pool kept across its runs (an RL run keeps one: src/train/rl/run.ts).
  const [kOne, kMany] = [1, B].map((batch) => {
    const kept = new KvCachePool(c, batch, capacity);
    return best(repeat, () => void generateBatch(m, prompts, o, { batch, pool: kept }));
  });

  // Prefill: B prompts of mixed lengths packed into forwards of up to 128 rows vs one by one.
  const promptTokens = prompts.reduce((s, p) => s + p.length, 0);
  const pOne = best(repeat, () => caches.forEach((cache, b) => ((cache.length = 0), prefill(one, cache, prompts[b]!))));
  const pMany = best(repeat, () => {
    for (const cache of caches) cache.length = 0;
    prefillBatch(many, caches, prompts, out);
  });
  const rows = [row("forward", B * n, fOne, fMany), row("rollout", B * n, rOne!, rMany!), row("rollout_pool", B * n, kOne!, kMany!), row("prefill", promptTokens, pOne, pMany)];
  if (group > 1) {
    // GRPO: B/G distinct prompts (the longest ones, so that prefill weighs most), each sampled G times in a row;
    // pools kept on both sides as in rollout_pool.
    const grouped = prompts.slice(B - Math.ceil(B / group)).flatMap((p) => Array<number[]>(group).fill(p)).slice(0, B);
    const kept = new Map([1, B].map((b) => [b, new KvCachePool(c, b, capacity)]));
    const g = (batch: number, sharePrompts: boolean): Time => best(repeat, () => void generateBatch(m, grouped, o, { batch, pool: kept.get(batch)!, sharePrompts }));
    const gOne = g(1, false);
    rows.push(row("group_apart", B * n, gOne, g(B, false)), row("group_shared", B * n, gOne, g(B, true)));
  }
  return rows;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench rollout", argv, {
    model: { type: "string" }, batch: { type: "string" }, tokens: { type: "string" }, threads: { type: "string" }, repeat: { type: "string" }, group: { type: "string" }, json: { type: "boolean" },
  }, false);
  const B = intFlag("bench rollout", "batch", values.batch, 16, 1, 1024);
  const n = intFlag("bench rollout", "tokens", values.tokens, 64, 1, 1 << 16);
  const threads = intFlag("bench rollout", "threads", values.threads, 1, 1, 1024);
  const repeat = intFlag("bench rollout", "repeat", values.repeat, 2, 1, 1000);
  const group = intFlag("bench rollout", "group", values.group, 1, 1, B);
  const backend = loadBackend({ threads });
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  const files = typeof values.model === "string"
    ? [{ name: values.model, path: values.model }]
    : MODELS.map((x) => ({ name: `${x.name} ${x.type.toUpperCase()}`, path: benchModelGguf(x.name, x.type, log, x.config) }));
  if (values.json !== true) {
    process.stdout.write(`rollout: ${B} sequences × ${n} tokens, batched vs one at a time (${backend.name}, ${threads} thread${threads === 1 ? "" : "s"})\n`);
    process.stdout.write(`  ${"model".padEnd(22)} ${"params".padStart(7)}  ${"phase".padEnd(12)} ${"one at a time".padStart(14)} ${"batched".padStart(12)}  ratio  (CPU time)\n`);
  }
  for (const f of files) {
    log(`bench rollout: ${f.name} ...`);
    for (const r of measure(f.name, openInferModel(f.path, { backend }), B, n, repeat, threads, group)) {
      if (values.json === true) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        process.stdout.write(`  ${r.model.padEnd(22)} ${`${r.params_m}M`.padStart(7)}  ${r.phase.padEnd(12)} ${`${r.one_at_a_time_tokens_per_s} tok/s`.padStart(14)} ${`${r.batched_tokens_per_s} tok/s`.padStart(12)}  ${r.ratio.toFixed(2)}×  (${r.cpu_ratio.toFixed(2)}×)\n`);
      }
    }
  }
  return 0;
}
