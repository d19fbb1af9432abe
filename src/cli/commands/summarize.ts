// `kotodama summarize (--model M | --endpoint URL | --extractive) FILE`: long-document summarization with every
// sentence citing its source lines, and the flags shared with `eval summarize` (the model, the summarizer's
// settings). Not here: chunking, prompts, attribution (src/eval/summarize/, docs/summarize.md).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { stepBar } from "../progress.js";
import { KotodamaError } from "../../util/errors.js";
import { atomicWrite } from "../../data/files.js";
import { resolveEndpointUrl } from "../../infer/endpoint.js";
import type { Generator } from "../../rag/generator.js";
import { SUMMARIZE_DEFAULTS, summarizeDocument, type SummarizeConfig, type SummaryResult } from "../../eval/summarize/summarize.js";
import { checkCitations } from "../../eval/summarize/verify.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP } from "../endpoint-flags.js";
import { askModelsFlags } from "./rag.js";

export const SUMMARIZE_FLAGS = {
  model: { type: "string" },
  ...ENDPOINT_FLAGS,
  tokenizer: { type: "string" },
  context: { type: "string" },
  threads: { type: "string" },
  extractive: { type: "boolean" },
  sentences: { type: "string" },
  "part-sentences": { type: "string" },
  "part-tokens": { type: "string" },
  "final-tokens": { type: "string" },
  lang: { type: "string" },
  strict: { type: "boolean" },
  quiet: { type: "boolean" },
  json: { type: "boolean" },
  out: { type: "string" },
} as const;

export const SUMMARIZE_MODEL_HELP: readonly string[] = [
  "  --model M           a kotodama chat model (run folder, GGUF, HF folder)",
  ...ENDPOINT_HELP,
  "                      (without --api-model, the endpoint's only model, or its first, from GET URL/models)",
  "  --tokenizer PATH    endpoint: count prompt tokens exactly with the served model's tokenizer and chat template",
  "                      (default: a safe upper bound, UTF-8 bytes + template allowance)",
  "  --context N         tokens the model attends to (default: the model's, capped at 4096; endpoint: 4096)",
  "  --threads N         compute threads for a local model",
  "  --extractive        no model: keep each chunk's most central sentences (a baseline that cannot hallucinate)",
  `  --sentences N       sentences in the summary (default ${SUMMARIZE_DEFAULTS.sentences})`,
  `  --part-sentences N  sentences asked of each chunk and intermediate combination (default ${SUMMARIZE_DEFAULTS.partSentences})`,
  `  --part-tokens N     tokens generated per chunk / combination (default ${SUMMARIZE_DEFAULTS.partTokens})`,
  `  --final-tokens N    tokens generated for the final summary (default ${SUMMARIZE_DEFAULTS.finalTokens})`,
  "  --lang ja|en|auto   prompt language (default auto: from the document's script)",
  "  --strict            drop summary sentences their cited spans do not support",
];

const HELP = [
  "Usage: kotodama summarize (--model M | --endpoint URL [--api-model NAME] | --extractive) [flags] FILE",
  "",
  "Summarizes a document longer than the model's context: map-reduce over chunks cut at headings, paragraphs and",
  "sentences; every summary sentence cites the source lines it comes from (checked: the cited text exists and",
  "shares content words with the sentence). FILE '-' reads stdin. Runs fully offline with a local model or a",
  "loopback endpoint (docs/summarize.md: running it on private records).",
  "",
  ...SUMMARIZE_MODEL_HELP,
  "  --json              the summary, citations and statistics as one JSON object",
  "  --out DIR           also write DIR/summary.json and DIR/config.json (the resolved settings)",
  "  --quiet             no progress bar",
].join("\n");

/** The summarizer settings from flags. */
export function summarizeConfigFlags(cmd: string, values: Record<string, unknown>): SummarizeConfig {
  const d = SUMMARIZE_DEFAULTS;
  const lang = values.lang ?? d.language;
  if (lang !== "ja" && lang !== "en" && lang !== "auto") throw new KotodamaError(`kotodama ${cmd}: --lang must be ja, en or auto, got ${JSON.stringify(lang)}`);
  return {
    ...d,
    sentences: intFlag(cmd, "sentences", values.sentences, d.sentences, 1, 100),
    partSentences: intFlag(cmd, "part-sentences", values["part-sentences"], d.partSentences, 1, 50),
    partTokens: intFlag(cmd, "part-tokens", values["part-tokens"], d.partTokens, 4, 1 << 16),
    finalTokens: intFlag(cmd, "final-tokens", values["final-tokens"], d.finalTokens, 4, 1 << 16),
    language: lang,
    strict: values.strict === true,
    concurrency: intFlag(cmd, "concurrency", values.concurrency, d.concurrency, 1, 256),
  };
}

/** With --endpoint and no --api-model: the endpoint's only (or first) model, from GET URL/models. */
async function defaultApiModel(cmd: string, values: Record<string, unknown>): Promise<void> {
  if (typeof values.endpoint !== "string" || values["api-model"] !== undefined) return;
  const url = resolveEndpointUrl(values.endpoint);
  const keyEnv = typeof values["api-key-env"] === "string" ? values["api-key-env"] : "OPENAI_API_KEY";
  const key = process.env[keyEnv];
  let ids: string[];
  try {
    const r = await fetch(`${url}/models`, { headers: key !== undefined && key !== "" ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(10_000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const body = (await r.json()) as { data?: { id?: unknown }[] };
    ids = (body.data ?? []).map((m) => m.id).filter((x): x is string => typeof x === "string");
  } catch (e) {
    throw new KotodamaError(`kotodama ${cmd}: --endpoint without --api-model: cannot list ${url}/models (${(e as Error).message}); give --api-model NAME`);
  }
  if (ids.length === 0) throw new KotodamaError(`kotodama ${cmd}: ${url}/models lists no model; give --api-model NAME`);
  if (ids.length > 1) process.stderr.write(`note: ${url} serves ${ids.length} models (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}); using ${ids[0]} (--api-model to choose)\n`);
  values["api-model"] = ids[0];
}

/** The generator the flags name: a local model, an endpoint, or null with --extractive. */
export async function summarizeModelFlags(cmd: string, values: Record<string, unknown>): Promise<{ generator: Generator | null; describe: string }> {
  if (values.extractive === true) {
    if (values.model !== undefined || values.endpoint !== undefined) throw new KotodamaError(`kotodama ${cmd}: --extractive uses no model; drop --model/--endpoint`);
    return { generator: null, describe: "extractive (no model)" };
  }
  if (values.model === undefined && values.endpoint === undefined) throw new KotodamaError(`kotodama ${cmd}: --model M, --endpoint URL or --extractive is required`);
  await defaultApiModel(cmd, values);
  const m = askModelsFlags(cmd, values, true);
  if (m.generator === null || m.generator === undefined) throw new KotodamaError(`kotodama ${cmd}: no model to summarize with`);
  return { generator: m.generator, describe: m.path !== null ? `kotodama model ${m.path}` : `endpoint ${m.endpoint!.url} model ${m.endpoint!.model}` };
}

/** The summary as text: sentences with [n] markers, then the numbered cited spans. */
export function summaryText(r: SummaryResult): string {
  const lines: string[] = [];
  const cites: string[] = [];
  for (const s of r.sentences) {
    const marks = s.citations.map((c) => {
      cites.push(`[${cites.length + 1}] ${c.line === c.endLine ? `line ${c.line}` : `lines ${c.line}–${c.endLine}`}: ${c.text.replace(/\s+/gu, " ").trim().slice(0, 160)}`);
      return `[${cites.length}]`;
    });
    lines.push(`${s.text}${marks.length > 0 ? ` ${marks.join("")}` : ""}${s.supported ? "" : " (unsupported)"}`);
  }
  return `${lines.join("\n")}\n${cites.length > 0 ? `\n${cites.join("\n")}\n` : ""}`;
}

export const summarizeCommand: Command = {
  name: "summarize",
  summary: "summarize a long document (map-reduce, every sentence citing its source lines)",
  help: HELP,
  async run(argv) {
    const cmd = "summarize";
    const { values, positionals } = parseFlags(cmd, argv, SUMMARIZE_FLAGS);
    if (positionals.length !== 1) throw new KotodamaError(`kotodama ${cmd}: expected one FILE (or '-' for stdin), got ${positionals.length}`);
    const file = positionals[0]!;
    let text: string;
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
      throw new KotodamaError(`kotodama ${cmd}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (text.trim() === "") throw new KotodamaError(`kotodama ${cmd}: ${file} is empty`);
    const cfg = summarizeConfigFlags(cmd, values);
    const { generator, describe } = await summarizeModelFlags(cmd, values);
    const bar = stepBar(values.quiet === true || values.json === true);
    const t0 = performance.now();
    let result: SummaryResult;
    try {
      result = await summarizeDocument(text, generator, cfg, (p) => bar.onProgress({ step: p.phase, done: p.done, total: p.total, detail: "" }));
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    const check = checkCitations(text, result.sentences);
    const json = { file, model: describe, ...result, check: { ...check, problems: check.problems.slice(0, 20) }, seconds };
    if (typeof values.out === "string") {
      mkdirSync(values.out, { recursive: true });
      atomicWrite(join(values.out, "summary.json"), `${JSON.stringify(json, null, 2)}\n`);
      atomicWrite(join(values.out, "config.json"), `${JSON.stringify({ command: "summarize", file, model: describe, config: cfg }, null, 2)}\n`);
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(json)}\n`);
    else {
      process.stdout.write(summaryText(result));
      process.stderr.write(`${describe}: ${result.sourceChars} chars, ${result.chunks} chunks, ${result.levels} reduce level(s), ${result.calls} model calls, ${seconds.toFixed(1)} s; citations valid ${check.sentencesValid}/${check.sentences} sentences${result.dropped > 0 ? `, ${result.dropped} unsupported dropped` : ""}\n`);
    }
    return 0;
  },
};
