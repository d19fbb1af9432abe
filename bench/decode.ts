// `kotodama bench decode`: decode tokens/s with the KV cache at batch 1 (as llama-bench tg: N tokens from an
// empty context, greedy) and prompt-processing tokens/s (as pp: one N-token prompt); with --compare, llama.cpp
// on the same GGUF files in the same run (bench/decode-compare.ts). Not here: library code (src/infer).
import { parseFlags, intFlag } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import type { Backend } from "../src/engine/ops.js";
import type { ConvertType } from "../src/formats/convert.js";
import { createInferState, createKvCache, decodeStep, openInferModel, packDecoderWeights, prefill, argmax, type InferWeights } from "../src/infer/index.js";
import { initDecoderWeights, MODEL_PRESETS, type PresetName } from "../src/models/index.js";
import { Graph } from "../src/tensor/index.js";
import { Rng } from "../src/util/rng.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { BENCH_MODELS, benchModelGguf } from "./bench-models.js";
import { compareDecode, compareRowText, type CompareFile } from "./decode-compare.js";

export const summary = "decode: tokens/s with the KV cache at batch 1, and prompt processing (vs llama.cpp with --compare)";
export const help = [
  "Usage: kotodama bench decode [--model FILE | --preset NAME] [--tokenizer FILE] [--threads N] [--tokens N] [--repeat N] [--json]",
  "       kotodama bench decode --compare [--model FILE] [--models LIST] [--types LIST] [--threads LIST] [--tokens N] [--rounds N] [--json]",
  "",
  "  --model FILE    default ../shared/reference/stories260K/stories260K.gguf",
  "  --preset NAME   a model preset (tiny, small, default) with random weights instead of a file",
  "  --threads N     kernel threads (default 1; with --compare a list, default 1,2)",
  "  --tokens N      tokens generated per run and prompt length for prompt processing (default 128)",
  "  --repeat N      runs, best kept (default 5)",
  "  --json          one JSON object per line",
  "",
  "  --compare       kotodama and llama.cpp (node-llama-cpp's prebuilt CPU build, low-level binding) on the same",
  "                  GGUF files, same threads, prompt and token counts, in interleaved rounds; medians reported.",
  "                  Files: stories260K F32 from ../shared (per-token overhead dominates) and, unless --model is",
  "                  given, the compute-bound bench models exported by our writer to a temp cache:",
  `                  --models ${Object.keys(BENCH_MODELS).join(",")} (default all), --types f32,q8_0 (default).`,
  "  --rounds N      interleaved rounds per measurement with --compare (default 5)",
].join("\n");

/** Comma-separated list flag. */
function listFlag(v: unknown, def: readonly string[]): string[] {
  return typeof v === "string" ? v.split(",").map((x) => x.trim()).filter((x) => x !== "") : [...def];
}

/** The files `--compare` measures. Shared with `bench quant --compare`, which passes other types. */
export function compareFiles(values: Record<string, unknown>, defaultTypes: readonly ConvertType[], log: (l: string) => void): CompareFile[] {
  if (typeof values.model === "string") return [{ name: values.model.split("/").pop() ?? values.model, path: values.model }];
  const files: CompareFile[] = [];
  const stories = sharedPath("reference", "stories260K", "stories260K.gguf");
  if (stories !== null && defaultTypes.includes("f32")) files.push({ name: "stories260K", path: stories });
  const models = listFlag(values.models, Object.keys(BENCH_MODELS));
  const types = listFlag(values.types, defaultTypes);
  for (const m of models) if (!Object.hasOwn(BENCH_MODELS, m)) throw new KotodamaError(`kotodama bench: unknown bench model '${m}'; expected one of: ${Object.keys(BENCH_MODELS).join(", ")}`);
  for (const t of types) if (!["f32", "q8_0", "q4_0", "q4_k"].includes(t)) throw new KotodamaError(`kotodama bench: --types expects f32, q8_0, q4_0 or q4_k, got '${t}'`);
  for (const m of models) for (const t of types) files.push({ name: m, path: benchModelGguf(m, t as ConvertType, log) });
  return files;
}

/** `--compare`: both engines on the same files; one row per (file, threads, phase). */
export async function runCompare(bench: string, values: Record<string, unknown>, defaultTypes: readonly ConvertType[]): Promise<number> {
  const json = values.json === true;
  const progress = (l: string): void => void process.stderr.write(`${l}\n`);
  const threads = listFlag(values.threads, ["1", "2"]).map((t) => intFlag(bench, "threads", t, 1, 1, 1024));
  const files = compareFiles(values, defaultTypes, progress);
  return compareDecode({
    files, threads,
    tokens: intFlag(bench, "tokens", values.tokens, 128, 1, 1 << 16),
    rounds: intFlag(bench, "rounds", values.rounds, 5, 1, 1000),
    progress,
    emit: (row) => void process.stdout.write(`${json ? JSON.stringify(row) : compareRowText(row)}\n`),
  });
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench decode", argv, {
    model: { type: "string" }, preset: { type: "string" }, tokenizer: { type: "string" }, threads: { type: "string" }, tokens: { type: "string" },
    repeat: { type: "string" }, json: { type: "boolean" }, compare: { type: "boolean" }, models: { type: "string" }, types: { type: "string" },
    rounds: { type: "string" },
  }, false);
  if (values.compare === true) return runCompare("bench decode", values, ["f32", "q8_0"]);
  for (const k of ["models", "types", "rounds"] as const) if (values[k] !== undefined) throw new KotodamaError(`kotodama bench decode: --${k} needs --compare`);
  const preset = typeof values.preset === "string" ? values.preset : null;
  if (preset !== null && values.model !== undefined) throw new KotodamaError("kotodama bench decode: give --model or --preset, not both");
  if (preset !== null && !Object.hasOwn(MODEL_PRESETS, preset)) throw new KotodamaError(`kotodama bench decode: unknown preset '${preset}'; expected one of: ${Object.keys(MODEL_PRESETS).join(", ")}`);
  const path = preset !== null ? `preset:${preset}` : typeof values.model === "string" ? values.model : sharedPath("reference", "stories260K", "stories260K.gguf");
  if (path === null) throw new KotodamaError("kotodama bench decode: no --model given and ../shared/reference/stories260K is absent");
  const threads = intFlag("bench decode", "threads", values.threads, 1, 1, 1024);
  const n = intFlag("bench decode", "tokens", values.tokens, 128, 1, 1 << 20);
  const repeat = intFlag("bench decode", "repeat", values.repeat, 5, 1, 1000);
  const backend = loadBackend({ threads });
  let weights: InferWeights;
  let start = 1;
  if (preset !== null) {
    const c = MODEL_PRESETS[preset as PresetName];
    weights = packDecoderWeights(c, initDecoderWeights(new Graph(createRefBackend() as Backend), c, new Rng(0)));
  } else {
    const model = openInferModel(path, { backend, ...(typeof values.tokenizer === "string" ? { tokenizer: values.tokenizer } : {}) });
    weights = model.weights;
    start = model.tokenizer.special.bos ?? model.tokenizer.special.eos ?? 0;
  }
  const config = weights.config;
  if (config.pos === "learned" && n + 1 > config.context) throw new KotodamaError(`kotodama bench decode: --tokens ${n} does not fit the model's context of ${config.context}`);
  const capacity = Math.max(config.context, n + 1);
  const state = createInferState(weights, backend, 128);
  const cache = createKvCache(config, capacity);

  // Decode: n greedy tokens from an empty context (the first from the start token), timed per run.
  let bestDecode = Infinity;
  for (let r = 0; r < repeat + 1; r++) {
    cache.length = 0;
    const t0 = performance.now();
    let id = start;
    for (let i = 0; i < n; i++) id = argmax(decodeStep(state, cache, id));
    const dt = performance.now() - t0;
    if (r > 0) bestDecode = Math.min(bestDecode, dt); // run 0 warms the JIT
  }
  // Prompt processing: one n-token prompt of ordinary ids.
  const prompt = Array.from({ length: n }, (_, i) => (i === 0 ? start : (i * 7919) % config.vocabSize));
  let bestPrompt = Infinity;
  for (let r = 0; r < repeat + 1; r++) {
    cache.length = 0;
    const t0 = performance.now();
    prefill(state, cache, prompt);
    const dt = performance.now() - t0;
    if (r > 0) bestPrompt = Math.min(bestPrompt, dt);
  }
  const tps = n / (bestDecode / 1000);
  const pps = n / (bestPrompt / 1000);
  const row = { bench: "decode", model: path, threads, backend: backend.name, tokens: n, tokens_per_s: Math.round(tps), prompt_tokens_per_s: Math.round(pps) };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return 0;
  }
  process.stdout.write(`decode ${path} (${backend.name}, ${threads} thread${threads === 1 ? "" : "s"}); llama.cpp on the same file: --compare\n`);
  process.stdout.write(`  generation      ${row.tokens_per_s} tokens/s (tg${n})\n`);
  process.stdout.write(`  prompt          ${row.prompt_tokens_per_s} tokens/s (pp${n})\n`);
  return 0;
}
