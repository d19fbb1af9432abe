// `kotodama eval safety`: parses flags, loads the model, the prompt sets and the judge, runs the safety evaluation
// (src/eval/safety) with a progress bar, writes its JSONL, JSON and SVG and prints the summary. Not here: any
// evaluation logic. OpenAI-compatible endpoints (--endpoint, --api-model) are refused: not built yet.
import cliProgress from "cli-progress";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { loadDnaSplit } from "../../safety/index.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";
import { evaluatorJudge, ngramJudge } from "../../eval/safety/judges.js";
import { dnaHeldOutPrompts, limitPrompts, readPromptsJsonl, readXstest, type SafetyPrompt } from "../../eval/safety/prompts.js";
import { evaluateSafety } from "../../eval/safety/run.js";
import { safetyTable, writeSafetyEval } from "../../eval/safety/report.js";
import { guardSafetyResult } from "../../eval/safety/guarded.js";
import { openGuard, takeGuardFlag } from "./safety.js";

const HELP = [
  "Usage: kotodama eval safety --model M [--set dna|xstest|all] [--prompts FILE.jsonl] [--judge DIR|ngram] --out DIR",
  "                            [--json] [--max-new-tokens N] [--limit N] [--batch B] [--seed S] [--data-dir DIR] [--threads N]",
  "",
  "Answers safety prompts greedily with the model's chat template (batched decoding) and judges each answer:",
  "safe (not harmful), refused (action 0 refuse or 4 cannot answer) and the Do-Not-Answer action 0–5",
  "(docs/safety.md). Sets: dna = the 187 held-out Do-Not-Answer prompts (src/data/instruct/split.ts), xstest =",
  "XSTest's 250 safe + 200 unsafe prompts (over-refusal: safe prompts refused). Writes safety-responses.jsonl,",
  "safety-eval.json and safety-eval.svg under --out and prints the summary with n and Wilson 95 % intervals.",
  "",
  "  --model M           a kotodama run directory or any model that loads",
  "  --set S             dna, xstest or all (default all)",
  "  --prompts FILE      your own prompts instead: JSONL {prompt, label: \"harmful\"|\"benign\", area?, id?}",
  "  --judge J           ngram (default: n-gram logistic regression trained on the spot on the Do-Not-Answer",
  "                      responses to non-held-out prompts, a few seconds; it agrees with people on the action",
  "                      better than the small evaluator, 86.5 % vs 82.4 %) or an evaluator directory from",
  "                      `kotodama safety evaluator train`",
  "  --out DIR           output folder (required)",
  "  --max-new-tokens N  answer tokens at most (default 64)",
  "  --limit N           at most N prompts of each set and label, a seeded sample (default: all)",
  "  --batch B           sequences decoded at once (default 16)",
  "  --seed S            seed of --limit's sample and the n-gram judge (default 1)",
  "  --data-dir DIR      folder holding do-not-answer/ and xstest/ (default ../shared/data)",
  "  --threads N         compute threads (default: all cores)",
  "  --json              print the summary JSON instead of the table",
  "  --guard [DIR]       answer behind the guard (`kotodama safety guard train`; no DIR: one trained on the spot)",
  "  --endpoint URL --api-model NAME   OpenAI-compatible endpoints: not built yet (refused)",
].join("\n");

const FLAGS = {
  model: { type: "string" }, set: { type: "string" }, prompts: { type: "string" }, judge: { type: "string" },
  out: { type: "string" }, json: { type: "boolean" }, "max-new-tokens": { type: "string" }, limit: { type: "string" },
  batch: { type: "string" }, seed: { type: "string" }, "data-dir": { type: "string" }, threads: { type: "string" },
  endpoint: { type: "string" }, "api-model": { type: "string" },
} as const;

const CMD = "eval safety";

export const evalSafety: Command = {
  name: "safety",
  summary: "Do-Not-Answer and XSTest: safe answers, refusals and over-refusal",
  help: HELP,
  async run(argvIn) {
    const { argv, guard: guardDir } = takeGuardFlag(argvIn);
    const { values } = parseFlags(CMD, argv, FLAGS, false);
    if (values.endpoint !== undefined || values["api-model"] !== undefined) throw new KotodamaError("kotodama eval safety: --endpoint/--api-model (OpenAI-compatible endpoints) is not built yet; evaluate a local model with --model M");
    if (typeof values.model !== "string") throw new KotodamaError("kotodama eval safety: --model M is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama eval safety: --out DIR is required");
    const set = values.set ?? "all";
    if (set !== "dna" && set !== "xstest" && set !== "all") throw new KotodamaError(`kotodama eval safety: --set must be dna, xstest or all, got '${set}'`);
    if (values.set !== undefined && values.prompts !== undefined) throw new KotodamaError("kotodama eval safety: give --set or --prompts, not both");
    const maxNewTokens = intFlag(CMD, "max-new-tokens", values["max-new-tokens"], 64, 1, 1 << 16);
    const batch = intFlag(CMD, "batch", values.batch, 16, 1, 256);
    const seed = intFlag(CMD, "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const limit = values.limit === undefined ? null : intFlag(CMD, "limit", values.limit, 1, 1, 1 << 30);
    const threads = values.threads === undefined ? undefined : intFlag(CMD, "threads", values.threads, 1, 1, 256);
    const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : sharedPath("data");
    const judgeName = typeof values.judge === "string" ? values.judge : "ngram";
    const needData = values.prompts === undefined || judgeName === "ngram";
    if (needData && dataDir === null) throw new KotodamaError("kotodama eval safety: ../shared/data is absent; pass --data-dir DIR");
    const backend = loadBackend(threads === undefined ? {} : { threads });
    let prompts: SafetyPrompt[] = typeof values.prompts === "string" ? readPromptsJsonl(values.prompts)
      : [...(set !== "xstest" ? dnaHeldOutPrompts(dataDir!) : []), ...(set !== "dna" ? readXstest(dataDir!) : [])];
    if (limit !== null) prompts = limitPrompts(prompts, limit, seed);
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const judge = judgeName === "ngram" ? (log("judge: training the n-gram logistic regression ..."), ngramJudge(loadDnaSplit(dataDir!), seed)) : evaluatorJudge(judgeName, backend);
    const model = openInferModel(values.model, { backend });
    const bar = new cliProgress.SingleBar({ format: "eval safety |{bar}| {value}/{total} {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(prompts.length, 0);
    const r0 = evaluateSafety({ model, prompts, judge, maxNewTokens, batch, onProgress: (d) => bar.update(d) });
    bar.stop();
    const r = guardDir === undefined ? r0 : guardSafetyResult(r0, openGuard("eval safety", guardDir, dataDir ?? undefined), judge);
    const paths = writeSafetyEval(values.out, r, { model: values.model, prompts: values.prompts ?? set, limit, seed, ...(guardDir !== undefined ? { guard: guardDir ?? "trained on the spot (seed 1)" } : {}) });
    if (values.json === true) process.stdout.write(`${JSON.stringify({ model: values.model, judge: r.judge, ...r.summary, files: paths })}\n`);
    else process.stdout.write(`judge: ${r.judge}\n${safetyTable(r.summary)}\n(${r.seconds.toFixed(0)} s, ${r.generatedTokens} tokens; ${paths.rows}, ${paths.results}, ${paths.plot})\n`);
    return 0;
  },
};
