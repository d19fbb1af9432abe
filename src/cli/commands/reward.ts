// `kotodama reward train`: parses flags, trains a reward model on preference pairs (src/train/reward) with the
// same progress line as `train`, prints a summary with the held-out accuracy against the baselines.
// Not here: any training logic (src/train/reward), the pair format (src/data/prefs/format.ts).
import type { Command } from "../command.js";
import { parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { REWARD_DEFAULTS, runReward } from "../../train/reward/index.js";
import { KotodamaError } from "../../util/errors.js";
import { FINETUNE_FLAGS, FINETUNE_HELP_TAIL, finetuneFlags } from "./finetune-flags.js";
import { progressPrinter } from "./train.js";

const HELP = [
  "Usage: kotodama reward train --model RUN_OR_FILE --prefs FILE --out DIR [flags]",
  "",
  "Trains a reward model (docs/alignment.md): the model with a scalar head on the last token of the answer",
  "(Hugging Face's score.weight), rendered with the model's chat template, trained with the Bradley–Terry loss",
  "−log σ(r_chosen − r_rejected). Writes a run directory like `kotodama sft` plus head.safetensors, head.json,",
  "eval.json (held-out accuracy per source, calibration, and the baselines: the longer answer and the starting",
  "model's log-probability) and calibration.svg. Re-running with the same --out and settings resumes.",
  "",
  "Flags:",
  "  --model PATH        a kotodama run directory (usually an SFT run), a GGUF file or a Hugging Face folder",
  "  --prefs FILE        training pairs (JSON Lines {prompt | messages, chosen, rejected})",
  "  --val-prefs FILE    held-out pairs (default: heldout.jsonl beside a --prefs named train.jsonl, else every",
  "                      10th pair)",
  "  --out DIR           run directory",
  "  --max-steps N       optimizer steps (default: one epoch)",
  `  --lr X              peak learning rate (default ${REWARD_DEFAULTS.lr}, LoRA ${REWARD_DEFAULTS.loraLr})`,
  `  --batch-size B      pairs per step, two rows each (default ${REWARD_DEFAULTS.batchSize})`,
  "  --context T         longest row in tokens (default: the model's context, at most 1024)",
  "  --drop-long         leave out pairs longer than the context (default: truncate them)",
  "  --time-budget T     stop after T of training (e.g. 90s, 10m)",
  "  --seed S            seed of the run (default 1337)",
  "  --lora-rank R       LoRA on the body instead of full fine-tuning (the head always trains)",
  ...FINETUNE_HELP_TAIL,
].join("\n");

export const rewardCommand: Command = {
  name: "reward",
  summary: "train a reward model on preference pairs (Bradley–Terry)",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "train") throw new KotodamaError(`kotodama reward: expected the subcommand 'train', got ${JSON.stringify(sub ?? null)} (kotodama reward train --help)`);
    const { values, positionals } = parseFlags(
      "reward train",
      rest,
      {
        model: { type: "string" }, prefs: { type: "string" }, "val-prefs": { type: "string" }, out: { type: "string" },
        ...FINETUNE_FLAGS,
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama reward train: unexpected argument '${positionals[0]}'`);
    for (const k of ["model", "prefs", "out"] as const) if (typeof values[k] !== "string") throw new KotodamaError(`kotodama reward train: --${k} is required`);
    const { settings, budget, threads } = finetuneFlags("reward train", values);
    const res = runReward({
      model: values.model as string, prefs: values.prefs as string,
      ...(typeof values["val-prefs"] === "string" ? { valPrefs: values["val-prefs"] } : {}),
      outDir: values.out as string, settings, backend: loadBackend(threads === undefined ? {} : { threads }),
      ...(budget !== undefined ? { timeBudgetS: budget } : {}),
      onProgress: progressPrinter(), log: (s) => void process.stderr.write(`${s}\n`),
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const h = res.heldOut;
    const summary = {
      run_dir: values.out, steps: res.steps, max_steps: res.maxSteps, train_loss: res.lastLoss, val_loss: res.lastValLoss,
      train_pairs: res.trainPairs, val_pairs: res.valPairs, heldout_accuracy: h.rewardModel.accuracy, heldout_ece: h.rewardModel.ece,
      by_source: h.rewardModel.bySource, baseline_longer: h.longerAnswer.accuracy, baseline_logprob: h.logprobSum.accuracy, baseline_logprob_per_token: h.logprobPerToken.accuracy,
    };
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
      process.stdout.write(`run: ${values.out}\nsteps: ${res.steps}/${res.maxSteps}  loss ${res.lastLoss.toFixed(4)}  val ${res.lastValLoss?.toFixed(4) ?? "-"}\n`);
      process.stdout.write(`held-out pairs (${h.rewardModel.pairs}): reward model ${pct(h.rewardModel.accuracy)} (ECE ${h.rewardModel.ece.toFixed(3)})  longer answer ${pct(h.longerAnswer.accuracy)}  log-prob ${pct(h.logprobSum.accuracy)}  per token ${pct(h.logprobPerToken.accuracy)}\n`);
      for (const [s, v] of Object.entries(h.rewardModel.bySource)) process.stdout.write(`  ${s}: ${pct(v.accuracy)} of ${v.pairs}\n`);
    }
    return 0;
  },
};
