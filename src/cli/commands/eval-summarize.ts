// `kotodama eval summarize`: summarize long documents (the Aozora works in ../shared/data by default, or FILES) with
// a model, an endpoint or the extractive baseline, and check every citation independently; prints the table, or
// JSON, and writes per-document rows and the resolved config with --out. Not here: the evaluation
// (src/eval/summarize/evaluate.ts).
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";
import { atomicWrite } from "../../data/files.js";
import { evaluateSummaries, summarizeEvalSummary } from "../../eval/summarize/evaluate.js";
import { SUMMARIZE_FLAGS, SUMMARIZE_MODEL_HELP, summarizeConfigFlags, summarizeModelFlags } from "./summarize.js";

const HELP = [
  "Usage: kotodama eval summarize (--model M | --endpoint URL | --extractive) [--docs N] [--max-chars N]",
  "                               [--data-dir DIR] [--json] [--out DIR] [FILES...]",
  "",
  "Summarizes long documents and checks the attribution of every summary sentence: each cited span must exist in",
  "the source exactly as quoted (offsets and line numbers) and share content words with the sentence (ICU word",
  "segmentation, independent of the attributor's terms). Default documents: the Aozora Bunko works in",
  "../shared/data/aozora/clean, in name order (docs/summarize.md).",
  "",
  ...SUMMARIZE_MODEL_HELP,
  "  --docs N            documents evaluated (default 5)",
  "  --max-chars N       only the first N characters of each document (default: whole documents)",
  "  --data-dir DIR      the Aozora folder (default ../shared/data/aozora/clean)",
  "  --json              the summary as one JSON object",
  "  --out DIR           write DIR/summaries.jsonl (one row per document), DIR/summary.json and DIR/config.json",
  "  --quiet             no per-document lines",
].join("\n");

export const evalSummarize: Command = {
  name: "summarize",
  summary: "long-document summaries with their citations checked (Aozora works)",
  help: HELP,
  async run(argv) {
    const cmd = "eval summarize";
    const { values, positionals } = parseFlags(cmd, argv, { ...SUMMARIZE_FLAGS, docs: { type: "string" }, "max-chars": { type: "string" }, "data-dir": { type: "string" } });
    let files = positionals;
    if (files.length === 0) {
      const dir = typeof values["data-dir"] === "string" ? values["data-dir"] : sharedPath("data", "aozora", "clean");
      if (dir === null) throw new KotodamaError(`kotodama ${cmd}: ../shared/data/aozora/clean is absent; give --data-dir DIR or FILES`);
      let names: string[];
      try {
        names = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();
      } catch (e) {
        throw new KotodamaError(`kotodama ${cmd}: cannot read --data-dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (names.length === 0) throw new KotodamaError(`kotodama ${cmd}: no .txt files in ${dir}`);
      files = names.slice(0, intFlag(cmd, "docs", values.docs, 5, 1, 100_000)).map((f) => join(dir, f));
    } else if (values.docs !== undefined || values["data-dir"] !== undefined) throw new KotodamaError(`kotodama ${cmd}: --docs and --data-dir choose the default documents; with FILES they do not apply`);
    const maxChars = values["max-chars"] === undefined ? null : intFlag(cmd, "max-chars", values["max-chars"], 0, 100, 1 << 30);
    const cfg = summarizeConfigFlags(cmd, values);
    const { generator, describe } = await summarizeModelFlags(cmd, values);
    const quiet = values.quiet === true || values.json === true;
    const rows = await evaluateSummaries(files, generator, cfg, maxChars, (n, r) => {
      if (!quiet) process.stderr.write(`[${n}/${files.length}] ${r.file}: ${r.chars} chars, ${r.result.chunks} chunks, ${r.result.calls} calls, ${r.check.sentencesValid}/${r.check.sentences} sentences valid, ${r.seconds.toFixed(1)} s\n`);
    });
    const s = summarizeEvalSummary(rows);
    if (typeof values.out === "string") {
      mkdirSync(values.out, { recursive: true });
      atomicWrite(join(values.out, "summaries.jsonl"), rows.map((r) => JSON.stringify({ file: r.file, chars: r.chars, seconds: r.seconds, ...r.result, check: r.check })).join("\n") + "\n");
      atomicWrite(join(values.out, "summary.json"), `${JSON.stringify({ model: describe, ...s }, null, 2)}\n`);
      atomicWrite(join(values.out, "config.json"), `${JSON.stringify({ command: cmd, model: describe, files, maxChars, config: cfg }, null, 2)}\n`);
    }
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify({ model: describe, ...s })}\n`);
      return 0;
    }
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    process.stdout.write(`${describe}: ${s.documents} documents, ${s.sentences} summary sentences, ${s.citations} citations, ${s.calls} model calls, ${s.seconds.toFixed(0)} s\n`);
    process.stdout.write(`  citations that exist as quoted   ${pct(s.citationExists)}\n`);
    process.stdout.write(`  citations sharing content words  ${pct(s.citationOverlaps)}\n`);
    process.stdout.write(`  sentences fully valid            ${pct(s.sentencesValid)}\n`);
    process.stdout.write(`  sentences supported (coverage)   ${pct(s.sentencesSupported)}\n`);
    process.stdout.write(`  chunks the summary draws on      ${pct(s.chunkCoverage)}\n`);
    process.stdout.write(`  compression (summary / source)   ${(100 * s.compression).toFixed(2)}%\n`);
    return 0;
  },
};
