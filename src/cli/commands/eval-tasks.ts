// `kotodama eval tasks`: zero/few-shot evaluation of a task file (tasks/*.json) on a local model or an
// OpenAI-compatible endpoint. Parses flags, opens the model, runs src/eval/tasks/run.ts with a progress bar, prints
// the table or the JSON, and writes the results under --out. Not here: any scoring.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP, endpointFromFlags } from "../endpoint-flags.js";
import { stepBar } from "../progress.js";
import { loadBackend } from "../../engine/backend.js";
import { readTaskDefinition } from "../../eval/tasks/definition.js";
import { EndpointTaskModel } from "../../eval/tasks/lm-endpoint.js";
import { LocalTaskModel, type TaskModel } from "../../eval/tasks/lm.js";
import { formatTaskTable, resolvedConfig, resultsJson, writeTaskResults } from "../../eval/tasks/report.js";
import { evaluateTask } from "../../eval/tasks/run.js";
import { resolveEndpointUrl } from "../../infer/endpoint.js";
import { openInferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { packageRoot, sharedPath } from "../../util/paths.js";

const CMD = "eval tasks";

/** The task files shipped in tasks/. */
const shippedTasks = (): string[] => {
  const dir = join(packageRoot(), "tasks");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort() : [];
};

const HELP = [
  "Usage: kotodama eval tasks --task NAME (--model M | --endpoint URL [--api-model NAME]) [--shots K] [--limit N] [--seed S] [--out DIR] [--json]",
  "",
  "Zero/few-shot evaluation in the style of lm-evaluation-harness (docs/eval-tasks.md): multiple choice by the",
  "log-likelihood of each choice (acc; acc_norm = per character, as lm-eval; acc_bytes = per UTF-8 byte), or",
  "generation until a stop string (exact match, F1). Shots are drawn with --seed from the task's few-shot split,",
  "never from the evaluated one.",
  "",
  `  --task NAME         a task file: tasks/NAME.json (${shippedTasks().join(", ")}) or a path to one`,
  "  --model M           a kotodama model (run directory, safetensors, GGUF)",
  ...ENDPOINT_HELP,
  "                      (without --api-model: the endpoint's only model, from GET URL/models)",
  "  --shots K           solved examples before each question (default 0)",
  "  --limit N           the first N documents of the evaluated split (default all)",
  "  --seed S            the shots' sampling seed (default 1234)",
  "  --data-dir DIR      the folder the task's data paths are relative to (default ../shared/data)",
  "  --out DIR           write <task>-<K>shot.json (resolved config + metrics) and .records.jsonl there",
  "  --threads N         kernel threads for --model (default: all cores)",
  "  --quiet             no progress bar",
  "  --json              print the results as JSON",
].join("\n");

const FLAGS = {
  task: { type: "string" }, model: { type: "string" }, shots: { type: "string" }, limit: { type: "string" }, seed: { type: "string" },
  "data-dir": { type: "string" }, out: { type: "string" }, threads: { type: "string" }, quiet: { type: "boolean" }, json: { type: "boolean" }, ...ENDPOINT_FLAGS,
} as const;

/** tasks/NAME.json, or NAME itself when it is a path to a .json file. */
function taskFile(name: string): string {
  if (name.endsWith(".json") || name.includes("/")) {
    if (!existsSync(name)) throw new KotodamaError(`kotodama ${CMD}: --task ${name}: no such file`);
    return name;
  }
  const f = join(packageRoot(), "tasks", `${name}.json`);
  if (!existsSync(f)) throw new KotodamaError(`kotodama ${CMD}: --task ${name}: unknown task; expected one of: ${shippedTasks().join(", ")} (or a path to a task .json file)`);
  return f;
}

/** The endpoint's only model (GET URL/models) when --api-model is not given. */
async function onlyModel(url: string): Promise<string> {
  const base = resolveEndpointUrl(url);
  let ids: string[];
  try {
    const r = await fetch(`${base}/models`);
    const j = (await r.json()) as { data?: { id?: unknown }[] };
    ids = (j.data ?? []).map((m) => m.id).filter((x): x is string => typeof x === "string");
  } catch (e) {
    throw new KotodamaError(`kotodama ${CMD}: ${base}/models: ${(e as Error).message}; pass --api-model NAME`);
  }
  if (ids.length !== 1) throw new KotodamaError(`kotodama ${CMD}: ${base}/models lists ${ids.length === 0 ? "no models" : ids.join(", ")}; pass --api-model NAME`);
  return ids[0]!;
}

export const evalTasks: Command = {
  name: "tasks",
  summary: "zero/few-shot tasks (JCommonsenseQA, CEFR-SP, JSQuAD, …) on a model or an endpoint",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(CMD, argv, FLAGS, false);
    if (typeof values.task !== "string") throw new KotodamaError(`kotodama ${CMD}: --task NAME is required; one of: ${shippedTasks().join(", ")}`);
    const task = readTaskDefinition(taskFile(values.task));
    if (typeof values.endpoint === "string" && values["api-model"] === undefined && values.model === undefined) values["api-model"] = await onlyModel(values.endpoint);
    const ep = endpointFromFlags(CMD, values);
    let model: TaskModel;
    if (ep !== null) {
      if (values.threads !== undefined) throw new KotodamaError(`kotodama ${CMD}: --threads is for --model; an endpoint takes --concurrency N`);
      model = new EndpointTaskModel(ep.responder);
    } else {
      if (typeof values.model !== "string") throw new KotodamaError(`kotodama ${CMD}: --model M or --endpoint URL is required`);
      const threads = values.threads === undefined ? null : intFlag(CMD, "threads", values.threads, 1, 1, 1024);
      model = new LocalTaskModel(openInferModel(values.model, { backend: loadBackend(threads === null ? {} : { threads }) }));
    }
    const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : sharedPath("data");
    if (dataDir === null) throw new KotodamaError(`kotodama ${CMD}: ../shared/data is absent; pass --data-dir DIR`);
    const shots = intFlag(CMD, "shots", values.shots, 0, 0, 64);
    const limit = values.limit === undefined ? null : intFlag(CMD, "limit", values.limit, 0, 1, 10_000_000);
    const seed = intFlag(CMD, "seed", values.seed, 1234, 0, 2 ** 32 - 1);
    const bar = stepBar(values.quiet === true || values.json === true);
    let result;
    try {
      result = await evaluateTask({ task, model, dataDir, shots, seed, limit, onProgress: (done, total) => bar.onProgress({ step: task.name, done, total, detail: `${done}/${total}` }) });
    } finally {
      bar.stop();
    }
    const config = resolvedConfig(task, { shots, seed, limit, dataDir, model: model.settings });
    const files = typeof values.out === "string" ? writeTaskResults(values.out, config, result) : null;
    if (values.json === true) process.stdout.write(`${JSON.stringify({ ...resultsJson(config, result), ...(files === null ? {} : { files }) })}\n`);
    else {
      process.stdout.write(`${formatTaskTable(model.name, result)}\n`);
      if (files !== null) process.stdout.write(`results: ${files.results}\nrecords: ${files.records}\n`);
    }
    return 0;
  },
};
