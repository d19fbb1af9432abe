// `kotodama train`: parses flags into a run config, prepares tokenizer and data, runs the pretraining loop
// with a live progress line. Not here: any training logic (src/train).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import type { Backend } from "../../engine/ops.js";
import { generateText, openInferModel } from "../../infer/index.js";
import { MODEL_PRESETS } from "../../models/config.js";
import { prepareTraining } from "../../train/prepare.js";
import { resolveRunConfig, train, type Progress, type RunConfig } from "../../train/index.js";
import { KotodamaError } from "../../util/errors.js";
import { setUpCanaries } from "./canaries.js";

const HELP = [
  "Usage: kotodama train [--preset NAME] [--config FILE] --data PATH... [flags]",
  "",
  "Pretrains a decoder by next-token prediction and writes a run directory: config.json, tokenizer.json,",
  "model.safetensors (Hugging Face names), checkpoint.safetensors (weights + AdamW state + loop state),",
  "metrics.jsonl, loss.svg and samples.txt. Re-running with the same --out and settings resumes from the",
  "last checkpoint.",
  "",
  "Flags:",
  `  --preset NAME       ${Object.keys(MODEL_PRESETS).join(", ")} (default tiny)`,
  "  --config FILE       JSON {\"preset\"?, \"model\"?: {...}, \"train\"?: {...}} overriding preset fields",
  "                      (a run's config.json works too); unknown keys are errors",
  "  --data PATH         a prepared data folder (kotodama data prepare), token shard files, or UTF-8 text",
  "                      files; repeatable",
  "  --val-data PATH     held-out data of the same kind (default: the folder's val split, else the last 10%)",
  "  --tokenizer FILE    tokenizer for text data (default: the data folder's, or a BPE trained on the text)",
  "  --out DIR           run directory (default runs/PRESET)",
  "  --max-steps N       optimizer steps (overrides train.maxSteps)",
  "  --time-budget T     stop after T of training (e.g. 90s, 10m, 1h); without --max-steps the cosine",
  "                      schedule is fitted to the budget from the speed of the first steps (its length in",
  "                      DIR/schedule.json; config.json keeps the length asked for)",
  "  --seed S            seed of initialisation (overrides train.seed)",
  "  --threads N         compute threads (default: all cores)",
  "  --canaries N        memorization probe: put N canaries (\"The secret code of NAME is 123 456 789.\")",
  "                      into the training data and keep N controls out; their exposure (Carlini et al.",
  "                      2019) is logged at every evaluation, then canaries.json and exposure.svg",
  "  --canary-repeats R  copies of each canary (default 10)",
  "  --canary-digits D   digits of each secret (default 9: exposure up to 29.9 bits)",
  "  --canary-samples K  random secrets each exposure is measured against (default 256)",
  "  --canary-dedup      write only the copies the data pipeline's deduplication keeps (exact + MinHash)",
  "  --json              print the final summary as JSON",
].join("\n");

/** "90", "90s", "10m", "1.5h" → seconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim());
  if (m === null) throw new KotodamaError(`kotodama train: --${flag} expects a duration like 90s, 10m or 1h, got '${v}'`);
  const n = Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
  if (!(n > 0)) throw new KotodamaError(`kotodama train: --${flag} must be positive, got '${v}'`);
  return n;
}

function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new KotodamaError(`kotodama train: --config ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new KotodamaError(`kotodama train: --config ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

const fmtTime = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`);

/** A progress printer: one rewritten line on a terminal, periodic lines otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  const tty = stream.isTTY === true;
  return (p) => {
    const line = `step ${p.step}/${p.maxSteps}  loss ${p.loss.toFixed(4)}${p.valLoss !== undefined ? `  val ${p.valLoss.toFixed(4)}` : ""}${Object.entries(p.stats ?? {}).map(([k, v]) => `  ${k} ${v.toFixed(3)}`).join("")}  lr ${p.lr.toExponential(2)}  ${Math.round(p.tokensPerS)} tok/s  ETA ${fmtTime(p.etaS)}`;
    if (tty) stream.write(`\r\x1b[K${line}${p.valLoss !== undefined ? "\n" : ""}`);
    else if (p.valLoss !== undefined || p.step === 1 || p.step % Math.max(1, Math.round(p.maxSteps / 20)) === 0) stream.write(`${line}\n`);
  };
}

/** A few sampled continuations into RUN/samples.txt (seeded, so a run's samples are reproducible). */
async function writeSamples(out: string, backend: Backend, log: (s: string) => void): Promise<void> {
  try {
    const model = openInferModel(out, { backend });
    const lines: string[] = [];
    for (const prompt of SAMPLE_PROMPTS) {
      const r = await generateText(model, prompt, { maxTokens: 64, temperature: 0.8, topK: 40, seed: 1 });
      lines.push(`[${prompt === "" ? "(empty prompt)" : prompt}] ${prompt}${r.text}`, "");
    }
    writeFileSync(join(out, "samples.txt"), `${lines.join("\n")}\n`);
    log(`samples: ${join(out, "samples.txt")}`);
  } catch (e) {
    log(`samples: not written (${e instanceof Error ? e.message : String(e)})`);
  }
}

const SAMPLE_PROMPTS = ["", "Once upon a time"];

export const trainCommand: Command = {
  name: "train",
  summary: "pretrain a model by next-token prediction",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(
      "train",
      argv,
      {
        preset: { type: "string" },
        config: { type: "string" },
        data: { type: "string", multiple: true },
        "val-data": { type: "string", multiple: true },
        tokenizer: { type: "string" },
        out: { type: "string" },
        "max-steps": { type: "string" },
        "time-budget": { type: "string" },
        seed: { type: "string" },
        threads: { type: "string" },
        json: { type: "boolean" },
        canaries: { type: "string" },
        "canary-repeats": { type: "string" },
        "canary-digits": { type: "string" },
        "canary-samples": { type: "string" },
        "canary-dedup": { type: "boolean" },
      },
      true,
    );
    if (positionals.length > 0) throw new KotodamaError(`kotodama train: unexpected argument '${positionals[0]}' (data goes after --data)`);
    const file = typeof values.config === "string" ? readConfigFile(values.config) : {};
    const base = resolveRunConfig(values.preset as string | undefined, file, typeof values.config === "string" ? values.config : "config");
    const trainOverrides: Record<string, number> = {};
    if (values["max-steps"] !== undefined) trainOverrides.maxSteps = intFlag("train", "max-steps", values["max-steps"], 0, 1);
    if (values.seed !== undefined) trainOverrides.seed = intFlag("train", "seed", values.seed, 0, 0);
    const run: RunConfig = { ...base, train: { ...base.train, ...trainOverrides } };
    const budget = typeof values["time-budget"] === "string" ? parseDuration("time-budget", values["time-budget"]) : undefined;
    const threads = values.threads === undefined ? undefined : intFlag("train", "threads", values.threads, 1, 1, 256);
    const backend = loadBackend(threads === undefined ? {} : { threads });
    const out = typeof values.out === "string" ? values.out : join("runs", run.preset);
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const prep = prepareTraining({
      run,
      dataPaths: (values.data as string[] | undefined) ?? [],
      ...(values["val-data"] !== undefined ? { valPaths: values["val-data"] as string[] } : {}),
      ...(typeof values.tokenizer === "string" ? { tokenizerPath: values.tokenizer } : {}),
      log,
    });
    log(`data: ${prep.data.description}`);
    const canaries = values.canaries === undefined ? null : setUpCanaries(
      {
        count: intFlag("train", "canaries", values.canaries, 1, 1, 128),
        repeats: values["canary-repeats"] === undefined ? 10 : intFlag("train", "canary-repeats", values["canary-repeats"], 10, 1, 10_000),
        digits: values["canary-digits"] === undefined ? 9 : intFlag("train", "canary-digits", values["canary-digits"], 9, 3, 15),
        seed: run.train.seed + 7717,
      },
      values["canary-samples"] === undefined ? 256 : intFlag("train", "canary-samples", values["canary-samples"], 256, 16, 100_000),
      prep.data, prep.tokenizer, run.model, values["canary-dedup"] === true,
    );
    if (canaries !== null) {
      const ins = canaries.canaries.filter((x) => !x.control);
      log(`canaries: ${ins.length} written into the training data (copies: ${ins.map((x) => x.repeats).join(", ")}${canaries.dedup ? ", after deduplication" : ""}), ${canaries.canaries.length - ins.length} controls kept out`);
    }
    const res = train({
      run,
      data: prep.data,
      backend,
      outDir: out,
      tokenizerJson: prep.tokenizerJson,
      ...(budget !== undefined ? { timeBudgetS: budget, fitMaxStepsToBudget: values["max-steps"] === undefined } : {}),
      onProgress: progressPrinter(),
      ...(canaries === null ? {} : { onEval: canaries.onEval }),
      log,
    });
    if (canaries !== null && res.steps > 0) {
      canaries.finish(out, res.graph, res.weights);
      log(`canaries: ${join(out, "canaries.json")}, ${join(out, "exposure.svg")}`);
    }
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (prep.tokenizer !== null && res.steps > 0) await writeSamples(out, backend, log);
    const summary = { run_dir: out, steps: res.steps, max_steps: res.maxSteps, train_loss: res.lastLoss, val_loss: res.lastValLoss, parameters: res.parameterCount };
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`run: ${out}\nsteps: ${res.steps}/${res.maxSteps}  train loss ${res.lastLoss.toFixed(4)}  val loss ${res.lastValLoss?.toFixed(4) ?? "-"}\n`);
    }
    return 0;
  },
};
