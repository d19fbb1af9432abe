// `kotodama data prepare`: parse flags or a JSON config → PipelineConfig, load the tokenizer, run the pipeline,
// write the report, show a progress bar and a one-screen summary. Not here: any pipeline logic (src/data/).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "../command.js";
import { parseFlags, intFlag, numberFlag, wantsHelp } from "../command.js";
import { stepBar } from "../progress.js";
import { KotodamaError } from "../../util/errors.js";
import { parseConfig, parseSize } from "../../data/config.js";
import { runPipeline, type TokenizerInput } from "../../data/pipeline.js";
import { sha256 } from "../../data/files.js";
import { summarize, writeReport } from "../../data/report.js";
import { detectTokenizerFile, loadTokenizer } from "../../tokenizer/load.js";
import { dataInstruct, INSTRUCT_HELP } from "./data-instruct.js";
import { dataPrefs, PREFS_HELP } from "./data-prefs.js";

const HELP = [
  "Usage: kotodama data prepare --config FILE --out DIR [--tokenizer PATH] [--workers N] [--memory-cap SIZE] [--force] [--quiet]",
  "       kotodama data prepare --input PATH [--input PATH ...] --out DIR [--format F]",
  "                             [--separator S] [--field NAME] [--json-key KEY] [--name NAME]",
  "                             [--encoding E] [--lone-surrogates replace|skip]",
  "                             [--val-fraction F] [--tokenizer PATH] [--force] [--quiet]",
  "       either form: [--decontaminate FILE ...] [--decontaminate-field NAME ...]",
  "",
  "Turns raw corpora into filtered, deduplicated, tokenized shards with a report (docs/data.md):",
  "normalise → language ID → quality → toxicity → PII → exact/near dedup → decontaminate → split → shards.",
  "Writes DIR/manifest.json, DIR/{train,val}-NNNNN.bin (with a tokenizer), DIR/text/{train,val}.jsonl,",
  "DIR/report.html, DIR/report.json, DIR/lengths-*.svg; caches work in DIR/cache so a re-run reuses it.",
  "",
  "  --config FILE      JSON pipeline config (see docs/data.md); unknown keys are errors",
  "  --input PATH       one-source case: a file, folder or glob (repeatable)",
  "  --format F         auto (default: warc/wet by name, .warc[.gz|.zst] / .wet[.gz|.zst], else text),",
  "                     text, jsonl, json, warc or wet (Common Crawl); .gz and .zst are decompressed",
  '  --separator S      text documents separator; default "\\n\\n" (blank line); e.g. "<|endoftext|>"',
  "  --field NAME       jsonl/json: the text field (default text; '' for string elements)",
  "  --json-key KEY     json: the root key holding the array ('' = the root is the array)",
  "  --name NAME        source name (default: input)",
  "  --encoding E       utf-8 (default), shift_jis, euc-jp or auto (guess per file); with --config it",
  "                     applies to every source (config: sources[].encoding)",
  "  --lone-surrogates M  a JSON \\ud800 escape: replace with U+FFFD (default) or skip the document",
  "  --decontaminate FILE  also drop documents sharing a 13-gram with this evaluation file (repeatable;",
  "                     .jsonl/.json/.csv/.tsv, else one item per line; config: decontaminate.files)",
  "  --decontaminate-field NAME  the text field (JSON path) or column of those files (repeatable;",
  "                     default: every string; config: decontaminate.fields)",
  "  --val-fraction F   validation fraction (default 0.01)",
  "  --tokenizer PATH   tokenizer file (GGUF, tokenizer.json, llama2.c); overrides shards.tokenizer",
  "  --workers N        worker threads for the clean step (default 1); outputs do not depend on N",
  "  --memory-cap SIZE  keep the whole process under SIZE (e.g. 1G): workers share one language identifier and",
  "                     the dedup state, spilled to DIR/cache on disk, gets what is left; too small a SIZE is an",
  "                     error that names the minimum",
  "  --force            ignore caches",
  "  --quiet            no progress bar or summary",
].join("\n");

const FLAGS = {
  config: { type: "string" },
  out: { type: "string" },
  input: { type: "string", multiple: true },
  format: { type: "string" },
  separator: { type: "string" },
  field: { type: "string" },
  "json-key": { type: "string" },
  name: { type: "string" },
  "val-fraction": { type: "string" },
  encoding: { type: "string" },
  "lone-surrogates": { type: "string" },
  decontaminate: { type: "string", multiple: true },
  "decontaminate-field": { type: "string", multiple: true },
  tokenizer: { type: "string" },
  workers: { type: "string" },
  "memory-cap": { type: "string" },
  force: { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

function loadTok(path: string): TokenizerInput {
  const f = detectTokenizerFile(path);
  return { tokenizer: loadTokenizer(path), path: f.path, sha256: sha256(readFileSync(f.path)) };
}

/** Applies the flags that work with --config too: --decontaminate FILE (appended to decontaminate.files, resolved
 *  against the working directory), --decontaminate-field, and --encoding / --lone-surrogates (every source). */
function withInputFlags(json: unknown, values: Record<string, unknown>, file: string): unknown {
  const files = values.decontaminate as string[] | undefined;
  const fields = values["decontaminate-field"] as string[] | undefined;
  const perSource: Record<string, unknown> = {};
  if (file !== "flags" && values.encoding !== undefined) perSource.encoding = values.encoding;
  if (file !== "flags" && values["lone-surrogates"] !== undefined) perSource.loneSurrogates = values["lone-surrogates"];
  if (files === undefined && fields === undefined && Object.keys(perSource).length === 0) return json;
  if (json === null || typeof json !== "object" || Array.isArray(json)) return json; // parseConfig names the error
  const j = { ...(json as Record<string, unknown>) };
  if (Object.keys(perSource).length > 0 && Array.isArray(j.sources)) j.sources = j.sources.map((s: unknown) => (s !== null && typeof s === "object" ? { ...s, ...perSource } : s));
  if (files !== undefined || fields !== undefined) {
    const d = j.decontaminate !== null && typeof j.decontaminate === "object" ? { ...(j.decontaminate as Record<string, unknown>) } : {};
    // With --config, relative paths in the file are relative to its folder, so a flag's path is made absolute.
    if (files !== undefined) d.files = [...(Array.isArray(d.files) ? (d.files as unknown[]) : []), ...files.map((f) => (file === "flags" ? f : resolve(f)))];
    if (fields !== undefined) d.fields = fields;
    j.decontaminate = d;
  }
  return j;
}

async function prepare(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("data prepare", argv, FLAGS, false);
  const out = values.out;
  if (typeof out !== "string") throw new KotodamaError("kotodama data prepare: --out DIR is required");
  let json: unknown;
  let baseDir: string;
  let file: string;
  if (typeof values.config === "string") {
    if (values.input !== undefined) throw new KotodamaError("kotodama data prepare: give either --config or --input, not both");
    file = resolve(values.config);
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new KotodamaError(`kotodama data prepare: cannot read --config ${values.config}: ${(e as Error).message}`);
    }
    baseDir = dirname(file);
  } else {
    const inputs = values.input;
    if (!Array.isArray(inputs) || inputs.length === 0) throw new KotodamaError("kotodama data prepare: give --config FILE or at least one --input PATH");
    file = "flags";
    baseDir = process.cwd();
    const src: Record<string, unknown> = { name: values.name ?? "input", paths: inputs };
    if (values.format !== undefined) src.format = values.format;
    if (values.separator !== undefined) src.separator = String(values.separator).replace(/\\n/g, "\n");
    if (values.field !== undefined) src.field = values.field;
    if (values["json-key"] !== undefined) src.jsonKey = values["json-key"];
    if (values.encoding !== undefined) src.encoding = values.encoding;
    if (values["lone-surrogates"] !== undefined) src.loneSurrogates = values["lone-surrogates"];
    const cfgJson: Record<string, unknown> = { sources: [src] };
    if (values["val-fraction"] !== undefined) cfgJson.split = { valFraction: numberFlag("data prepare", "val-fraction", values["val-fraction"], 0.01, 0, 0.99) };
    json = cfgJson;
  }
  json = withInputFlags(json, values, file);
  // The flags override the config's keys and go through the same parser.
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new KotodamaError(`kotodama data prepare: ${file} must hold a JSON object`);
  if (values.workers !== undefined) (json as Record<string, unknown>).workers = intFlag("data prepare", "workers", values.workers, 1, 1, 256);
  if (values["memory-cap"] !== undefined) (json as Record<string, unknown>).memoryCap = String(parseSize(String(values["memory-cap"]), "kotodama data prepare: --memory-cap"));
  const cfg = parseConfig(json, file);
  const tokPath = typeof values.tokenizer === "string" ? resolve(values.tokenizer) : cfg.shards.tokenizer !== null ? resolve(baseDir, cfg.shards.tokenizer) : null;
  const tokenizer = tokPath === null ? null : loadTok(tokPath);
  const quiet = values.quiet === true;
  const { onProgress, stop } = stepBar(quiet);
  const result = await runPipeline(cfg, { outDir: out, baseDir, tokenizer, onProgress, force: values.force === true });
  stop();
  const outDir = resolve(out);
  writeReport(outDir, result);
  if (!quiet) process.stdout.write(`${summarize(result)}\nreport: ${resolve(outDir, "report.html")}\n`);
  return 0;
}

export const data: Command = {
  name: "data",
  ownHelp: true,
  summary: "prepare filtered, deduplicated token shards; build instruction and preference data",
  help: `${HELP}\n\n${INSTRUCT_HELP}\n\n${PREFS_HELP}`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || (sub === "prepare" && wantsHelp(rest))) {
      process.stdout.write(`${HELP}\n\n${INSTRUCT_HELP}\n\n${PREFS_HELP}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub === "instruct") {
      if (wantsHelp(rest)) {
        process.stdout.write(`${INSTRUCT_HELP}\n`);
        return 0;
      }
      return dataInstruct(rest);
    }
    if (sub === "prefs") {
      if (wantsHelp(rest)) {
        process.stdout.write(`${PREFS_HELP}\n`);
        return 0;
      }
      return dataPrefs(rest);
    }
    if (sub !== "prepare") throw new KotodamaError(`kotodama data: unknown subcommand '${sub}'; expected 'prepare', 'instruct' or 'prefs'`);
    return prepare(rest);
  },
};
