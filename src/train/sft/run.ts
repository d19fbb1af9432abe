// An SFT run: a pretrained model (GGUF, Hugging Face folder or run directory) fine-tuned in full on instruction
// data with the loss on responses only, through the pretraining loop (loop.ts) with the model's weights as the
// initialiser and example batches; the run directory matches `train`'s plus tokenizer_config.json holding the
// chat template the examples were rendered with, so `kotodama chat RUN` talks in the trained format.
// LoRA on a quantized GGUF base keeps its Linear weights quantized (finetune.ts openBase, tensor/linearQ.ts).
// Not here: flag parsing (cli/commands/sft.ts), the adapters' math (nn/lora.ts), packing (batches.ts).
import type { ModelConfig } from "../../models/index.js";
import { hfTokenizerConfig, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import type { RunConfig, TrainConfig } from "../config.js";
import { train, type TrainResult } from "../loop.js";
import { baseIdentity, finetuneTrainConfig, loraAdapt, openBase, sha256File, type FinetuneRunOptions, type FinetuneSettings } from "../finetune.js";
import { packRows, sftBatchSource } from "./batches.js";
import { encodeExamples, type SftRow } from "./examples.js";
import { readSftFile, type SftExample, type SftFile, type SftFormat } from "./formats.js";

/** Settings a user may give; everything else is derived (sftTrainConfig). */
export interface SftSettings extends FinetuneSettings {
  readonly sniShots?: number;
  /** Pack consecutive examples into rows of the context, each attending only within itself (default: one per row). */
  readonly pack?: boolean;
}

export interface SftOptions extends FinetuneRunOptions {
  readonly model: string;
  readonly data: readonly string[];
  /** Held-out files; default: every 10th example (or, under 10 examples, the training examples themselves). */
  readonly valData?: readonly string[];
  readonly settings?: SftSettings;
}

export interface SftResult extends TrainResult {
  readonly tokenizer: Tokenizer;
  readonly trainExamples: number;
  readonly valExamples: number;
  readonly truncated: number;
  readonly dropped: number;
}

/** SFT's optimizer and schedule: 3 epochs unless maxSteps is given, 3% linear warm-up and cosine decay to lr/10
 *  (Stanford Alpaca's recipe), no weight decay, evaluation ten times a run over the whole held-out set. */
export function sftTrainConfig(s: SftSettings, trainN: number, valN: number): TrainConfig {
  const B = s.batchSize ?? 4;
  // LoRA's adapters start at zero and move a low-rank update: 10× full fine-tuning's rate, as PEFT's examples use.
  const lr = s.lr ?? (s.lora !== undefined ? 2e-4 : 2e-5);
  const maxSteps = s.maxSteps ?? Math.max(1, Math.ceil((3 * trainN) / B));
  return finetuneTrainConfig("sft", { lr, maxSteps, warmup: 0.03, batchSize: B, valN, seed: s.seed ?? 1337 });
}

/** Splits examples into train and held-out ones (every 10th held out when there are at least 10). */
function holdOut(all: readonly SftExample[]): { train: SftExample[]; val: SftExample[]; note: string } {
  if (all.length < 10) return { train: [...all], val: [...all], note: "fewer than 10 examples: evaluating on the training examples" };
  return { train: all.filter((_, i) => i % 10 !== 9), val: all.filter((_, i) => i % 10 === 9), note: "every 10th example held out for evaluation" };
}

export function runSft(o: SftOptions): SftResult {
  const log = o.log ?? ((): void => {});
  const s = o.settings ?? {};
  const overflow = s.overflow ?? "truncate";
  const seed = s.seed ?? 1337;
  const { m, init, lora: lc, templates, tokenizerJson: tokJson } = openBase("sft", o.model, s.lora, o.outDir, log);
  const tok = m.tokenizer;

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
  const fmt = (f: SftFile): { path: string; sha256: string; format: SftFormat; examples: number } => ({ path: f.path, sha256: sha256File(f.path), format: f.format, examples: f.examples.length });
  const configJson = `${JSON.stringify(
    {
      kind: "sft",
      base: baseIdentity(m),
      model,
      train: tc,
      sft: {
        data: files.map(fmt),
        valData: (o.valData ?? []).map((p) => ({ path: p, sha256: sha256File(p) })),
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
  const adapt = lc === null ? undefined : loraAdapt(m, lc, seed, log);
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
    ...(o.minSteps !== undefined ? { minSteps: o.minSteps } : {}),
    ...(o.stopAfterStep !== undefined ? { stopAfterStep: o.stopAfterStep } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });
  return { ...res, tokenizer: tok, trainExamples: tr.rows.length, valExamples: va.rows.length, truncated: tr.truncated, dropped: tr.dropped };
}
