// What every fine-tuning run of a pretrained model shares (SFT, DPO): the base's identity for config.json, its
// tokenizer.json for the run directory, the loop's initialiser that copies the base's weights, and the LoRA
// trainable (adapters on a frozen base; the run directory gets the merged model and the adapter files).
// Not here: the loop (loop.ts), data (sft/, dpo/), flag parsing (cli/).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decoderWeightsOf, loadModel, type LoadedModel } from "../models/load.js";
import { weightNaming } from "../models/config.js";
import { initDecoderWeights, namedWeights, topNames, type DecoderWeights } from "../models/index.js";
import { attachLora, loraNamedWeights, mergeLora, resolveLoraConfig, type LoraConfig } from "../models/lora.js";
import { writePeftAdapter } from "../models/lora-peft.js";
import { writeLoraGguf } from "../models/lora-gguf.js";
import type { Graph } from "../tensor/index.js";
import { ByteLevelBpe, hfTokenizerJson, type ChatTemplates } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { validateTrainConfig, type TrainConfig } from "./config.js";
import type { Progress, Trainable, WeightInit } from "./loop.js";
import type { Backend } from "../engine/ops.js";
import { sftTemplates } from "./sft/template.js";

/** Settings every fine-tuning run takes (SftSettings and DpoSettings add their own); the rest is derived. */
export interface FinetuneSettings {
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly lr?: number;
  /** Items (examples, pairs) per step. */
  readonly batchSize?: number;
  /** Longest row in tokens; default min(model context, 1024). */
  readonly context?: number;
  /** Rows longer than the context: cut to it (default) or left out. */
  readonly overflow?: "truncate" | "drop";
  /** LoRA instead of full fine-tuning (models/lora.ts resolveLoraConfig keys: rank, alpha, dropout, targets). */
  readonly lora?: Readonly<Record<string, unknown>>;
}

/** How a fine-tuning run is driven (SftOptions and DpoOptions add the model, data and settings). */
export interface FinetuneRunOptions {
  /** Run directory; null trains in memory only. */
  readonly outDir: string | null;
  readonly backend: Backend;
  readonly timeBudgetS?: number;
  /** With timeBudgetS: at least this many steps however slow they are (train/loop.ts). */
  readonly minSteps?: number;
  /** Stop after this step without changing the schedule (tests: as if killed after its checkpoint). */
  readonly stopAfterStep?: number;
  readonly onProgress?: (p: Progress) => void;
  readonly log?: (line: string) => void;
}

export const sha256File = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The base model's identity for config.json: a file's hash, or a folder's weights file hash. */
export function baseIdentity(m: LoadedModel): { path: string; format: string; sha256: string } {
  const weights = statSync(m.path).isDirectory() ? join(m.path, "model.safetensors") : m.path;
  return { path: m.path, format: m.format, sha256: existsSync(weights) ? sha256File(weights) : "" };
}

/** tokenizer.json for the run directory: the base's own file when it has one, else written from the vocabulary. */
export function tokenizerJsonOf(m: LoadedModel, command: string): string {
  const own = join(m.path, "tokenizer.json");
  if (statSync(m.path).isDirectory() && existsSync(own)) return readFileSync(own, "utf8");
  if (m.tokenizer instanceof ByteLevelBpe) return hfTokenizerJson(m.tokenizer);
  throw new KotodamaError(`${command}: ${m.path}: its ${m.tokenizer.kind} tokenizer cannot be stored as tokenizer.json yet, so the run directory could not be loaded; convert the model to a Hugging Face folder first`);
}

/** The loop's initialiser for a fine-tuning run: fresh tensors on the loop's graph holding the base's values. */
export function copyOf(base: DecoderWeights): WeightInit {
  return (g, c, rng) => {
    const w = initDecoderWeights(g, c, rng);
    const src = new Map(namedWeights(base).map((n) => [n.name, n.tensor.data]));
    for (const n of namedWeights(w)) n.tensor.data.set(src.get(n.name)!);
    return w;
  };
}

/** The loop's `adapt` for LoRA: adapters attached to the frozen base, trained alone; model.safetensors holds the
 *  merged model and every checkpoint also writes adapter/ (PEFT) and adapter.gguf (llama.cpp, when it can). */
export function loraAdapt(m: LoadedModel, lc: LoraConfig, seed: number, log: (line: string) => void): (g: Graph, w: DecoderWeights, rng: Rng) => Trainable {
  return (g, w, rng) => {
    const dropoutRng = lc.dropout > 0 ? new Rng(seed + 7919) : null;
    const lw = attachLora(g, w, lc, { rng, ...(dropoutRng === null ? {} : { dropoutRng }) });
    const params = loraNamedWeights(lw);
    let warned = false;
    return {
      weights: lw.weights, params, saved: () => mergeLora(lw),
      setTraining: (on) => void (lw.dropout.rng = on ? dropoutRng : null),
      onCheckpoint: (dir) => {
        writePeftAdapter(join(dir, "adapter"), m.family, m.config, lw, m.path);
        try {
          writeLoraGguf(join(dir, "adapter.gguf"), m.family, m.config, lw);
        } catch (e) {
          if (!warned) log(`adapter.gguf not written: ${(e as Error).message}`);
          warned = true;
        }
      },
    };
  };
}

/** A fine-tuning run's starting point: the loaded model, its weights, the resolved LoRA config (or null), the chat
 *  template the data is rendered with, and the tokenizer.json to store (null without a run directory). */
export interface FinetuneBase {
  readonly m: LoadedModel;
  /** The loop's initialiser: the base's values on the loop's graph. With LoRA it builds the frozen base straight
   *  from the loaded tensors (a GGUF's Q8_0/Q4_0/Q4_K/Q6_K Linears stay quantized, read by tensor/linearQ.ts, and
   *  are shared, not copied); for full fine-tuning it copies every weight into a fresh f32 model. */
  readonly init: WeightInit;
  readonly lora: LoraConfig | null;
  readonly templates: ChatTemplates;
  readonly tokenizerJson: string | null;
}

/** "Q4_K ×120, Q6_K ×24"-style summary of the quantized dtypes of a model's Linear weights (the embedding tables
 *  are dequantized for training, so they are left out). */
function quantizedTypes(m: LoadedModel): string {
  const top = topNames(weightNaming(m.config));
  const tables = new Set([top.tokEmb, top.posEmb, top.lmHead]);
  const n = new Map<string, number>();
  for (const [name, d] of m.dtypes) if (/^Q\d/.test(d) && !tables.has(name)) n.set(d, (n.get(d) ?? 0) + 1);
  return [...n].map(([d, k]) => `${d} ×${k}`).join(", ");
}

export function openBase(command: string, path: string, lora: Readonly<Record<string, unknown>> | undefined, outDir: string | null, log: (line: string) => void): FinetuneBase {
  // LoRA keeps a quantized base quantized (frozen Linears read by quantMatmul; the adapters train in f32); full
  // fine-tuning needs f32 weights to update, so a quantized base is dequantized for it.
  const m = loadModel(path, { keepQuantized: lora !== undefined });
  if (m.tensors.has("model.rope_freqs")) throw new KotodamaError(`${command}: ${path} has RoPE frequency factors (model.rope_freqs), which a run directory cannot store yet`);
  const lc = lora === undefined ? null : resolveLoraConfig(lora, weightNaming(m.config));
  if ([...m.tensors.values()].some((t) => !(t instanceof Float32Array))) log(`base: ${quantizedTypes(m)} Linear weights kept quantized (frozen); embeddings and norms in f32`);
  const init: WeightInit = lc !== null ? (g) => decoderWeightsOf(m, { graph: g, keepQuantized: true }) : copyOf(decoderWeightsOf(m));
  const { templates, fallback } = sftTemplates(m.tokenizer);
  log(`template: ${templates.source}${fallback ? " (the model has no chat template of its own)" : ""}`);
  return { m, init, lora: lc, templates, tokenizerJson: outDir === null ? null : tokenizerJsonOf(m, command) };
}

/** A fine-tuning schedule: AdamW without weight decay, linear warm-up over warmup × maxSteps then cosine decay to
 *  lr/10, gradient clipping at 1, evaluation ten times a run over the whole held-out set (valN items). */
export function finetuneTrainConfig(command: string, o: { lr: number; maxSteps: number; warmup: number; batchSize: number; valN: number; seed: number }): TrainConfig {
  const { lr, maxSteps, batchSize: B } = o;
  return validateTrainConfig(
    {
      lr, minLr: lr / 10, warmupSteps: Math.floor(o.warmup * maxSteps), maxSteps, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: 1,
      batchSize: B, gradAccum: 1, evalInterval: Math.max(1, Math.floor(maxSteps / 10)), evalBatches: Math.ceil(o.valN / B),
      checkpointInterval: Math.max(1, Math.min(50, Math.floor(maxSteps / 10))), seed: o.seed,
    },
    command,
  );
}
