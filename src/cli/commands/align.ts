// `kotodama align`: parses flags, aligns a model with preference pairs by DPO (src/train/dpo) or with a reward
// model by PPO or GRPO (src/train/rl), with the same progress line as `train`, and prints a summary.
// Not here: any training logic (src/train/dpo, src/train/rl), the pair format (src/data/prefs/format.ts).
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags, type Parsed } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { DPO_DEFAULTS, runDpo, type DpoSettings } from "../../train/dpo/index.js";
import type { FinetuneSettings } from "../../train/finetune.js";
import { RL_DEFAULTS, runRl, type RlSettings } from "../../train/rl/index.js";
import { KotodamaError } from "../../util/errors.js";
import { FINETUNE_FLAGS, FINETUNE_HELP_TAIL, finetuneFlags } from "./finetune-flags.js";
import { progressPrinter } from "./train.js";

const METHODS = ["dpo", "ppo", "grpo"] as const;
const RL_ONLY = ["reward", "iterations", "prompts", "group", "epochs", "kl-coef", "max-new-tokens", "temperature"] as const;

const HELP = [
  "Usage: kotodama align --method dpo --model RUN_OR_FILE --prefs FILE --out DIR [flags]",
  "       kotodama align --method ppo|grpo --model RUN_OR_FILE --prefs FILE --reward RUN --out DIR [flags]",
  "",
  "PPO and GRPO (docs/alignment.md): each iteration the policy answers --prompts prompts from --prefs (their",
  "conversations; GRPO answers each --group times) in one batched generation, the reward model (--reward, from",
  "`kotodama reward train`) scores the answers, and --epochs optimizer steps follow on PPO's clipped objective",
  "with a value head, GAE and a per-token KL penalty to the starting model (InstructGPT), or GRPO's",
  "group-normalized advantages and k3 KL term. metrics.jsonl logs reward, KL, length and entropy; rl.svg plots them.",
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
  "  --method M          dpo, ppo or grpo",
  "  --reward RUN        (ppo, grpo) the reward model's run directory",
  `  --iterations N      (ppo, grpo) rollout iterations (default ${RL_DEFAULTS.iterations})`,
  `  --prompts N         (ppo, grpo) prompts per iteration (default ${RL_DEFAULTS.prompts})`,
  `  --group G           (grpo) answers per prompt (default ${RL_DEFAULTS.group})`,
  `  --epochs K          (ppo, grpo) optimizer steps per iteration (default ${RL_DEFAULTS.epochs})`,
  `  --kl-coef B         (ppo) KL penalty in the reward (default ${RL_DEFAULTS.ppoKl}); (grpo) KL weight (default ${RL_DEFAULTS.grpoKl})`,
  `  --max-new-tokens N  (ppo, grpo) answer length cap (default ${RL_DEFAULTS.maxNewTokens})`,
  `  --temperature T     (ppo, grpo) sampling temperature of rollouts (default ${RL_DEFAULTS.temperature})`,
  "  --model PATH        a kotodama run directory, a GGUF file or a Hugging Face folder",
  "  --prefs FILE        training pairs",
  "  --val-prefs FILE    held-out pairs (default: heldout.jsonl beside a --prefs named train.jsonl, else every",
  "                      10th pair)",
  "  --out DIR           run directory",
  `  --beta B            DPO's β (default ${DPO_DEFAULTS.beta})`,
  "  --nll A             DPO: add A × the chosen answers' per-token NLL to the loss (DPO + NLL, Pang et al.",
  "                      2024; default 0 = plain DPO): keeps a small model's answers fluent as the margin grows",
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
  summary: "align a model: DPO on preference pairs, or PPO/GRPO with a reward model",
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
        nll: { type: "string" },
        reward: { type: "string" },
        iterations: { type: "string" },
        prompts: { type: "string" },
        group: { type: "string" },
        epochs: { type: "string" },
        "kl-coef": { type: "string" },
        "max-new-tokens": { type: "string" },
        temperature: { type: "string" },
        ...FINETUNE_FLAGS,
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama align: unexpected argument '${positionals[0]}'`);
    const method = values.method;
    if (typeof method !== "string" || !(METHODS as readonly string[]).includes(method)) throw new KotodamaError(`kotodama align: --method expects one of ${METHODS.join(", ")}, got ${JSON.stringify(method ?? null)}`);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama align: --model RUN_OR_FILE is required");
    if (typeof values.prefs !== "string") throw new KotodamaError("kotodama align: --prefs FILE is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama align: --out DIR is required");
    const { settings: common, budget, threads } = finetuneFlags("align", values);
    if (method === "ppo" || method === "grpo") return runRlCommand(method, values, common, budget, threads);
    for (const k of RL_ONLY) if (values[k] !== undefined) throw new KotodamaError(`kotodama align: --${k} applies to --method ppo and grpo, not dpo`);
    const settings: DpoSettings = {
      ...common,
      ...(values.beta !== undefined ? { beta: numberFlag("align", "beta", values.beta, 0, 1e-6, 1e3) } : {}),
      ...(values.nll !== undefined ? { nll: numberFlag("align", "nll", values.nll, 0, 0, 1e3) } : {}),
    };
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

/** `align --method ppo|grpo`. */
function runRlCommand(method: "ppo" | "grpo", values: Parsed["values"], common: FinetuneSettings, budget: number | undefined, threads: number | undefined): number {
  if (typeof values.reward !== "string") throw new KotodamaError(`kotodama align --method ${method}: --reward RUN (a reward model from \`kotodama reward train\`) is required`);
  if (values["val-prefs"] !== undefined || values.beta !== undefined || values.nll !== undefined) throw new KotodamaError(`kotodama align --method ${method}: --${values.beta !== undefined ? "beta" : values.nll !== undefined ? "nll" : "val-prefs"} applies to dpo (use --kl-coef)`);
  if (common.maxSteps !== undefined || common.batchSize !== undefined) throw new KotodamaError(`kotodama align --method ${method}: the schedule is --iterations × --epochs and the batch --prompts (× --group); --max-steps and --batch-size apply to dpo`);
  const int = (k: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => (values[k] === undefined ? undefined : intFlag("align", k, values[k], 0, min, max));
  const num = (k: string, min: number, max: number): number | undefined => (values[k] === undefined ? undefined : numberFlag("align", k, values[k], 0, min, max));
  const opt = Object.entries({
    iterations: int("iterations", 1), prompts: int("prompts", 1, 4096), group: int("group", 2, 256), epochs: int("epochs", 1, 64),
    klCoef: num("kl-coef", 0, 100), maxNewTokens: int("max-new-tokens", 1, 1 << 16), temperature: num("temperature", 1e-3, 10),
  }).filter(([, v]) => v !== undefined);
  const settings: RlSettings = {
    ...Object.fromEntries(opt),
    ...(common.seed !== undefined ? { seed: common.seed } : {}), ...(common.lr !== undefined ? { lr: common.lr } : {}), ...(common.lora !== undefined ? { lora: common.lora } : {}),
  };
  const res = runRl({
    method, model: values.model as string, reward: values.reward, prefs: values.prefs as string, outDir: values.out as string, settings,
    backend: loadBackend(threads === undefined ? {} : { threads }),
    ...(budget !== undefined ? { timeBudgetS: budget } : {}),
    onProgress: progressPrinter(), log: (s) => void process.stderr.write(`${s}\n`),
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  const summary = { run_dir: values.out, method, steps: res.steps, max_steps: res.maxSteps, iterations: res.iterations, first_reward: res.firstReward, last_reward: res.lastReward, train_loss: res.lastLoss };
  if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`run: ${values.out}\n${method}: ${res.iterations} iterations, ${res.steps} steps; reward ${res.firstReward.toFixed(3)} → ${res.lastReward.toFixed(3)}\n`);
  return 0;
}
