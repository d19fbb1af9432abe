// `kotodama report --model M --out DIR`: parses flags, gathers the model's report card (src/eval/report) and
// writes DIR/report.html and DIR/report.json; prints a few lines (or the card as JSON). Not here: any gathering or
// rendering.
import type { Command } from "../command.js";
import { parseFlags, wantsHelp } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { buildReportCard } from "../../eval/report/build.js";
import type { ReportCard } from "../../eval/report/card.js";
import { namedEvalFile, type EvalKind } from "../../eval/report/discover.js";
import { writeReportCard } from "../../eval/report/write.js";

const HELP = [
  "Usage: kotodama report --model M --out DIR [--json] [--instruct DIR] [--safety DIR] [--alignment DIR]",
  "                       [--canaries DIR] [--pii DIR] [--data DIR]",
  "",
  "One card per model, as DIR/report.html (self-contained) and DIR/report.json (the same content, with a version",
  "field): the model (family, parameters, context, vocabulary, sha256 of its weights); each training stage it came",
  "from (followed through config.json's base: pretraining, SFT, DPO) with its last train and validation loss and",
  "perplexity and its loss curve; the held-out instruction-task scores (instruct-eval.json); the safety tables",
  "(safety-eval.json: Do-Not-Answer safe rate and action mix per risk area, XSTest over-refusal per type); the",
  "alignment comparison (alignment.json); canary exposure (canaries.json) and the PII probe (pii.json); the data",
  "pipeline's manifest and the licence notes, non-commercial data sets marked. Evaluation files are found in the",
  "run directories of the lineage and two folders below them (npm start's DIR/sft, DIR/align/safety); what is not",
  "found is reported as missing, never estimated. docs/report.md.",
  "",
  "  --model M       a kotodama run directory (or any model that loads: then without training history)",
  "  --out DIR       where report.html and report.json go (required)",
  "  --json          print report.json to stdout instead of the summary",
  "  --instruct P    an instruct-eval.json, or a folder holding one (kotodama eval instruct --out); repeatable",
  "  --safety P      a safety-eval.json or its folder (kotodama eval safety --out); repeatable",
  "  --alignment P   an alignment.json or its folder",
  "  --canaries P    a canaries.json or its folder (kotodama train --canaries)",
  "  --pii P         a pii.json or its folder (kotodama eval pii --out)",
  "  --data DIR      a data pipeline folder (manifest.json) the model was pretrained on; repeatable",
].join("\n");

const FLAGS: Readonly<Record<EvalKind, string>> = { instruct: "instruct", safety: "safety", alignment: "alignment", canaries: "canaries", pii: "pii" };

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

/** A few lines for the terminal. */
export function reportSummary(c: ReportCard): string[] {
  const out = [`${c.model.path}: ${c.model.family}, ${c.model.parameters.toLocaleString("en-US")} parameters, context ${c.model.context}, vocabulary ${c.model.vocabSize}`];
  for (const s of c.stages) out.push(`  ${s.kind.padEnd(8)} ${s.dir}: train loss ${s.trainLoss?.value.toFixed(3) ?? "-"}, validation ${s.valLoss?.value.toFixed(3) ?? "-"}${s.perplexity === null ? "" : ` (perplexity ${s.perplexity.toFixed(1)})`}`);
  if (c.safety.status === "present") {
    for (const p of c.safety.evaluations.filter((e) => e.thisModel)) {
      const dna = p.dna?.safe.value, or = p.xstest?.overRefusal;
      out.push(`  safety (${p.file}): DNA safe ${dna === null || dna === undefined ? "-" : `${(100 * dna).toFixed(1)} %`}, XSTest over-refusal ${or === null || or === undefined ? "-" : `${(100 * or).toFixed(1)} %`}`);
    }
  }
  if (c.licences.status === "present" && c.licences.nonCommercial.length > 0) out.push(`  non-commercial data: ${c.licences.nonCommercial.join("; ")}`);
  if (c.missing.length > 0) out.push(`  missing: ${c.missing.length} part(s), listed at the top of the report`);
  return out;
}

export const reportCommand: Command = {
  name: "report",
  summary: "write a model's report card (loss, instruction and safety scores, exposure, provenance, licences)",
  help: HELP,
  async run(argv) {
    if (wantsHelp(argv)) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const opt = { type: "string", multiple: true } as const;
    const { values } = parseFlags("report", argv, {
      model: { type: "string" }, out: { type: "string" }, json: { type: "boolean" },
      instruct: opt, safety: opt, alignment: opt, canaries: opt, pii: opt, data: opt,
    }, false);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama report: --model M is required (a run directory or a model file)");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama report: --out DIR is required");
    const extra: Partial<Record<EvalKind, string[]>> = {};
    for (const [kind, flag] of Object.entries(FLAGS) as [EvalKind, string][]) extra[kind] = list(values[flag]).map((p) => namedEvalFile(kind, p, `--${flag}`));
    const card = buildReportCard({ model: values.model, extra, dataDirs: list(values.data) });
    const paths = writeReportCard(values.out, card);
    if (values.json === true) process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);
    else process.stdout.write(`${[...reportSummary(card), `report: ${paths.html}, ${paths.json}`].join("\n")}\n`);
    return 0;
  },
};
