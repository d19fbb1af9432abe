// `kotodama bench decode`: decode tokens/s with the KV cache at batch 1 (as llama-bench tg128: 128 tokens
// from an empty context, greedy) and prompt-processing tokens/s (as pp128: one 128-token prompt), best of
// several runs, against llama.cpp's numbers on this machine. Not here: library code (src/infer).
import { parseFlags, intFlag } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import type { Backend } from "../src/engine/ops.js";
import { createInferState, createKvCache, decodeStep, openInferModel, packDecoderWeights, prefill, argmax, type InferWeights } from "../src/infer/index.js";
import { initDecoderWeights, MODEL_PRESETS, type PresetName } from "../src/models/index.js";
import { Graph } from "../src/tensor/index.js";
import { Rng } from "../src/util/rng.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";

export const summary = "decode: tokens/s with the KV cache at batch 1, and prompt processing, vs llama.cpp";
export const help = [
  "Usage: kotodama bench decode [--model FILE | --preset NAME] [--tokenizer FILE] [--threads N] [--tokens N] [--repeat N] [--json]",
  "",
  "  --model FILE    default ../shared/reference/stories260K/stories260K.gguf",
  "  --preset NAME   a model preset (tiny, small, default) with random weights instead of a file",
  "  --threads N     kernel threads (default 1)",
  "  --tokens N      tokens generated per run and prompt length for prompt processing (default 128)",
  "  --repeat N      runs, best kept (default 5)",
  "  --json          one JSON object: {bench, model, threads, tokens_per_s, prompt_tokens_per_s, ...}",
  "",
  "Anchors (stories260K F32, one core of the development machine, ../shared/reference/README.md):",
  "llama.cpp llama-bench tg128 ~3.4k–3.6k tokens/s, pp128 ~11.5k–13.1k tokens/s.",
].join("\n");

const LLAMACPP = { model: "stories260K.gguf", tg128: 3500, pp128: 12000 };
/** PyTorch 1.13 with a KV cache, `small` preset, batch 1, measured on this machine (issue 4): 1 thread / best. */
const TORCH_SMALL = { oneThread: 55, best: 80 };

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench decode", argv, {
    model: { type: "string" }, preset: { type: "string" }, tokenizer: { type: "string" }, threads: { type: "string" }, tokens: { type: "string" },
    repeat: { type: "string" }, json: { type: "boolean" },
  }, false);
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
  const isAnchor = path.endsWith(LLAMACPP.model);
  const torch = preset === "small" ? TORCH_SMALL : null;
  const row = {
    bench: "decode", model: path, threads, backend: backend.name, tokens: n, tokens_per_s: Math.round(tps), prompt_tokens_per_s: Math.round(pps),
    ...(torch !== null ? { torch_tokens_per_s_1thread: torch.oneThread, torch_tokens_per_s_best: torch.best, ratio_vs_torch_best: +(tps / torch.best).toFixed(2) } : {}),
    ...(isAnchor ? { llamacpp_tokens_per_s: LLAMACPP.tg128, llamacpp_prompt_tokens_per_s: LLAMACPP.pp128, ratio: +(tps / LLAMACPP.tg128).toFixed(2), prompt_ratio: +(pps / LLAMACPP.pp128).toFixed(2) } : {}),
  };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return 0;
  }
  process.stdout.write(`decode ${path} (${backend.name}, ${threads} thread${threads === 1 ? "" : "s"})\n`);
  const anchor = isAnchor ? `   llama.cpp ~${LLAMACPP.tg128}  → ${(tps / LLAMACPP.tg128).toFixed(2)}×` : torch !== null ? `   PyTorch (KV cache) ${torch.oneThread} (1 thread) / ${torch.best} (best) → ${(tps / torch.best).toFixed(2)}× best` : "";
  process.stdout.write(`  generation      ${row.tokens_per_s} tokens/s (tg${n})${anchor}\n`);
  process.stdout.write(`  prompt          ${row.prompt_tokens_per_s} tokens/s (pp${n})${isAnchor ? `   llama.cpp ~${LLAMACPP.pp128} → ${row.prompt_ratio}×` : ""}\n`);
  return 0;
}
