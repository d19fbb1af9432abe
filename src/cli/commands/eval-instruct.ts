// `kotodama eval instruct`: parses flags, loads the tuned and the base model and the instruction data, runs the
// held-out instruction evaluation (src/eval/instruct) with a progress bar, writes its JSON, JSONL and SVG and
// prints the table. Not here: any evaluation logic.
import { existsSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { evaluateInstruct } from "../../eval/instruct/run.js";
import { loadEvalData, sftBaseOf } from "../../eval/instruct/inputs.js";
import { instructEvalTable, writeInstructEval } from "../../eval/instruct/report.js";

const HELP = [
  "Usage: kotodama eval instruct --model RUN [--base RUN] [--data DIR] [--per-task N] [--shots K] [--out DIR]",
  "                              [--seed S] [--threads N] [--json]",
  "",
  "Scores a model on held-out instruction tasks (docs/evaluation.md), greedy replies:",
  "  cefr-level   a level A1…C2 parsed from the reply: exact and within-one-level accuracy, unparsed share",
  "  story-words  stories that contain all the required words (whole words, any case), mean share of them",
  "  simplify     ROUGE-L F1 against the ASSET references (best of the 10)",
  "each for the tuned model (its chat template), the base model zero-shot (the same chat template) and the base",
  "model few-shot (K solved training examples in plain text, no template). Every figure with n and a 95 %",
  "interval (Wilson for shares, bootstrap for means). Writes instruct-eval.json, instruct-replies.jsonl and",
  "instruct-eval.svg under --out and prints a table.",
  "",
  "  --model RUN     the tuned model (an SFT run directory, or any model that loads)",
  "  --base RUN      the model it was tuned from (default: base.path in RUN/config.json of an SFT run;",
  "                  without one, the tuned model alone is scored)",
  "  --data DIR      a folder from `kotodama data instruct` (default: built in memory from ../shared/data)",
  "  --per-task N    held-out examples per task, a seeded sample (default 50)",
  "  --shots K       few-shot examples per prompt, fewer when the context cannot hold them (default 3)",
  "  --out DIR       output folder (default RUN/eval)",
  "  --seed S        seed of the samples, the shots and the bootstrap (default 1)",
  "  --threads N     compute threads (default: all cores)",
  "  --json          print the results JSON instead of the table",
].join("\n");

const FLAGS = {
  model: { type: "string" },
  base: { type: "string" },
  data: { type: "string" },
  "per-task": { type: "string" },
  shots: { type: "string" },
  out: { type: "string" },
  seed: { type: "string" },
  threads: { type: "string" },
  json: { type: "boolean" },
} as const;

export const evalInstruct: Command = {
  name: "instruct",
  summary: "held-out instruction tasks before and after SFT, with a few-shot baseline",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags("eval instruct", argv, FLAGS, false);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama eval instruct: --model RUN is required");
    const perTask = intFlag("eval instruct", "per-task", values["per-task"], 50, 1, 100000);
    const shots = intFlag("eval instruct", "shots", values.shots, 3, 0, 64);
    const seed = intFlag("eval instruct", "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const threads = values.threads === undefined ? undefined : intFlag("eval instruct", "threads", values.threads, 1, 1, 256);
    const basePath = typeof values.base === "string" ? values.base : sftBaseOf(values.model);
    if (basePath !== null && !existsSync(basePath)) throw new KotodamaError(`kotodama eval instruct: the base model ${basePath} does not exist${values.base === undefined ? ` (named in ${join(values.model, "config.json")}); pass --base` : ""}`);
    const out = typeof values.out === "string" ? values.out : join(values.model, "eval");
    const backend = loadBackend(threads === undefined ? {} : { threads });
    const sft = openInferModel(values.model, { backend });
    const base = basePath === null ? null : openInferModel(basePath, { backend });
    const data = loadEvalData(typeof values.data === "string" ? values.data : null);
    const bar = new cliProgress.SingleBar({ format: "eval |{bar}| {value}/{total} {task} {condition} {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    let started = false;
    const r = await evaluateInstruct({
      sft, base, heldOut: data.heldOut, train: data.train, perTask, shots, seed,
      onProgress: (p) => {
        if (!started) bar.start(p.total, 0, { task: p.task, condition: p.condition });
        started = true;
        bar.update(p.done, { task: p.task, condition: p.condition });
      },
    });
    bar.stop();
    const paths = writeInstructEval(out, r, { sft: values.model, base: basePath, data: data.source });
    if (values.json === true) process.stdout.write(`${JSON.stringify({ models: { sft: values.model, base: basePath, data: data.source }, ...r, replies: undefined, files: paths })}\n`);
    else process.stdout.write(`${instructEvalTable(r)}\n(${r.seconds.toFixed(0)} s; ${paths.results}, ${paths.replies}, ${paths.plot})\n`);
    return 0;
  },
};
