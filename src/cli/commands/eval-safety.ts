// `kotodama eval safety`: parses flags, opens the responder (a local model, or an OpenAI-compatible endpoint with
// its key read from an environment variable), the prompt sets and the judge, runs the safety evaluation
// (src/eval/safety) with a progress bar, writes its JSONL, JSON and SVG and prints the summary. Not here: any
// evaluation logic or HTTP (src/eval/safety, src/infer/endpoint.ts).
import cliProgress from "cli-progress";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP, endpointFromFlags } from "../endpoint-flags.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import type { ChatResponder } from "../../infer/responder.js";
import { loadDnaSplit, readXstestCompletions, stringMatchClassifier, trainXstestClassifier } from "../../safety/index.js";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { evaluatorJudge, ngramJudge } from "../../eval/safety/judges.js";
import { dnaHeldOutPromptsIn, limitPrompts, parsePromptLangs, readPromptsJsonl, readXstest, type SafetyPrompt } from "../../eval/safety/prompts.js";
import { evaluateSafety, localResponder } from "../../eval/safety/run.js";
import { safetyTable, writeSafetyEval } from "../../eval/safety/report.js";
import { guardSafetyResult } from "../../eval/safety/guarded.js";
import { openGuard, takeGuardFlag } from "./safety.js";

const HELP = [
  "Usage: kotodama eval safety (--model M | --endpoint URL --api-model NAME) [--set dna|xstest|all] [--prompts FILE.jsonl]",
  "                            [--judge DIR|ngram] --out DIR [--json] [--max-new-tokens N] [--limit N] [--batch B]",
  "                            [--lang en|ja|en,ja] [--seed S] [--data-dir DIR] [--threads N]",
  "",
  "Answers safety prompts greedily — a local model with its chat template (batched decoding), or any",
  "OpenAI-compatible server (llama.cpp's llama-server, vLLM, Ollama, `kotodama serve`) through /chat/completions",
  "with temperature 0 — and judges each answer:",
  "safe (not harmful), refused (action 0 refuse or 4 cannot answer) and the Do-Not-Answer action 0–5",
  "(docs/safety.md). Sets: dna = the 187 held-out Do-Not-Answer prompts (src/data/instruct/split.ts), xstest =",
  "XSTest's 250 safe + 200 unsafe prompts (over-refusal: safe prompts refused). Writes safety-responses.jsonl,",
  "safety-eval.json and safety-eval.svg under --out and prints the summary with n and Wilson 95 % intervals.",
  "",
  "  --model M           a kotodama run directory or any model that loads",
  ...ENDPOINT_HELP,
  "  --set S             dna, xstest or all (default all)",
  "  --prompts FILE      your own prompts instead: JSONL {prompt, label: \"harmful\"|\"benign\", area?, id?}",
  "  --lang L            language of the Do-Not-Answer prompts: en (default), ja (kotodama's Japanese translation,",
  "                      src/eval/safety/dna-ja.ts, CC BY-NC-SA 4.0) or en,ja (both, reported side by side; --limit",
  "                      then samples the same ids in both). Japanese answers' refusals are found by a Japanese",
  "                      string match (src/safety/ja-refusal.ts); the English-trained judge cannot read them",
  "  --judge J           ngram (default: n-gram logistic regression trained on the spot on the Do-Not-Answer",
  "                      responses to non-held-out prompts, a few seconds; it agrees with people on the action",
  "                      better than the small evaluator, 86.5 % vs 82.4 %) or an evaluator directory from",
  "                      `kotodama safety evaluator train`",
  "  --xstest-completions DIR  XSTest answers are classified full compliance / full refusal / partial refusal,",
  "                      which decides their `refused`: by default with the XSTest paper's string match (refusal",
  "                      accuracy 88.4 % against people); with DIR, the upstream model_completions/ folder of",
  "                      paul-rottger/exaggerated-safety, by an n-gram logistic regression trained on its 2,250",
  "                      labelled completions on the spot (94.4 % split by model; `kotodama eval xstest-classifier`)",
  "  --out DIR           output folder (required)",
  "  --max-new-tokens N  answer tokens at most (default 64)",
  "  --limit N           at most N prompts of each set and label, a seeded sample (default: all)",
  "  --batch B           sequences a local model decodes at once (default 16)",
  "  --seed S            seed of --limit's sample and the n-gram judge (default 1)",
  "  --data-dir DIR      folder holding do-not-answer/ and xstest/ (default ../shared/data)",
  "  --threads N         compute threads (default: all cores)",
  "  --json              print the summary JSON instead of the table",
  "  --guard [DIR]       answer behind the guard (`safety guard train` or `guard lm`; no DIR: one trained on the spot)",
].join("\n");

const FLAGS = {
  model: { type: "string" }, set: { type: "string" }, prompts: { type: "string" }, judge: { type: "string" },
  out: { type: "string" }, json: { type: "boolean" }, "max-new-tokens": { type: "string" }, limit: { type: "string" },
  batch: { type: "string" }, seed: { type: "string" }, "data-dir": { type: "string" }, threads: { type: "string" },
  "xstest-completions": { type: "string" }, lang: { type: "string" }, ...ENDPOINT_FLAGS,
} as const;

type Values = ReturnType<typeof parseFlags>["values"];

/** The responder the flags name: --model M, or --endpoint URL --api-model NAME with its key from the environment. */
function openResponder(values: Values, batch: number | undefined, backend: ReturnType<typeof loadBackend>, log: (s: string) => void): { responder: ChatResponder; meta: Readonly<Record<string, string>> } {
  const ep = endpointFromFlags(CMD, values);
  if (ep === null) {
    if (typeof values.model !== "string") throw new KotodamaError("kotodama eval safety: --model M or --endpoint URL --api-model NAME is required");
    return { responder: localResponder(openInferModel(values.model, { backend }), batch === undefined ? {} : { batch }), meta: { model: values.model } };
  }
  if (batch !== undefined) throw new KotodamaError("kotodama eval safety: --batch is for local models; an endpoint takes --concurrency N");
  log(`responder: ${ep.responder.name} (${ep.auth})`);
  return { responder: ep.responder, meta: { model: ep.responder.model, endpoint: ep.responder.url } };
}

const CMD = "eval safety";

export const evalSafety: Command = {
  name: "safety",
  summary: "Do-Not-Answer and XSTest: safe answers, refusals and over-refusal",
  help: HELP,
  async run(argvIn) {
    const { argv, guard: guardDir } = takeGuardFlag(argvIn);
    const { values } = parseFlags(CMD, argv, FLAGS, false);
    if (typeof values.model !== "string" && typeof values.endpoint !== "string") throw new KotodamaError("kotodama eval safety: --model M or --endpoint URL --api-model NAME is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama eval safety: --out DIR is required");
    const set = values.set ?? "all";
    if (set !== "dna" && set !== "xstest" && set !== "all") throw new KotodamaError(`kotodama eval safety: --set must be dna, xstest or all, got '${set}'`);
    if (values.set !== undefined && values.prompts !== undefined) throw new KotodamaError("kotodama eval safety: give --set or --prompts, not both");
    if (values.lang !== undefined && (values.prompts !== undefined || set === "xstest")) throw new KotodamaError("kotodama eval safety: --lang picks the language of the Do-Not-Answer prompts; it needs --set dna or all (XSTest is English only, and --prompts files are taken as they are)");
    const langs = parsePromptLangs(typeof values.lang === "string" ? values.lang : "en", "kotodama eval safety: --lang");
    const maxNewTokens = intFlag(CMD, "max-new-tokens", values["max-new-tokens"], 64, 1, 1 << 16);
    const batch = values.batch === undefined ? undefined : intFlag(CMD, "batch", values.batch, 16, 1, 256);
    const seed = intFlag(CMD, "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const limit = values.limit === undefined ? null : intFlag(CMD, "limit", values.limit, 1, 1, 1 << 30);
    const threads = values.threads === undefined ? undefined : intFlag(CMD, "threads", values.threads, 1, 1, 256);
    const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : defaultDataDir();
    const judgeName = typeof values.judge === "string" ? values.judge : "ngram";
    const needData = values.prompts === undefined || judgeName === "ngram";
    if (needData && dataDir === null) throw new KotodamaError("kotodama eval safety: ../shared/data is absent; pass --data-dir DIR");
    const backend = loadBackend(threads === undefined ? {} : { threads });
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const { responder, meta } = openResponder(values, batch, backend, log);
    let prompts: SafetyPrompt[] = typeof values.prompts === "string" ? readPromptsJsonl(values.prompts)
      : [...(set !== "xstest" ? dnaHeldOutPromptsIn(dataDir!, langs) : []), ...(set !== "dna" ? readXstest(dataDir!) : [])];
    if (limit !== null) prompts = limitPrompts(prompts, limit, seed);
    const judge = judgeName === "ngram" ? (log("judge: training the n-gram logistic regression ..."), ngramJudge(loadDnaSplit(dataDir!), seed)) : evaluatorJudge(judgeName, backend);
    const xstestClassifier = typeof values["xstest-completions"] === "string"
      ? (log("XSTest classifier: training the n-gram logistic regression on the labelled completions ..."), trainXstestClassifier(readXstestCompletions(values["xstest-completions"]), seed))
      : stringMatchClassifier;
    const bar = new cliProgress.SingleBar({ format: "eval safety |{bar}| {value}/{total} {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(prompts.length, 0);
    let r;
    try {
      const r0 = await evaluateSafety({ responder, prompts, judge, xstestClassifier, maxNewTokens, seed, onProgress: (d) => bar.update(d) });
      r = guardDir === undefined ? r0 : await guardSafetyResult(r0, openGuard("eval safety", guardDir, dataDir ?? undefined), judge, xstestClassifier);
    } finally {
      bar.stop();
    }
    const paths = writeSafetyEval(values.out, r, { ...meta, prompts: values.prompts ?? set, ...(values.prompts === undefined && set !== "xstest" ? { langs } : {}), limit, seed, ...(guardDir !== undefined ? { guard: guardDir ?? "trained on the spot (seed 1)" } : {}) });
    if (values.json === true) process.stdout.write(`${JSON.stringify({ ...meta, responder: r.responder, judge: r.judge, xstestClassifier: r.xstestClassifier, ...r.summary, files: paths })}\n`);
    else process.stdout.write(`judge: ${r.judge}\nXSTest classifier: ${r.xstestClassifier}\n${safetyTable(r.summary)}\n(${r.seconds.toFixed(0)} s, ${r.generatedTokens} tokens; ${paths.rows}, ${paths.results}, ${paths.plot})\n`);
    return 0;
  },
};
