// An SFT run: a pretrained model (GGUF, Hugging Face folder or run directory) fine-tuned in full on instruction
// data with the loss on responses only, through the pretraining loop (loop.ts) with the model's weights as the
// initialiser and example batches; the run directory matches `train`'s plus tokenizer_config.json holding the
// chat template the examples were rendered with, so `kotodama chat RUN` talks in the trained format.
// LoRA on a quantized GGUF base keeps its Linear weights quantized (models/load.ts keepQuantized, tensor/linearQ.ts).
// Not here: flag parsing (cli/commands/sft.ts), the adapters' math (nn/lora.ts), packing (batches.ts).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../../engine/ops.js";
import { decoderWeightsOf, loadModel, type LoadedModel } from "../../models/load.js";
import { initDecoderWeights, namedWeights, topNames, type ModelConfig } from "../../models/index.js";
import { ByteLevelBpe, hfTokenizerConfig, hfTokenizerJson, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { validateTrainConfig, type RunConfig, type TrainConfig } from "../config.js";
import { train, type Progress, type Trainable, type TrainResult, type WeightInit } from "../loop.js";
import { attachLora, mergeLora, resolveLoraConfig } from "../../models/lora.js";
import { writePeftAdapter } from "../../models/lora-peft.js";
import { writeLoraGguf } from "../../models/lora-gguf.js";
import { weightNaming } from "../../models/config.js";
import type { DecoderWeights, NamedWeight } from "../../models/index.js";
import type { Graph } from "../../tensor/index.js";
import { Rng } from "../../util/rng.js";
import { packRows, sftBatchSource } from "./batches.js";
import { encodeExamples, type Overflow, type SftRow } from "./examples.js";
import { readSftFile, type SftExample, type SftFile, type SftFormat } from "./formats.js";
import { sftTemplates } from "./template.js";

/** Settings a user may give; everything else is derived (sftTrainConfig). */
export interface SftSettings {
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  /** Longest row in tokens; default min(model context, 1024). */
  readonly context?: number;
  readonly overflow?: Overflow;
  readonly sniShots?: number;
  /** Pack consecutive examples into rows of the context, each attending only within itself (default: one per row). */
  readonly pack?: boolean;
  /** LoRA instead of full fine-tuning (models/lora.ts resolveLoraConfig keys: rank, alpha, dropout, targets). */
  readonly lora?: Readonly<Record<string, unknown>>;
}

export interface SftOptions {
  readonly model: string;
  readonly data: readonly string[];
  /** Held-out files; default: every 10th example (or, under 10 examples, the training examples themselves). */
  readonly valData?: readonly string[];
  readonly outDir: string | null;
  readonly settings?: SftSettings;
  readonly backend: Backend;
  readonly timeBudgetS?: number;
  /** Stop after this step without changing the schedule (tests: as if killed after its checkpoint). */
  readonly stopAfterStep?: number;
  readonly onProgress?: (p: Progress) => void;
  readonly log?: (line: string) => void;
}

export interface SftResult extends TrainResult {
  readonly tokenizer: Tokenizer;
  readonly trainExamples: number;
  readonly valExamples: number;
  readonly truncated: number;
  readonly dropped: number;
}

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The base model's identity for config.json: a file's hash, or a folder's weights file hash. */
function baseIdentity(m: LoadedModel): { path: string; format: string; sha256: string } {
  const weights = statSync(m.path).isDirectory() ? join(m.path, "model.safetensors") : m.path;
  return { path: m.path, format: m.format, sha256: existsSync(weights) ? sha256(weights) : "" };
}

/** SFT's optimizer and schedule: 3 epochs unless maxSteps is given, 3% linear warm-up and cosine decay to lr/10
 *  (Stanford Alpaca's recipe), no weight decay, evaluation ten times a run over the whole held-out set. */
export function sftTrainConfig(s: SftSettings, trainN: number, valN: number): TrainConfig {
  const B = s.batchSize ?? 4;
  // LoRA's adapters start at zero and move a low-rank update: 10× full fine-tuning's rate, as PEFT's examples use.
  const lr = s.lr ?? (s.lora !== undefined ? 2e-4 : 2e-5);
  const maxSteps = s.maxSteps ?? Math.max(1, Math.ceil((3 * trainN) / B));
  return validateTrainConfig(
    {
      lr, minLr: lr / 10, warmupSteps: Math.floor(0.03 * maxSteps), maxSteps, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: 1,
      batchSize: B, gradAccum: 1, evalInterval: Math.max(1, Math.floor(maxSteps / 10)), evalBatches: Math.ceil(valN / B),
      checkpointInterval: Math.max(1, Math.min(50, Math.floor(maxSteps / 10))), seed: s.seed ?? 1337,
    },
    "sft",
  );
}

/** tokenizer.json for the run directory: the base's own file when it has one, else written from the vocabulary. */
function tokenizerJsonOf(m: LoadedModel): string {
  const own = join(m.path, "tokenizer.json");
  if (statSync(m.path).isDirectory() && existsSync(own)) return readFileSync(own, "utf8");
  if (m.tokenizer instanceof ByteLevelBpe) return hfTokenizerJson(m.tokenizer);
  throw new KotodamaError(`sft: ${m.path}: its ${m.tokenizer.kind} tokenizer cannot be stored as tokenizer.json yet, so the run directory could not be loaded; convert the model to a Hugging Face folder first`);
}

/** Splits examples into train and held-out ones (every 10th held out when there are at least 10). */
function holdOut(all: readonly SftExample[]): { train: SftExample[]; val: SftExample[]; note: string } {
  if (all.length < 10) return { train: [...all], val: [...all], note: "fewer than 10 examples: evaluating on the training examples" };
  return { train: all.filter((_, i) => i % 10 !== 9), val: all.filter((_, i) => i % 10 === 9), note: "every 10th example held out for evaluation" };
}

/** "Q4_K ×120, Q6_K ×24"-style summary of the quantized dtypes of a model's Linear weights (the embedding tables
 *  are dequantized for training, so they are left out). */
function quantizedTypes(dtypes: ReadonlyMap<string, string>, config: ModelConfig): string {
  const top = topNames(weightNaming(config));
  const tables = new Set([top.tokEmb, top.posEmb, top.lmHead]);
  const n = new Map<string, number>();
  for (const [name, d] of dtypes) if (/^Q\d/.test(d) && !tables.has(name)) n.set(d, (n.get(d) ?? 0) + 1);
  return [...n].map(([d, k]) => `${d} ×${k}`).join(", ");
}

export function runSft(o: SftOptions): SftResult {
  const log = o.log ?? ((): void => {});
  const s = o.settings ?? {};
  const overflow = s.overflow ?? "truncate";
  const seed = s.seed ?? 1337;
  // LoRA keeps a quantized base quantized (frozen Linears read by quantMatmul; the adapters train in f32); full
  // fine-tuning needs f32 weights to update, so a quantized base is dequantized for it.
  const m = loadModel(o.model, { keepQuantized: s.lora !== undefined });
  const quantized = [...m.tensors.values()].some((t) => !(t instanceof Float32Array));
  const tok = m.tokenizer;
  if (m.tensors.has("model.rope_freqs")) throw new KotodamaError(`sft: ${o.model} has RoPE frequency factors (model.rope_freqs), which a run directory cannot store yet`);
  const lc = s.lora === undefined ? null : resolveLoraConfig(s.lora, weightNaming(m.config));
  // LoRA builds its frozen base straight on the loop's graph from the loaded tensors (quantized Linears shared with
  // them, not copied); full fine-tuning copies every weight into a freshly initialised model.
  const base = lc !== null ? null : decoderWeightsOf(m);
  if (quantized) log(`base: ${quantizedTypes(m.dtypes, m.config)} Linear weights kept quantized (frozen); embeddings and norms in f32`);
  const { templates, fallback } = sftTemplates(tok);
  log(`template: ${templates.source}${fallback ? " (the model has no chat template of its own)" : ""}`);
  const tokJson = o.outDir === null ? null : tokenizerJsonOf(m);

  if (o.data.length === 0) throw new KotodamaError("sft: no data given (--data FILE ...)");
  const read = (paths: readonly string[]): SftFile[] => paths.map((p) => readSftFile(p, { sniShots: s.sniShots ?? 2, seed }));
  const files = read(o.data);
  const all = files.flatMap((f) => f.examples);
  const split = o.valData !== undefined && o.valData.length > 0 ? { train: all, val: read(o.valData).flatMap((f) => f.examples), note: "held-out files given" } : holdOut(all);
  log(`data: ${files.map((f) => `${f.path} (${f.format}, ${f.examples.length} examples)`).join(", ")}; ${split.note}`);

  const T = Math.min(s.context ?? Math.min(1024, m.config.context), m.config.context);
  if (s.context !== undefined && s.context > m.config.context) throw new KotodamaError(`sft: --context ${s.context} exceeds the model's context ${m.config.context}`);
  const tr = encodeExamples(tok, split.train, { templates, context: T, overflow });
  const va = encodeExamples(tok, split.val, { templates, context: T, overflow });
  if (tr.truncated + tr.dropped > 0) log(`context ${T}: ${tr.truncated} training examples truncated, ${tr.dropped} dropped (overflow: ${overflow})`);
  // Padded rows need be no longer than the longest example; packed rows fill the context.
  const pack = s.pack === true;
  const seqLen = pack ? T : Math.max(...tr.rows.map((r) => r.inputs.length), ...va.rows.map((r) => r.inputs.length));
  const model: ModelConfig = m.config;
  // The schedule counts rows: with packing an epoch is its packed rows.
  const nRows = (rows: readonly SftRow[]): number => (pack ? packRows(rows, rows.map((_, i) => i), T).length : rows.length);
  const tc = sftTrainConfig(s, nRows(tr.rows), nRows(va.rows));
  // preset only names the pretraining defaults; an SFT run writes its own config.json and plot title.
  const run: RunConfig = { preset: "default", model, train: tc };
  const fmt = (f: SftFile): { path: string; sha256: string; format: SftFormat; examples: number } => ({ path: f.path, sha256: sha256(f.path), format: f.format, examples: f.examples.length });
  const configJson = `${JSON.stringify(
    {
      kind: "sft",
      base: baseIdentity(m),
      model,
      train: tc,
      sft: {
        data: files.map(fmt),
        valData: (o.valData ?? []).map((p) => ({ path: p, sha256: sha256(p) })),
        template: templates.source,
        lora: lc,
        context: T,
        seqLen,
        overflow,
        pack,
        sniShots: s.sniShots ?? 2,
        seed,
        trainExamples: tr.rows.length,
        valExamples: va.rows.length,
        truncated: tr.truncated,
        dropped: tr.dropped,
        lossTokens: tr.lossTokens,
      },
    },
    null,
    2,
  )}\n`;
  const init: WeightInit = (g, c, rng) => {
    if (base === null) return decoderWeightsOf(m, { graph: g, keepQuantized: true });
    const w = initDecoderWeights(g, c, rng);
    const src = new Map(namedWeights(base).map((n) => [n.name, n.tensor.data]));
    for (const n of namedWeights(w)) n.tensor.data.set(src.get(n.name)!);
    return w;
  };
  const adapt = lc === null ? undefined : (g: Graph, w: DecoderWeights, rng: Rng): Trainable => {
    const dropoutRng = lc.dropout > 0 ? new Rng(seed + 7919) : null;
    const lw = attachLora(g, w, lc, { rng, ...(dropoutRng === null ? {} : { dropoutRng }) });
    const params: NamedWeight[] = lw.adapters.flatMap((a) => [
      { name: `${a.name}.lora_A`, tensor: a.adapter.a, hfTransposed: false, decay: true },
      { name: `${a.name}.lora_B`, tensor: a.adapter.b, hfTransposed: false, decay: true },
    ]);
    let warned = false;
    return {
      weights: lw.weights, params, saved: () => mergeLora(lw),
      setTraining: (on) => void (lw.dropout.rng = on ? dropoutRng : null),
      onCheckpoint: (dir) => {
        writePeftAdapter(join(dir, "adapter"), m.family, model, lw, o.model);
        try {
          writeLoraGguf(join(dir, "adapter.gguf"), m.family, model, lw);
        } catch (e) {
          if (!warned) log(`adapter.gguf not written: ${(e as Error).message}`);
          warned = true;
        }
      },
    };
  };
  const batches = sftBatchSource({
    train: tr.rows, val: va.rows, seqLen, vocabSize: tok.vocabSize,
    description: `${tr.rows.length} train / ${va.rows.length} val examples, ${tr.lossTokens} response tokens`,
    layout: { kind: pack ? "pack" : "pad" },
  });
  log(`examples: ${batches.description}${pack ? "" : `; rows padded to ${seqLen} tokens`}`);
  const res = train({
    run, batches, backend: o.backend, outDir: o.outDir, init, configJson, title: `sft${lc === null ? "" : ` (LoRA r${lc.rank})`}: loss on response tokens`,
    ...(adapt === undefined ? {} : { adapt }),
    tokenizerJson: tokJson,
    extraFiles: new Map([["tokenizer_config.json", `${JSON.stringify(hfTokenizerConfig(tok, templates), null, 2)}\n`]]),
    ...(o.timeBudgetS !== undefined ? { timeBudgetS: o.timeBudgetS } : {}),
    ...(o.stopAfterStep !== undefined ? { stopAfterStep: o.stopAfterStep } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });
  return { ...res, tokenizer: tok, trainExamples: tr.rows.length, valExamples: va.rows.length, truncated: tr.truncated, dropped: tr.dropped };
}
