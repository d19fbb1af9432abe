// `kotodama cefr`: CEFR levels of sentences and texts with a trained classifier (local, or a `kotodama serve
// --cefr` server's POST /v1/cefr with --endpoint, printed the same way from the same JSON form), and `kotodama cefr train`, which
// trains one on CEFR-SP and prints its test-split table beside the baselines and the paper. Parses, builds, runs:
// the work is in src/eval/cefr/.
import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { assessText, openCefr } from "../../eval/cefr/model.js";
import { textLevelsJson, textLevelsLines, type CefrTextJson } from "../../eval/cefr/levels-json.js";
import { assessRemote } from "../../eval/cefr/remote.js";
import { connectionFromFlags, ENDPOINT_FLAGS } from "../endpoint-flags.js";
import { cefrTable } from "../../eval/cefr/report.js";
import { loadCefrSp } from "../../eval/cefr/data.js";
import { trainAndEvaluateCefr } from "../../eval/cefr/run.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";

const HELP = [
  "Usage: kotodama cefr --model DIR [--json] [--file PATH] TEXT...",
  "       kotodama cefr --endpoint URL [--api-key-env NAME] [--api-model NAME] [--json] [--file PATH] TEXT...",
  "       kotodama cefr train --out DIR [--base RUN] [--max-steps N] [--lr X] [--seed S] [--data-dir DIR] [--json]",
  "",
  "CEFR level (A1…C2) of every sentence of each TEXT (or --file), the text's sentence distribution, its level",
  "(the 80th-percentile sentence) and its three hardest sentences, with a classifier from `kotodama cefr train`",
  "(docs/applications.md).",
  "",
  "train: fine-tunes a kotodama decoder (--base RUN, e.g. the npm start run; default a fresh 2-layer decoder) with",
  "a 6-way head on CEFR-SP's public Wiki-Auto + SCoRE train splits (../shared/data/cefr-sp), label =",
  "floor((A + B) / 2) of the two annotators; then prints macro-F1, accuracy, within-one accuracy and agreement",
  "with each annotator on the test splits for the model, a length + word-level logistic regression, the majority",
  "level and the two annotators against each other, beside the paper's 84.5 (with the non-public Newsela part).",
  "Writes config.json, model.safetensors, tokenizer.json, head.*, lexicon.json, metrics.jsonl, metrics.json,",
  "confusion.json and confusion.svg under --out.",
  "",
  "  --model DIR      a classifier directory (cefr train --out)",
  "  --endpoint URL   instead of --model: a `kotodama serve --cefr DIR` server's API base, e.g.",
  "                   http://127.0.0.1:8080/v1 (POST URL/cefr); the same output as the local path",
  "  --api-key-env NAME  (endpoint) environment variable holding the API key (default OPENAI_API_KEY; unset: none)",
  "  --api-model NAME (endpoint) the server's CEFR model name (default: the server's one)",
  "  --timeout-ms N   (endpoint) per request (default 120000)",
  "  --max-retries N  (endpoint) retries on 429/5xx and dropped connections (default 4)",
  "  --file PATH      assess the text of this file (repeatable)",
  "  --json           JSON instead of the table",
  "  --out DIR        (train) output directory",
  "  --base RUN       (train) kotodama run directory to start from",
  "  --max-steps N    (train) optimizer steps (default 600)",
  "  --lr X           (train) peak learning rate (default 3e-4)",
  "  --seed S         (train) seed (default 1)",
  "  --data-dir DIR   (train) folder holding cefr-sp/ (default ../shared/data)",
  "  --threads N      kernel threads (default: all cores)",
].join("\n");

async function train(argv: readonly string[]): Promise<number> {
  const cmd = "cefr train";
  const { values } = parseFlags(cmd, argv, { out: { type: "string" }, base: { type: "string" }, "max-steps": { type: "string" }, lr: { type: "string" }, seed: { type: "string" }, "data-dir": { type: "string" }, json: { type: "boolean" }, threads: { type: "string" } }, false);
  if (typeof values.out !== "string") throw new KotodamaError(`kotodama ${cmd}: --out DIR is required`);
  const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : sharedPath("data");
  if (dataDir === null) throw new KotodamaError(`kotodama ${cmd}: ../shared/data is absent; pass --data-dir DIR (the folder holding cefr-sp/)`);
  const settings = {
    maxSteps: intFlag(cmd, "max-steps", values["max-steps"], 600, 1),
    lr: numberFlag(cmd, "lr", values.lr, 3e-4, 1e-7, 1),
    seed: intFlag(cmd, "seed", values.seed, 1, 0),
  };
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 0, 1, 256);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const splits = loadCefrSp(dataDir);
  const r = trainAndEvaluateCefr({ splits, outDir: values.out, backend: loadBackend(threads === undefined ? {} : { threads }), settings, log, ...(typeof values.base === "string" ? { base: values.base } : {}) });
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ model: r.model, baseline: r.baseline, majority: r.majority, steps: r.steps, trainSeconds: r.trainSeconds, files: r.files })}\n`);
    return 0;
  }
  process.stdout.write(`cefr classifier: ${values.out} (${r.steps} steps, ${r.trainSeconds.toFixed(0)} s)\n`);
  process.stdout.write(`${cefrTable(splits.test, [{ name: "kotodama classifier", s: r.model }, { name: "length+lexicon logreg", s: r.baseline }, { name: "majority level", s: r.majority }])}\n`);
  process.stdout.write(`  dev split: macro-F1 ${(100 * r.dev.combined.macroF1).toFixed(1)}, accuracy ${(100 * r.dev.combined.accuracy).toFixed(1)}\n`);
  process.stdout.write(`  by part (model): ${Object.entries(r.model.byPart).map(([p, v]) => `${p} n=${v.n} macro-F1 ${(100 * v.macroF1).toFixed(1)} acc ${(100 * v.accuracy).toFixed(1)}`).join("; ")}\n`);
  process.stdout.write(`  (${r.files.join(", ")})\n`);
  return 0;
}

export const cefrCommand: Command = {
  name: "cefr",
  summary: "CEFR level of sentences and texts; `cefr train` trains the classifier on CEFR-SP",
  help: HELP,
  async run(argv) {
    if (argv[0] === "train") return train(argv.slice(1));
    const { endpoint, "api-model": apiModel, "api-key-env": keyEnv, "timeout-ms": timeoutMs, "max-retries": maxRetries } = ENDPOINT_FLAGS;
    const { values, positionals } = parseFlags("cefr", argv, { model: { type: "string" }, file: { type: "string", multiple: true }, json: { type: "boolean" }, threads: { type: "string" }, endpoint, "api-model": apiModel, "api-key-env": keyEnv, "timeout-ms": timeoutMs, "max-retries": maxRetries });
    const remote = connectionFromFlags("cefr", values);
    if (remote === null && typeof values.model !== "string") throw new KotodamaError("kotodama cefr: --model DIR (a classifier from `kotodama cefr train`) or --endpoint URL (a `kotodama serve --cefr DIR` server) is required");
    if (remote !== null && values.threads !== undefined) throw new KotodamaError("kotodama cefr: --threads applies to a local --model, not to --endpoint");
    const texts = [...positionals];
    for (const f of (values.file ?? []) as string[]) {
      try {
        texts.push(readFileSync(f, "utf8"));
      } catch (e) {
        throw new KotodamaError(`kotodama cefr: --file ${f}: ${(e as Error).message}`);
      }
    }
    if (texts.length === 0) throw new KotodamaError("kotodama cefr: give at least one TEXT or --file PATH");
    let results: CefrTextJson[];
    if (remote !== null) results = await assessRemote(remote.connection, texts, typeof values["api-model"] === "string" ? values["api-model"] : undefined);
    else {
      const threads = values.threads === undefined ? undefined : intFlag("cefr", "threads", values.threads, 0, 1, 256);
      const m = openCefr(values.model as string, loadBackend(threads === undefined ? {} : { threads }));
      results = texts.map((t) => textLevelsJson(assessText(m, t)));
    }
    for (const r of results) process.stdout.write(values.json === true ? `${JSON.stringify(r)}\n` : textLevelsLines(r).map((l) => `${l}\n`).join(""));
    return 0;
  },
};
