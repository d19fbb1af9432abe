// Gathering a model's report card: the model's facts, its lineage of kotodama runs with each stage's loss, and the
// evaluation outputs found in those run directories (and two levels below them) or named by the user; every part
// that is not found is marked missing with the command that would produce it. Not here: reading each kind of file
// (the section files), rendering (html.ts), writing (write.ts).
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { missing, REPORT_FORMAT, REPORT_VERSION, type Part, type ReportCard } from "./card.js";
import { discover, type EvalKind, type Found } from "./discover.js";
import { instructPart } from "./instruct.js";
import { lineage } from "./lineage.js";
import { canaryPart, piiPart } from "./memorization.js";
import { modelFacts } from "./model-facts.js";
import { provenance } from "./provenance.js";
import { alignmentPart, safetyPart } from "./safety.js";
import { stageSummary } from "./training.js";

export interface ReportOptions {
  /** The model: a kotodama run directory, a GGUF file, a Hugging Face folder or a llama2.c checkpoint. */
  readonly model: string;
  /** Evaluation files the user names (already resolved to files: discover.ts namedEvalFile), read first. */
  readonly extra?: Partial<Record<EvalKind, readonly string[]>>;
  /** Data pipeline folders (manifest.json) the pretraining read, when not the run's own DIR/data. */
  readonly dataDirs?: readonly string[];
}

const present = <T extends object>(x: T): Part<T> => ({ status: "present", ...x });

/** Folders under which evaluation outputs are looked for (with the two levels below each: npm start's DIR/sft,
 *  DIR/align/safety): each run of the lineage, or a model file's own folder. */
const searchDirs = (model: string, runs: readonly string[]): string[] => (runs.length > 0 ? [...runs] : [statSync(model).isDirectory() ? model : dirname(model)]);

export function buildReportCard(o: ReportOptions): ReportCard {
  const model = modelFacts(o.model);
  const runs = lineage(o.model);
  const stages = runs.map(stageSummary);
  const found = discover(searchDirs(o.model, runs.map((r) => r.dir)), 2);
  const all: Found = { instruct: [], safety: [], alignment: [], canaries: [], pii: [] };
  for (const k of Object.keys(all) as EvalKind[]) all[k] = [...new Set([...(o.extra?.[k] ?? []), ...found[k]])];
  const lines: string[] = [];
  const where = runs.length > 0 ? runs.map((r) => r.dir).join(", ") : o.model;

  if (runs.length === 0) lines.push(`training history: ${o.model} is not a kotodama run directory (config.json + model.safetensors), so no loss or perplexity`);
  for (const s of stages) if (s.metricsFile === null) lines.push(`loss: ${s.dir} has no metrics.jsonl`);

  const instructParts = all.instruct.map((f) => instructPart(f, o.model)).sort((a, b) => Number(b.conditions.some((c) => c.thisModel)) - Number(a.conditions.some((c) => c.thisModel)));
  const instruct = instructParts.length > 0 ? present({ evaluations: instructParts }) : missing(`no ${"instruct-eval.json"} in ${where} or below; run 'kotodama eval instruct --model M --out DIR' and pass --instruct DIR`);
  const alignment = all.alignment.length > 0 ? present(alignmentPart(all.alignment[0]!, o.model)) : missing(`no alignment.json in ${where} or below (npm start's alignment stage writes DIR/align/alignment.json; pass --alignment DIR)`);
  const inAlignment = alignment.status === "present" && alignment.rows.some((r) => r.thisModel && Object.keys(r.instruct).length > 0);
  if (instruct.status === "missing") lines.push(`held-out instruction tasks: ${instruct.reason}${inAlignment ? " (the alignment comparison holds this model's scores)" : ""}`);
  else if (!instructParts.some((p) => p.conditions.some((c) => c.thisModel))) lines.push(`held-out instruction tasks: the instruct-eval.json files found measured other models of the lineage, not this one${inAlignment ? "; this model's scores are in the alignment comparison" : ""}`);

  const safetyParts = all.safety.map((f) => safetyPart(f, o.model)).sort((a, b) => Number(b.thisModel) - Number(a.thisModel));
  const safety = safetyParts.length > 0 ? present({ evaluations: safetyParts }) : missing(`no safety-eval.json in ${where} or below; run 'kotodama eval safety --model M --out DIR' and pass --safety DIR`);
  if (safety.status === "missing") lines.push(`safety: ${safety.reason}`);
  else {
    if (!safetyParts.some((p) => p.thisModel)) lines.push("safety: the evaluations found measured other models, not this one");
    if (!safetyParts.some((p) => p.xstest !== null)) lines.push("over-refusal: no evaluation ran XSTest (kotodama eval safety --set xstest)");
  }

  if (alignment.status === "missing") lines.push(`alignment comparison: ${alignment.reason}`);

  const canaries = all.canaries.map(canaryPart), pii = all.pii.map(piiPart);
  const memorization = canaries.length + pii.length > 0 ? present({ canaries, pii }) : missing("no canaries.json (the run was not trained with 'kotodama train --canaries N') and no pii.json ('kotodama eval pii --model M --out DIR')");
  if (memorization.status === "missing") lines.push(`memorization: ${memorization.reason}`);
  else if (canaries.length === 0) lines.push("canary exposure: no canaries.json (train with 'kotodama train --canaries N')");

  const prov = provenance(runs, o.dataDirs ?? []);
  const pretrain = runs.find((r) => r.kind === "pretrain");
  const provenancePart = prov.data.length + prov.stageData.length > 0 ? present({ data: prov.data, stageData: prov.stageData }) : missing(`no data manifest: ${pretrain === undefined ? "the model's pretraining run is not in its lineage" : `${join(pretrain.dir, "data", "manifest.json")} is absent`}; pass --data DIR for the data pipeline folder it trained on`);
  if (provenancePart.status === "missing") lines.push(`data provenance: ${provenancePart.reason}`);
  else if (prov.data.length === 0) lines.push(`data provenance: no data pipeline manifest for the pretraining${pretrain === undefined ? "" : ` (${join(pretrain.dir, "data", "manifest.json")} is absent)`}; pass --data DIR`);

  const nc = [...new Set(prov.licences.filter((n) => n.nonCommercial === true).map((n) => `${n.source} (${n.licence})`))];
  const licences = prov.licences.length > 0 || prov.unknown.length > 0 ? present({ notes: prov.licences, nonCommercial: nc, unknown: prov.unknown }) : missing("no data set is recorded for any stage, so no licence can be named");
  if (licences.status === "missing") lines.push(`licences: ${licences.reason}`);
  else if (prov.unknown.length > 0) lines.push(`licences: not recorded for ${prov.unknown.join(", ")}`);

  return { format: REPORT_FORMAT, version: REPORT_VERSION, model, stages, instruct, safety, alignment, memorization, provenance: provenancePart, licences, missing: lines };
}
