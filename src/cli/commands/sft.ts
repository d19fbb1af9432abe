// `kotodama sft`: parses flags, fine-tunes a model on instruction data (src/train/sft) with the same progress line
// as `train`, prints a summary. Not here: any training logic, data formats or templates (src/train/sft).
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { runSft, type SftSettings } from "../../train/sft/index.js";
import { KotodamaError } from "../../util/errors.js";
import { progressPrinter } from "./train.js";
import { FINETUNE_FLAGS, FINETUNE_HELP_TAIL, finetuneFlags } from "./finetune-flags.js";

const HELP = [
  "Usage: kotodama sft --model RUN_OR_FILE --data FILE... --out DIR [flags]",
  "",
  "Fine-tunes every weight of a model on instruction data with the loss on the responses only, and writes a run",
  "directory like `kotodama train` (config.json with the data files' sha256, tokenizer.json, tokenizer_config.json",
  "with the chat template, model.safetensors, checkpoint.safetensors, metrics.jsonl, loss.svg) that",
  "`kotodama generate` and `kotodama chat` load. Re-running with the same --out and settings resumes.",
  "",
  "Data (JSON Lines, one example a line; the format is detected per file):",
  "  {\"instruction\", \"input\", \"output\"}           Alpaca",
  "  {\"messages\": [{\"role\", \"content\"}, ...]}      chat, multi-turn, optional first system message",
  "  {\"prompt\", \"completion\"}",
  "  a Super-NaturalInstructions task file (one JSON object: Definition, Positive Examples, Instances)",
  "Examples are rendered with the model's chat template (kotodama's for a kotodama vocabulary; a plain",
  "'### User:' / '### Assistant:' template for a model without one).",
  "",
  "Flags:",
  "  --model PATH        a kotodama run directory, a GGUF file or a Hugging Face folder",
  "  --data FILE         training data; repeatable",
  "  --val-data FILE     held-out data (default: every 10th example; under 10 examples, the training ones)",
  "  --out DIR           run directory",
  "  --max-steps N       optimizer steps (default: 3 epochs)",
  "  --lr X              peak learning rate (default 2e-5; cosine to lr/10 after 3% warm-up)",
  "  --batch-size B      examples per step, one per row (default 4)",
  "  --context T         longest example in tokens (default: the model's context, at most 1024)",
  "  --drop-long         leave out examples longer than the context (default: truncate them, counted in the log)",
  "  --pack              pack consecutive examples into rows of the context; each attends only within itself",
  "                      (document-masked attention) with positions restarting per example",
  "  --sni-shots K       positive examples shown before each SNI instance (default 2)",
  "  --time-budget T     stop after T of training (e.g. 90s, 10m, 1h)",
  "  --seed S            seed of the SNI sampling and the run (default 1337)",
  "  --lora-rank R       LoRA instead of full fine-tuning: rank-R adapters on a frozen base (default lr 2e-4);",
  "                      the run directory gets the merged model plus adapter/ (PEFT) and adapter.gguf (llama.cpp);",
  "                      a GGUF base's Q8_0/Q4_0/Q4_K/Q6_K matrices stay quantized (the merged model is f32)",
  ...FINETUNE_HELP_TAIL,
].join("\n");

export const sftCommand: Command = {
  name: "sft",
  summary: "fine-tune a model on instruction data (loss on responses only)",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(
      "sft",
      argv,
      {
        model: { type: "string" },
        data: { type: "string", multiple: true },
        "val-data": { type: "string", multiple: true },
        out: { type: "string" },
        pack: { type: "boolean" },
        "sni-shots": { type: "string" },
        ...FINETUNE_FLAGS,
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama sft: unexpected argument '${positionals[0]}' (data goes after --data)`);
    const { settings: common, budget, threads } = finetuneFlags("sft", values);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama sft: --model RUN_OR_FILE is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama sft: --out DIR is required");
    const data = (values.data as string[] | undefined) ?? [];
    if (data.length === 0) throw new KotodamaError("kotodama sft: no data given (--data FILE ...)");
    const settings: SftSettings = {
      ...common,
      ...(values["sni-shots"] !== undefined ? { sniShots: intFlag("sft", "sni-shots", values["sni-shots"], 0, 0, 64) } : {}),
      ...(values.pack === true ? { pack: true } : {}),
    };
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const res = runSft({
      model: values.model,
      data,
      ...(values["val-data"] !== undefined ? { valData: values["val-data"] as string[] } : {}),
      outDir: values.out,
      settings,
      backend: loadBackend(threads === undefined ? {} : { threads }),
      ...(budget !== undefined ? { timeBudgetS: budget } : {}),
      onProgress: progressPrinter(),
      log,
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const summary = {
      run_dir: values.out, steps: res.steps, max_steps: res.maxSteps, train_loss: res.lastLoss, val_loss: res.lastValLoss,
      train_examples: res.trainExamples, val_examples: res.valExamples, truncated: res.truncated, dropped: res.dropped,
    };
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`run: ${values.out}\nsteps: ${res.steps}/${res.maxSteps}  response loss ${res.lastLoss.toFixed(4)}  val ${res.lastValLoss?.toFixed(4) ?? "-"}\n`);
    return 0;
  },
};
