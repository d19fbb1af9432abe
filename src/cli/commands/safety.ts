// `kotodama safety evaluator train`: parses flags, trains the Do-Not-Answer safety evaluator (src/safety) with the
// shared progress line, prints held-out accuracy, macro-F1, κ and confusion matrices beside the baselines and
// the paper's anchor. Not here: any training, metric or data logic (src/safety).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags, wantsHelp } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { readStoriesVal } from "../../data/instruct/sources.js";
import { DNA_PAPER_HARMLESS, loadDnaSplit, meanHarmlessGap, trainEvaluator, type ClassificationReport, type EvaluatorSettings } from "../../safety/index.js";
import { GUARD_DEFAULTS, type GuardSettings } from "../../safety/guard-model.js";
import { THRESHOLD_MODES, type ThresholdMode } from "../../safety/guard-calibration.js";
import { inspectInput, loadAnyGuard, type AnyGuard } from "../../safety/guard-check.js";
import type { OpenLmGuardOptions } from "../../safety/guard-lm-model.js";
import { LM_GUARD_DEFAULTS, type LmGuardSettings } from "../../safety/guard-lm-model.js";
import type { LmGuardFormat } from "../../safety/guard-lm.js";
import type { ComposePool } from "../../safety/guard-ja-compose.js";
import { runLmGuard } from "../../safety/guard-lm-run.js";
import type { GuardMeasurement } from "../../safety/guard-measure.js";
import { stepBar } from "../progress.js";
import { runGuardTraining } from "../../safety/guard-run.js";
import { trainGuard } from "../../safety/guard-train.js";
import { AREA_SHORT } from "../../safety/guard-taxonomy.js";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { progressPrinter } from "./train.js";

const HELP = [
  "Usage: kotodama safety evaluator train --out DIR [--seed S] [--max-steps N] [flags]",
  "       kotodama safety guard train --out DIR [--seed S] [--recall R] [--generated N] [--ja-composed N [--ja-pool main|extended]] [--dna-ja on|off] [--howto on|off] [--language-thresholds on|off] [--direct N [--direct-fit-only]] [--features F] [--data-dir DIR] [--json]",
  "       kotodama safety guard lm (--model M | --endpoint URL --api-model NAME) --out DIR [--format template|policy] [--threshold P | --calibrate [--recall R]] [--limit N] [--no-measure] [--json]",
  "       kotodama safety guard check [--guard DIR] [--json] TEXT",
  "",
  "guard train: trains the input/output guard (docs/safety.md, \"The guard\"): two n-gram logistic regressions,",
  "a benign/unsafe gate and a harm-type model (Do-Not-Answer's 12), on the non-held-out Do-Not-Answer prompts,",
  "Japanese seed prompts, benign instructions/questions and the borderline look-alikes (never XSTest), one",
  "threshold calibrated to --recall (default 0.95) on a held-apart quarter, and a response classifier; then",
  "measures it on the held-out Do-Not-Answer prompts, XSTest and 254 everyday how-to requests no guard is trained",
  "on (\"everyday how-to requests … flagged\": what it costs an ordinary chat). Writes guard.json,",
  "guard.safetensors, config.json, calibration.json, metrics.json, guard.svg and reliability.svg. Seconds on 2",
  "cores. --direct N adds N direct requests per harm type (and N",
  "benign ones in the same frames; src/safety/guard-direct.ts), a quarter of them a second calibration pool the",
  "threshold must also reach --recall on (--direct-fit-only: all fitted, none calibrated); off by default.",
  "--dna-ja on (default): the same non-held-out Do-Not-Answer prompts in kotodama's Japanese translation are trained",
  "and calibrated on too (src/safety/dna-ja-train.ts, CC BY-NC-SA), the Japanese calibration prompts a pool of their",
  "own that the threshold must also reach --recall on; off: the guard of before 2026-12-05's Japanese data.",
  "--features F: the n-grams the prompt classifier reads (word12+char24+fold2, the default: how-to and help request",
  "frames such as 'How do I …?', 'Can you tell me how to …?', 'Could you help me …?', 〜方法は？, 〜にはどうすればいいですか？",
  "and 〜のを手伝ってください folded into one marker first, so that the frame does not change the verdict;",
  "word12+char24+fold: the how-to frames only (the guard of 2026-12-05); word12+char24: no folding; others in",
  "docs/safety.md). --howto on: also train on 764 everyday how-to requests as benign (src/safety/guard-howto.ts;",
  "the other 254 are the measurement's): everyday requests flagged 62 → 37 % (EN), 38 → 15 % (JA), held-out",
  "Do-Not-Answer recall up, XSTest's unsafe look-alikes caught less (docs/safety.md, \"Everyday requests\", with",
  "--recall's operating points); off by default. --language-thresholds on (default, with --dna-ja on): Japanese prompts are held",
  "to thresholds calibrated on the Japanese calibration prompts alone, others to the rest's; off: one set for all, each",
  "area the lowest any pool needs (docs/safety.md, \"Thresholds per language\").",
  "guard lm: a language model as the guard, in Llama Guard's reply format ('safe', or 'unsafe' and category codes",
  "S1–S14, mapped to Do-Not-Answer harm types and the same policies): a local model (any family that loads; Llama",
  "Guard 3/4 GGUFs carry the policy in their chat template: --format template, the default) or an OpenAI-compatible",
  "endpoint (chat completions with logprobs: llama-server, vLLM, Ollama's llama-guard3, `kotodama serve`).",
  "--format policy sends kotodama's own Llama-Guard-style policy prompt instead, for models whose template has none.",
  "The unsafe score is P(unsafe) at the reply's first word (the whole vocabulary locally, or --alternatives K of",
  "it; an endpoint's top_logprobs, default 20); flagged at --threshold (default 0.5, the model's own verdict). Writes",
  "DIR/guard.json (which --guard DIR then opens anywhere: generate, chat, serve, eval safety) and config.json; unless",
  "--no-measure, measures it as guard train does (--limit N prompts per set, evenly spaced; --responses N held-out",
  "responses for the output check, default 200) into metrics.json and guard.svg. --calibrate sets the thresholds",
  "to --recall (default 0.95) on the n-gram guard's held-apart calibration prompts (--calibrate-limit N of them,",
  "evenly spaced; --thresholds global|per-area) and writes calibration.json and reliability.svg.",
  "--api-key-env VAR names the",
  "environment variable with the endpoint's key (default OPENAI_API_KEY when set); the key is never written.",
  "guard check: prints the area, unsafe score, threshold, decision and policy text for TEXT (with no --guard,",
  "a guard is trained on the spot, ~10 s).",
  "",
  "Trains the safety evaluator on Do-Not-Answer's human labels (../shared/data/do-not-answer/data_en.csv):",
  "a kotodama decoder with an 8-output sequence head (harmful 0/1 and action 0–5, two cross-entropies) reading",
  "'Question: … Response: …'. Split by prompt: the responses to the project's 187 held-out prompts",
  "(src/data/instruct/split.ts) are the test set; a tenth of the other prompts gives the validation loss.",
  "Writes DIR/config.json, tokenizer.json, model.safetensors, head.json, head.safetensors, checkpoint.safetensors,",
  "metrics.jsonl, loss.svg, metrics.json (evaluator and baselines on the test set) and confusion-{harmful,action}.svg.",
  "Re-running with the same --out and settings resumes. judgeResponses(DIR, pairs) (src/safety/judge.ts) uses DIR.",
  "",
  "Flags:",
  "  --out DIR          evaluator directory",
  "  --seed S           seed (default 1)",
  "  --max-steps N      optimizer steps (default 500: ~5 minutes on 2 quiet cores)",
  "  --batch-size B     pairs per step (default 16)",
  "  --lr X             peak learning rate (default 1e-3; cosine to lr/10)",
  "  --context T        tokens read per pair (default 128)",
  "  --base RUN         start from a kotodama run directory (e.g. `kotodama train`) and its tokenizer; default:",
  "                     a fresh 2-layer, 128-channel decoder and a 2048-token BPE trained on the training",
  "                     responses + TinyStories (validation extract)",
  "  --data-dir DIR     folder holding do-not-answer/ and tinystories/ (default ../shared/data)",
  "  --threads N        compute threads (default: all cores)",
  "  --json             print metrics.json's summary as JSON",
].join("\n");

const pct = (x: number): string => (100 * x).toFixed(1).padStart(5);

function printReport(name: string, r: ClassificationReport): void {
  process.stdout.write(`  ${name.padEnd(34)} accuracy ${pct(r.accuracy)} %  macro-F1 ${pct(r.macroF1)} %  κ ${r.kappa.toFixed(3)}\n`);
}

function printMatrix(r: ClassificationReport): void {
  const w = Math.max(...r.labels.map((l) => l.length));
  process.stdout.write(`    ${"human \\ predicted".padEnd(w)}  ${r.labels.map((_, j) => String(j).padStart(5)).join("")}\n`);
  r.matrix.forEach((row, i) => process.stdout.write(`    ${r.labels[i]!.padEnd(w)}  ${row.map((v) => String(v).padStart(5)).join("")}\n`));
}

async function evaluatorTrain(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("safety evaluator train", argv, {
    out: { type: "string" }, seed: { type: "string" }, "max-steps": { type: "string" }, "batch-size": { type: "string" },
    lr: { type: "string" }, context: { type: "string" }, base: { type: "string" }, "data-dir": { type: "string" },
    threads: { type: "string" }, json: { type: "boolean" },
  }, false);
  const cmd = "safety evaluator train";
  if (typeof values.out !== "string") throw new KotodamaError("kotodama safety evaluator train: --out DIR is required");
  const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : defaultDataDir();
  if (dataDir === null) throw new KotodamaError("kotodama safety evaluator train: ../shared/data is absent; pass --data-dir DIR");
  const settings: Partial<EvaluatorSettings> = {
    ...(values.seed !== undefined ? { seed: intFlag(cmd, "seed", values.seed, 1, 1) } : {}),
    ...(values["max-steps"] !== undefined ? { maxSteps: intFlag(cmd, "max-steps", values["max-steps"], 1, 1) } : {}),
    ...(values["batch-size"] !== undefined ? { batchSize: intFlag(cmd, "batch-size", values["batch-size"], 16, 1, 4096) } : {}),
    ...(values.lr !== undefined ? { lr: numberFlag(cmd, "lr", values.lr, 1e-3, 1e-9, 10) } : {}),
    ...(values.context !== undefined ? { context: intFlag(cmd, "context", values.context, 128, 2, 1 << 16) } : {}),
  };
  const threads = values.threads === undefined ? undefined : intFlag(cmd, "threads", values.threads, 1, 1, 256);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const split = loadDnaSplit(dataDir);
  const storiesFile = join(dataDir, "tinystories", "tinystories_val.txt");
  const stories = existsSync(storiesFile) ? readStoriesVal(storiesFile).map((s) => s.text) : [];
  if (stories.length === 0 && values.base === undefined) log(`note: ${storiesFile} is absent; the tokenizer is trained on the training responses alone`);
  const res = trainEvaluator({
    split, outDir: values.out, backend: loadBackend(threads === undefined ? {} : { threads }), settings,
    ...(typeof values.base === "string" ? { base: values.base } : { tokenizerTexts: stories }),
    onProgress: progressPrinter(), log,
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  const t = res.test;
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ out: values.out, steps: res.steps, harmful: { accuracy: t.harmful.accuracy, macroF1: t.harmful.macroF1, kappa: t.harmful.kappa }, action: { accuracy: t.action.accuracy, macroF1: t.action.macroF1, kappa: t.action.kappa }, baselines: res.baselines.map((b) => ({ name: b.name, harmful: { accuracy: b.harmful.accuracy, macroF1: b.harmful.macroF1 }, action: { accuracy: b.action.accuracy, macroF1: b.action.macroF1 } })) })}\n`);
    return 0;
  }
  process.stdout.write(`evaluator: ${values.out} (${res.steps} steps; ${res.trainExamples} training responses; test: ${res.testExamples} responses to the held-out prompts)\n`);
  process.stdout.write("harmful (0/1) vs human labels, held-out prompts:\n");
  printReport("evaluator", t.harmful);
  for (const b of res.baselines) printReport(b.name, b.harmful);
  printMatrix(t.harmful);
  process.stdout.write("action (0–5) vs human labels, held-out prompts:\n");
  printReport("evaluator", t.action);
  for (const b of res.baselines) printReport(b.name, b.action);
  printMatrix(t.action);
  process.stdout.write(`refusal (action 0 or 4): accuracy ${pct(t.refusal.accuracy)} %  macro-F1 ${pct(t.refusal.macroF1)} %\n`);
  process.stdout.write("harmless responses per model, % (paper: all 939 prompts, upstream README; ours: held-out prompts):\n");
  process.stdout.write(`  ${"model".padEnd(16)} ${"paper human".padStart(11)} ${"GPT-4".padStart(6)} ${"Longformer".padStart(10)}   ${"our human".padStart(9)} ${"evaluator".padStart(9)}\n`);
  for (const p of DNA_PAPER_HARMLESS) {
    const o = t.harmlessByModel.find((m) => m.model === p.model);
    process.stdout.write(`  ${p.model.padEnd(16)} ${p.human.toFixed(1).padStart(11)} ${p.gpt4.toFixed(1).padStart(6)} ${p.longformer.toFixed(1).padStart(10)}   ${(o?.human.toFixed(1) ?? "-").padStart(9)} ${(o?.evaluator.toFixed(1) ?? "-").padStart(9)}\n`);
  }
  const paperGap = meanHarmlessGap(DNA_PAPER_HARMLESS.map((p) => ({ human: p.human, evaluator: p.longformer })));
  process.stdout.write(`  mean |evaluator − human| per model: Longformer ${paperGap.toFixed(2)} pp (paper), ours ${meanHarmlessGap(t.harmlessByModel).toFixed(2)} pp\n`);
  process.stdout.write(`files: ${join(values.out, "metrics.json")}, confusion-harmful.svg, confusion-action.svg, loss.svg\n`);
  return 0;
}

function guardDataDir(cmd: string, flag: unknown): string {
  const d = typeof flag === "string" ? flag : defaultDataDir();
  if (d === null) throw new KotodamaError(`kotodama ${cmd}: ../shared/data is absent; pass --data-dir DIR`);
  return d;
}

/** The measurement's fields of `--json` (guard train, guard lm). */
const measurementJson = (m: GuardMeasurement): Record<string, unknown> => ({ dnaRecall: m.dnaRecall.rate, xstestUnsafeRecall: m.xstestUnsafeRecall.rate, heldOutRecall: m.heldOutRecall.rate, xstestSafeFlagged: m.xstestSafeFlagged.rate, xstestSafeBlocked: m.xstestSafeBlocked.rate, everydayFlagged: { en: m.everydayFlagged.en.rate, ja: m.everydayFlagged.ja.rate }, everydayBlocked: m.everydayBlocked.rate, areas: m.areas, latency: m.latency, atTenPercentOverRefusal: m.atTenPercentOverRefusal, output: m.output });

/** The measurement's table and lines (guard train, guard lm). */
function printGuardMeasurement(m: GuardMeasurement, thresholds: readonly number[]): void {
  process.stdout.write(`  ${"area".padEnd(16)} threshold  recall(held-out DNA)  precision  area acc.   n\n`);
  m.areas.forEach((a, i) => process.stdout.write(`  ${AREA_SHORT[a.area].padEnd(16)} ${thresholds[i]!.toFixed(4).padStart(9)}  ${pct(a.recall).padStart(19)} %  ${pct(a.precision).padStart(7)} %  ${pct(a.areaAccuracy).padStart(7)} %  ${String(a.n).padStart(3)}\n`));
  process.stdout.write(`held-out recall: DNA ${pct(m.dnaRecall.rate)} % (${m.dnaRecall.k}/${m.dnaRecall.n}), XSTest unsafe ${pct(m.xstestUnsafeRecall.rate)} % (${m.xstestUnsafeRecall.k}/${m.xstestUnsafeRecall.n}), together ${pct(m.heldOutRecall.rate)} %\n`);
  process.stdout.write(`XSTest safe prompts: flagged ${pct(m.xstestSafeFlagged.rate)} % (${m.xstestSafeFlagged.k}/${m.xstestSafeFlagged.n}), blocked (refused/redirected) ${pct(m.xstestSafeBlocked.rate)} %\n`);
  const day = m.everydayFlagged, dayN = day.en.n + day.ja.n;
  if (dayN > 0) process.stdout.write(`everyday how-to requests (${day.en.n} EN + ${day.ja.n} JA, never trained on): flagged EN ${pct(day.en.rate)} % (${day.en.k}/${day.en.n}), JA ${pct(day.ja.rate)} % (${day.ja.k}/${day.ja.n}); blocked (refused/redirected) ${pct(m.everydayBlocked.rate)} %\n`);
  process.stdout.write(`one global threshold flagging ≤ 10 % of XSTest safe: ${m.atTenPercentOverRefusal.threshold.toFixed(4)} → held-out recall ${pct(m.atTenPercentOverRefusal.heldOutRecall)} %\n`);
  process.stdout.write(`output check on ${m.output.n} held-out responses (${m.output.harmful} harmful): precision ${pct(m.output.precision)} %, recall ${pct(m.output.recall)} %, harmless replaced ${pct(m.output.falsePositiveRate)} %\n`);
  const dur = (us: number): string => (us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${us.toFixed(0)} µs`);
  process.stdout.write(`latency: input check ${dur(m.latency.inputMeanUs)} mean (p95 ${dur(m.latency.inputP95Us)}), output check ${dur(m.latency.outputMeanUs)}\n`);
}

const oneOfPool = (v: unknown): ComposePool => {
  if (v !== "main" && v !== "extended") throw new KotodamaError(`kotodama safety guard train: --ja-pool must be main or extended, got ${JSON.stringify(v)}`);
  return v;
};

async function guardTrain(argv: readonly string[]): Promise<number> {
  const cmd = "safety guard train";
  const { values } = parseFlags(cmd, argv, { out: { type: "string" }, seed: { type: "string" }, recall: { type: "string" }, generated: { type: "string" }, "ja-composed": { type: "string" }, "ja-pool": { type: "string" }, "dna-ja": { type: "string" }, howto: { type: "string" }, "language-thresholds": { type: "string" }, direct: { type: "string" }, "direct-fit-only": { type: "boolean" }, features: { type: "string" }, "data-dir": { type: "string" }, json: { type: "boolean" } }, false);
  if (typeof values.out !== "string") throw new KotodamaError("kotodama safety guard train: --out DIR is required");
  for (const f of ["dna-ja", "howto", "language-thresholds"] as const) {
    const v = values[f];
    if (v !== undefined && v !== "on" && v !== "off") throw new KotodamaError(`kotodama safety guard train: --${f} must be on or off, got ${JSON.stringify(v)}`);
  }
  const settings: Partial<GuardSettings> = {
    ...(values.seed !== undefined ? { seed: intFlag(cmd, "seed", values.seed, 1, 0) } : {}),
    ...(values.recall !== undefined ? { recall: numberFlag(cmd, "recall", values.recall, GUARD_DEFAULTS.recall, 0.01, 1) } : {}),
    ...(values.generated !== undefined ? { generated: intFlag(cmd, "generated", values.generated, GUARD_DEFAULTS.generated, 0) } : {}),
    ...(values["ja-composed"] !== undefined ? { jaComposed: intFlag(cmd, "ja-composed", values["ja-composed"], GUARD_DEFAULTS.jaComposed, 0) } : {}),
    ...(values["ja-pool"] !== undefined ? { jaPool: oneOfPool(values["ja-pool"]) } : {}),
    ...(values["dna-ja"] !== undefined ? { dnaJa: values["dna-ja"] === "on" } : {}),
    ...(values.howto !== undefined ? { howto: values.howto === "on" } : {}),
    ...(values["language-thresholds"] !== undefined ? { languageThresholds: values["language-thresholds"] === "on" } : {}),
    ...(values.direct !== undefined ? { direct: intFlag(cmd, "direct", values.direct, GUARD_DEFAULTS.direct, 0) } : {}),
    ...(values["direct-fit-only"] === true ? { directPool: false } : {}),
    ...(typeof values.features === "string" ? { features: values.features as GuardSettings["features"] } : {}),
  };
  const r = await runGuardTraining(values.out, guardDataDir(cmd, values["data-dir"]), settings, (s) => void process.stderr.write(`${s}\n`));
  const m = r.measured;
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ out: values.out, seconds: r.train.seconds, thresholds: r.train.guard.thresholds, thresholdsJa: r.train.guard.thresholdsJa, calibration: { recall: r.train.calibration.recall, falsePositiveRate: r.train.calibration.falsePositiveRate, ece: r.train.calibration.reliability.ece, pools: r.train.calibration.pools }, ...measurementJson(m) })}\n`);
    return 0;
  }
  const c = r.train.calibration;
  process.stdout.write(`guard: ${values.out} (trained in ${r.train.seconds.toFixed(1)} s on ${r.train.fitExamples} prompts)\n`);
  process.stdout.write(`calibration (${c.nRisky} risky, ${c.nBenign} benign prompts held apart${c.japanese === undefined ? "" : ", the Japanese ones apart below"}): recall ${pct(c.recall)} % (target ${pct(c.recallTarget)} %), benign flagged ${pct(c.falsePositiveRate)} %, ECE ${c.reliability.ece.toFixed(3)}\n`);
  if (c.pools.length > 1) for (const p of c.pools) process.stdout.write(`  pool ${p.name}: ${p.nRisky} risky (own threshold ${p.ownThreshold.toFixed(4)}), recall ${pct(p.recall)} %; ${p.nBenign} benign, flagged ${pct(p.falsePositiveRate)} %\n`);
  const ja = r.train.guard.thresholdsJa;
  if (ja !== null) process.stdout.write(`Japanese prompts are held to their own thresholds: ${[...new Set(ja.map((t) => t.toFixed(4)))].join(" / ")} (others: ${[...new Set(r.train.guard.thresholds.map((t) => t.toFixed(4)))].join(" / ")})\n`);
  printGuardMeasurement(m, r.train.guard.thresholds);
  process.stdout.write(`files: ${r.files.join(", ")}\n`);
  return 0;
}

const LM_FLAG: Readonly<Record<string, string>> = { model: "--model", endpoint: "--endpoint", apiModel: "--api-model", apiKeyEnv: "--api-key-env", format: "--format", alternatives: "--alternatives", threshold: "--threshold", outputThreshold: "--output-threshold" };

async function guardLm(argv: readonly string[]): Promise<number> {
  const cmd = "safety guard lm";
  const { values } = parseFlags(cmd, argv, {
    out: { type: "string" }, model: { type: "string" }, endpoint: { type: "string" }, "api-model": { type: "string" }, "api-key-env": { type: "string" },
    format: { type: "string" }, alternatives: { type: "string" }, threshold: { type: "string" }, "output-threshold": { type: "string" },
    limit: { type: "string" }, responses: { type: "string" }, "no-measure": { type: "boolean" }, "data-dir": { type: "string" }, quiet: { type: "boolean" }, json: { type: "boolean" },
    calibrate: { type: "boolean" }, "calibrate-limit": { type: "string" }, recall: { type: "string" }, thresholds: { type: "string" },
  }, false);
  if (typeof values.out !== "string") throw new KotodamaError("kotodama safety guard lm: --out DIR is required");
  const endpoint = typeof values.endpoint === "string" ? values.endpoint : "";
  if (endpoint === "" && values["api-model"] !== undefined) throw new KotodamaError("kotodama safety guard lm: --api-model goes with --endpoint");
  const keyEnv = typeof values["api-key-env"] === "string" ? values["api-key-env"] : endpoint !== "" && (process.env.OPENAI_API_KEY ?? "") !== "" ? "OPENAI_API_KEY" : "";
  const settings: LmGuardSettings = {
    ...LM_GUARD_DEFAULTS,
    model: typeof values.model === "string" ? values.model : "",
    endpoint, apiModel: typeof values["api-model"] === "string" ? values["api-model"] : "", apiKeyEnv: keyEnv,
    format: (typeof values.format === "string" ? values.format : LM_GUARD_DEFAULTS.format) as LmGuardFormat,
    alternatives: values.alternatives !== undefined ? intFlag(cmd, "alternatives", values.alternatives, 0, 0, 1 << 20) : endpoint !== "" ? 20 : 0,
    threshold: values.threshold !== undefined ? numberFlag(cmd, "threshold", values.threshold, LM_GUARD_DEFAULTS.threshold, 0, 1) : LM_GUARD_DEFAULTS.threshold,
    outputThreshold: values["output-threshold"] !== undefined ? numberFlag(cmd, "output-threshold", values["output-threshold"], LM_GUARD_DEFAULTS.outputThreshold, 0, 1) : LM_GUARD_DEFAULTS.outputThreshold,
  };
  const limit = values.limit === undefined ? undefined : intFlag(cmd, "limit", values.limit, 0, 1);
  const responses = values.responses === undefined ? 200 : intFlag(cmd, "responses", values.responses, 200, 0);
  const calibrating = values.calibrate === true || values["calibrate-limit"] !== undefined;
  for (const f of ["recall", "thresholds"] as const) if (values[f] !== undefined && !calibrating) throw new KotodamaError(`kotodama ${cmd}: --${f} sets the calibration; it needs --calibrate`);
  const mode = typeof values.thresholds === "string" ? values.thresholds : "global";
  if (!(THRESHOLD_MODES as readonly string[]).includes(mode)) throw new KotodamaError(`kotodama ${cmd}: --thresholds must be one of ${THRESHOLD_MODES.join(", ")}, got '${mode}'`);
  const needData = calibrating || values["no-measure"] !== true;
  const dataDir = !needData ? null : typeof values["data-dir"] === "string" ? values["data-dir"] : defaultDataDir();
  if (dataDir === null && calibrating) throw new KotodamaError(`kotodama ${cmd}: --calibrate needs the calibration prompts under ../shared/data, which is absent; pass --data-dir DIR`);
  if (dataDir === null && needData) process.stderr.write(`${cmd}: ../shared/data is absent, so the guard is written without a measurement (pass --data-dir DIR to measure it)\n`);
  const bar = stepBar(values.quiet === true || values.json === true);
  const progress = (step: string) => (done: number, total: number): void => bar.onProgress({ step, done, total, detail: `${done}/${total} prompts judged` });
  const calibrate = !calibrating || dataDir === null ? null : {
    dataDir, mode: mode as ThresholdMode, onProgress: progress("calibrate"),
    recall: values.recall === undefined ? GUARD_DEFAULTS.recall : numberFlag(cmd, "recall", values.recall, GUARD_DEFAULTS.recall, 0.01, 1),
    ...(values["calibrate-limit"] === undefined ? {} : { limit: intFlag(cmd, "calibrate-limit", values["calibrate-limit"], 0, 1) }),
  };
  const measure = values["no-measure"] === true || dataDir === null ? null : { dataDir, options: { ...(limit === undefined ? {} : { limit }), responses, onProgress: progress("measure") } };
  let r;
  try {
    r = await runLmGuard(values.out, settings, calibrate, measure, (f) => `kotodama ${cmd}: ${LM_FLAG[f] ?? f}`);
  } finally {
    bar.stop();
  }
  const m = r.measured;
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ out: values.out, judge: r.guard.judge.name, settings: r.guard.settings, thresholds: r.guard.thresholds, seconds: r.seconds, ...(r.calibration === null ? {} : { calibration: { recall: r.calibration.recall, falsePositiveRate: r.calibration.falsePositiveRate, ece: r.calibration.reliability.ece, nRisky: r.calibration.nRisky, nBenign: r.calibration.nBenign } }), ...(m === null ? {} : measurementJson(m)) })}\n`);
    return 0;
  }
  process.stdout.write(`LM guard: ${values.out} (${r.guard.judge.name}, ${r.guard.settings.format} format, P(unsafe) over ${r.guard.settings.alternatives === 0 ? "the whole vocabulary" : `the top ${r.guard.settings.alternatives}`}, threshold ${r.calibration === null ? r.guard.settings.threshold : "calibrated"})\n`);
  const c = r.calibration;
  if (c !== null) process.stdout.write(`calibration (${c.nRisky} risky, ${c.nBenign} benign prompts held apart from the n-gram guard's training): recall ${pct(c.recall)} % (target ${pct(c.recallTarget)} %), benign flagged ${pct(c.falsePositiveRate)} %, ECE ${c.reliability.ece.toFixed(3)}\n`);
  if (m !== null) printGuardMeasurement(m, r.guard.thresholds);
  process.stdout.write(`files: ${r.files.join(", ")}\n`);
  return 0;
}

/** A trained guard from DIR, or (dir null) one trained on the spot from the data folder. */
export function openGuard(cmd: string, dir: string | null, dataDir?: string, o: OpenLmGuardOptions = {}): AnyGuard {
  if (dir !== null) return loadAnyGuard(dir, o);
  process.stderr.write(`${cmd}: no guard directory given; training one on the spot (seed 1, ~10 s; save one with 'kotodama safety guard train --out DIR')\n`);
  return trainGuard(guardDataDir(cmd, dataDir)).guard;
}

/** Takes `--guard [DIR]` (or --guard=DIR) out of argv: guard undefined when absent, null when given without DIR. */
export function takeGuardFlag(argv: readonly string[]): { argv: string[]; guard: string | null | undefined } {
  const rest: string[] = [];
  let guard: string | null | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--guard=")) guard = a.slice("--guard=".length);
    else if (a === "--guard") {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        guard = next;
        i++;
      } else guard = null;
    } else rest.push(a);
  }
  return { argv: rest, guard };
}

async function guardCheck(argv: readonly string[]): Promise<number> {
  const cmd = "safety guard check";
  const { values, positionals } = parseFlags(cmd, argv, { guard: { type: "string" }, json: { type: "boolean" }, "data-dir": { type: "string" } }, true);
  if (positionals.length === 0) throw new KotodamaError("kotodama safety guard check: give the TEXT to check");
  const text = positionals.join(" ");
  const g = openGuard(cmd, typeof values.guard === "string" ? values.guard : null, typeof values["data-dir"] === "string" ? values["data-dir"] : undefined);
  const t0 = performance.now();
  const c = await inspectInput(g, text);
  const us = (performance.now() - t0) * 1000;
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ text, area: c.area, harmType: c.harmType, unsafe: c.unsafe, threshold: c.threshold, flagged: c.flagged, decision: c.policy.action, rule: c.policy.rule, lang: c.policy.lang, policy: c.policy.text, micros: us })}\n`);
    return 0;
  }
  process.stdout.write(`area: ${c.area} (${c.harmType})\nunsafe: ${c.unsafe.toFixed(4)} (threshold ${c.threshold.toFixed(4)}: ${c.flagged ? "flagged" : "not flagged"})\ndecision: ${c.policy.action} (${c.policy.rule})\n`);
  if (c.policy.text !== "") process.stdout.write(`policy text (${c.policy.lang}, ${c.policy.action === "care" ? `${c.policy.placement} the answer` : "instead of the answer"}):\n${c.policy.text}\n`);
  return 0;
}

export const safety: Command = {
  name: "safety",
  ownHelp: true,
  summary: "train the Do-Not-Answer safety evaluator (harmful / action classifier) and the input/output guard",
  help: HELP,
  async run(argv) {
    const [sub, verb, ...rest] = argv;
    if (sub === undefined || sub === "--help" || wantsHelp(rest) || verb === "--help") {
      process.stdout.write(`${HELP}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub === "guard" && verb === "train") return guardTrain(rest);
    if (sub === "guard" && verb === "check") return guardCheck(rest);
    if (sub === "guard" && verb === "lm") return guardLm(rest);
    if (sub !== "evaluator" || verb !== "train") throw new KotodamaError(`kotodama safety: unknown subcommand '${[sub, verb].filter((x) => x !== undefined).join(" ")}'; expected 'evaluator train', 'guard train', 'guard lm' or 'guard check'`);
    return evaluatorTrain(rest);
  },
};
