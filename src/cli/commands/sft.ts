// `kotodama sft`: parses flags, fine-tunes a model on instruction data (src/train/sft) with the same progress line
// as `train`, prints a summary. Not here: any training logic, data formats or templates (src/train/sft).
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { runSft, type SftSettings } from "../../train/sft/index.js";
import { KotodamaError } from "../../util/errors.js";
import { parseDuration, progressPrinter } from "./train.js";

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
  "  --lora-alpha A      LoRA scaling numerator, update = (A/R)·B·A (default 2R)",
  "  --lora-dropout P    dropout on the adapters' input while training (default 0)",
  "  --lora-targets L    comma-separated modules (default q_proj,v_proj; GPT-2: c_attn)",
  "  --threads N         compute threads (default: all cores)",
  "  --json              print the final summary as JSON",
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
        "max-steps": { type: "string" },
        lr: { type: "string" },
        "batch-size": { type: "string" },
        context: { type: "string" },
        "drop-long": { type: "boolean" },
        pack: { type: "boolean" },
        "sni-shots": { type: "string" },
        "time-budget": { type: "string" },
        seed: { type: "string" },
        "lora-rank": { type: "string" },
        "lora-alpha": { type: "string" },
        "lora-dropout": { type: "string" },
        "lora-targets": { type: "string" },
        threads: { type: "string" },
        json: { type: "boolean" },
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama sft: unexpected argument '${positionals[0]}' (data goes after --data)`);
    const rank = values["lora-rank"] === undefined ? undefined : intFlag("sft", "lora-rank", values["lora-rank"], 0, 1, 4096);
    for (const k of ["lora-alpha", "lora-dropout", "lora-targets"] as const) {
      if (values[k] !== undefined && rank === undefined) throw new KotodamaError(`kotodama sft: --${k} needs --lora-rank R`);
    }
    const lora = rank === undefined ? undefined : {
      rank,
      alpha: values["lora-alpha"] === undefined ? 2 * rank : numberFlag("sft", "lora-alpha", values["lora-alpha"], 0, 1e-9, 1e9),
      dropout: values["lora-dropout"] === undefined ? 0 : numberFlag("sft", "lora-dropout", values["lora-dropout"], 0, 0, 0.99),
      ...(typeof values["lora-targets"] === "string" ? { targets: values["lora-targets"].split(",").map((x) => x.trim()).filter((x) => x !== "") } : {}),
    };
    if (typeof values.model !== "string") throw new KotodamaError("kotodama sft: --model RUN_OR_FILE is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama sft: --out DIR is required");
    const data = (values.data as string[] | undefined) ?? [];
    if (data.length === 0) throw new KotodamaError("kotodama sft: no data given (--data FILE ...)");
    const settings: SftSettings = {
      ...(values["max-steps"] !== undefined ? { maxSteps: intFlag("sft", "max-steps", values["max-steps"], 0, 1) } : {}),
      ...(values.seed !== undefined ? { seed: intFlag("sft", "seed", values.seed, 0, 0) } : {}),
      ...(values.lr !== undefined ? { lr: numberFlag("sft", "lr", values.lr, 0, 1e-12, 10) } : {}),
      ...(values["batch-size"] !== undefined ? { batchSize: intFlag("sft", "batch-size", values["batch-size"], 0, 1, 4096) } : {}),
      ...(values.context !== undefined ? { context: intFlag("sft", "context", values.context, 0, 2) } : {}),
      ...(values["sni-shots"] !== undefined ? { sniShots: intFlag("sft", "sni-shots", values["sni-shots"], 0, 0, 64) } : {}),
      overflow: values["drop-long"] === true ? "drop" : "truncate",
      ...(values.pack === true ? { pack: true } : {}),
      ...(lora !== undefined ? { lora } : {}),
    };
    const budget = typeof values["time-budget"] === "string" ? parseDuration("time-budget", values["time-budget"]) : undefined;
    const threads = values.threads === undefined ? undefined : intFlag("sft", "threads", values.threads, 1, 1, 256);
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
