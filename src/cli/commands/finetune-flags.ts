// The flags every fine-tuning command shares (`sft`, `align`): steps, learning rate, batch, context and overflow,
// time budget, seed, threads and LoRA, in one flag spec and one parser, so both commands read them alike.
// Not here: a command's own flags (its data, --pack, --beta), or any training (src/train).
import { intFlag, numberFlag, type Parsed } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import type { FinetuneSettings } from "../../train/finetune.js";
import { parseDuration } from "./train.js";

export const FINETUNE_FLAGS = {
  "max-steps": { type: "string" },
  lr: { type: "string" },
  "batch-size": { type: "string" },
  context: { type: "string" },
  "drop-long": { type: "boolean" },
  "time-budget": { type: "string" },
  seed: { type: "string" },
  "lora-rank": { type: "string" },
  "lora-alpha": { type: "string" },
  "lora-dropout": { type: "string" },
  "lora-targets": { type: "string" },
  threads: { type: "string" },
  json: { type: "boolean" },
} as const;

/** Help lines of the LoRA companions, threads and --json, the same in both commands. */
export const FINETUNE_HELP_TAIL = [
  "  --lora-alpha A      LoRA scaling numerator, update = (A/R)·B·A (default 2R)",
  "  --lora-dropout P    dropout on the adapters' input while training (default 0)",
  "  --lora-targets L    comma-separated modules (default q_proj,v_proj; GPT-2: c_attn)",
  "  --threads N         compute threads (default: all cores)",
  "  --json              print the final summary as JSON",
] as const;

/** --lora-rank R and its companions as resolveLoraConfig's input, or undefined for full fine-tuning. */
function loraFlags(cmd: string, values: Parsed["values"]): Readonly<Record<string, unknown>> | undefined {
  const rank = values["lora-rank"] === undefined ? undefined : intFlag(cmd, "lora-rank", values["lora-rank"], 0, 1, 4096);
  for (const k of ["lora-alpha", "lora-dropout", "lora-targets"] as const) {
    if (values[k] !== undefined && rank === undefined) throw new KotodamaError(`kotodama ${cmd}: --${k} needs --lora-rank R`);
  }
  return rank === undefined ? undefined : {
    rank,
    alpha: values["lora-alpha"] === undefined ? 2 * rank : numberFlag(cmd, "lora-alpha", values["lora-alpha"], 0, 1e-9, 1e9),
    dropout: values["lora-dropout"] === undefined ? 0 : numberFlag(cmd, "lora-dropout", values["lora-dropout"], 0, 0, 0.99),
    ...(typeof values["lora-targets"] === "string" ? { targets: values["lora-targets"].split(",").map((x) => x.trim()).filter((x) => x !== "") } : {}),
  };
}

/** Reads FINETUNE_FLAGS' values: the run settings, the time budget and the thread count. */
export function finetuneFlags(cmd: string, values: Parsed["values"]): { settings: FinetuneSettings; budget?: number; threads?: number } {
  const lora = loraFlags(cmd, values);
  const settings: FinetuneSettings = {
    ...(values["max-steps"] !== undefined ? { maxSteps: intFlag(cmd, "max-steps", values["max-steps"], 0, 1) } : {}),
    ...(values.seed !== undefined ? { seed: intFlag(cmd, "seed", values.seed, 0, 0) } : {}),
    ...(values.lr !== undefined ? { lr: numberFlag(cmd, "lr", values.lr, 0, 1e-12, 10) } : {}),
    ...(values["batch-size"] !== undefined ? { batchSize: intFlag(cmd, "batch-size", values["batch-size"], 0, 1, 4096) } : {}),
    ...(values.context !== undefined ? { context: intFlag(cmd, "context", values.context, 0, 2) } : {}),
    overflow: values["drop-long"] === true ? "drop" : "truncate",
    ...(lora !== undefined ? { lora } : {}),
  };
  return {
    settings,
    ...(typeof values["time-budget"] === "string" ? { budget: parseDuration("time-budget", values["time-budget"]) } : {}),
    ...(values.threads !== undefined ? { threads: intFlag(cmd, "threads", values.threads, 1, 1, 256) } : {}),
  };
}
