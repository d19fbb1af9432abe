// `kotodama align`: parses flags, trains a model on preference pairs (src/train/dpo) with the same progress line
// as `train` (plus DPO's margin and accuracy), prints a summary. PPO and GRPO are named but not built yet.
// Not here: any training logic (src/train/dpo), the pair format (src/data/prefs/format.ts).
import type { Command } from "../command.js";
import { numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { DPO_DEFAULTS, runDpo, type DpoSettings } from "../../train/dpo/index.js";
import { KotodamaError } from "../../util/errors.js";
import { FINETUNE_FLAGS, FINETUNE_HELP_TAIL, finetuneFlags } from "./finetune-flags.js";
import { progressPrinter } from "./train.js";

const METHODS = ["dpo", "ppo", "grpo"] as const;

const HELP = [
  "Usage: kotodama align --method dpo --model RUN_OR_FILE --prefs FILE --out DIR [flags]",
  "",
  "Aligns a model with preference pairs by Direct Preference Optimization (docs/alignment.md): the loss",
  "−log σ(β((πc − rc) − (πr − rr))) on the summed log-probabilities of the chosen and rejected answers (answer",
  "tokens only, rendered with the model's chat template), against the starting model as the frozen reference,",
  "whose log-probabilities are computed once and cached in DIR. Writes a run directory like `kotodama sft`",
  "(model.safetensors, checkpoints, metrics.jsonl with margins and accuracy, loss.svg, margins.svg) and",
  "DIR/eval.json: the held-out preference accuracy under the implicit reward and the mean margin.",
  "Re-running with the same --out and settings resumes (the reference cache is reused).",
  "",
  "Pairs (JSON Lines): {\"prompt\" | \"messages\", \"chosen\", \"rejected\"} as written by `kotodama data prefs` and",
  "`kotodama label`; ties and skips are not trained on.",
  "",
  "Flags:",
  "  --method M          dpo (ppo and grpo are not built yet)",
  "  --model PATH        a kotodama run directory, a GGUF file or a Hugging Face folder",
  "  --prefs FILE        training pairs",
  "  --val-prefs FILE    held-out pairs (default: heldout.jsonl beside a --prefs named train.jsonl, else every",
  "                      10th pair)",
  "  --out DIR           run directory",
  `  --beta B            DPO's β (default ${DPO_DEFAULTS.beta})`,
  "  --max-steps N       optimizer steps (default: one epoch)",
  `  --lr X              peak learning rate (default ${DPO_DEFAULTS.lr}, LoRA ${DPO_DEFAULTS.loraLr}; cosine to lr/10 after 10% warm-up)`,
  `  --batch-size B      pairs per step, two rows each (default ${DPO_DEFAULTS.batchSize})`,
  "  --context T         longest row in tokens (default: the model's context, at most 1024)",
  "  --drop-long         leave out pairs longer than the context (default: truncate them, counted in the log)",
  "  --time-budget T     stop after T of training (e.g. 90s, 10m, 1h)",
  "  --seed S            seed of the run (default 1337)",
  "  --lora-rank R       LoRA instead of full fine-tuning: rank-R adapters on a frozen base; the run directory",
  "                      gets the merged model plus adapter/ (PEFT) and adapter.gguf (llama.cpp)",
  ...FINETUNE_HELP_TAIL,
].join("\n");

export const alignCommand: Command = {
  name: "align",
  summary: "align a model with preference pairs (DPO)",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(
      "align",
      argv,
      {
        method: { type: "string" },
        model: { type: "string" },
        prefs: { type: "string" },
        "val-prefs": { type: "string" },
        out: { type: "string" },
        beta: { type: "string" },
        ...FINETUNE_FLAGS,
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama align: unexpected argument '${positionals[0]}'`);
    const method = values.method;
    if (typeof method !== "string" || !(METHODS as readonly string[]).includes(method)) throw new KotodamaError(`kotodama align: --method expects one of ${METHODS.join(", ")}, got ${JSON.stringify(method ?? null)}`);
    if (method !== "dpo") throw new KotodamaError(`kotodama align: --method ${method} is not built yet (it arrives with a later step of issue #11); use --method dpo`);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama align: --model RUN_OR_FILE is required");
    if (typeof values.prefs !== "string") throw new KotodamaError("kotodama align: --prefs FILE is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama align: --out DIR is required");
    const { settings: common, budget, threads } = finetuneFlags("align", values);
    const settings: DpoSettings = { ...common, ...(values.beta !== undefined ? { beta: numberFlag("align", "beta", values.beta, 0, 1e-6, 1e3) } : {}) };
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const res = runDpo({
      model: values.model,
      prefs: values.prefs,
      ...(typeof values["val-prefs"] === "string" ? { valPrefs: values["val-prefs"] } : {}),
      outDir: values.out,
      settings,
      backend: loadBackend(threads === undefined ? {} : { threads }),
      ...(budget !== undefined ? { timeBudgetS: budget } : {}),
      onProgress: progressPrinter(),
      log,
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const summary = {
      run_dir: values.out, method, steps: res.steps, max_steps: res.maxSteps, train_loss: res.lastLoss, val_loss: res.lastValLoss,
      train_pairs: res.trainPairs, val_pairs: res.valPairs, truncated: res.truncated, dropped: res.dropped,
      heldout_accuracy: res.heldOut.accuracy, heldout_mean_margin: res.heldOut.meanMargin, reference_cached: res.referenceCached,
    };
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`run: ${values.out}\nsteps: ${res.steps}/${res.maxSteps}  DPO loss ${res.lastLoss.toFixed(4)}  val ${res.lastValLoss?.toFixed(4) ?? "-"}\nheld-out pairs: accuracy ${(100 * res.heldOut.accuracy).toFixed(1)} %  mean margin ${res.heldOut.meanMargin.toFixed(4)} (${res.heldOut.pairs} pairs)\n`);
    return 0;
  },
};
