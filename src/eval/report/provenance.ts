// Data provenance for a report card: the data pipeline's manifest (sources, documents, tokens, shards) and its
// report's stage counts for a pretraining run; the data files an SFT or DPO run names in config.json, with their
// sha256; and the licence notes: from each pretraining source's name, from the manifest.json / LICENCES.md that
// `kotodama data instruct|prefs` write beside their files, or, for npm start's own SFT and DPO stages (whose short
// data files carry no licence), from the stage definitions — each note says where it comes from. Not here: the
// licence table (licences.ts).
import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import type { DataPart, LicenceNote } from "./card.js";
import { samePath } from "./discover.js";
import type { LineageRun } from "./lineage.js";
import { MAIN_JOB_DPO_SOURCES, mainJobSftSources, nonCommercial, SOURCE_LICENCES, sourceLicence } from "./licences.js";
import { isObj, optNum, optObj, optStr, readJsonObj, type Obj } from "./read.js";
import { FormatError } from "../../util/errors.js";

export interface Provenance {
  readonly data: DataPart[];
  readonly stageData: { readonly stage: string; readonly files: { readonly path: string; readonly sha256: string | null; readonly rows: number | null }[] }[];
  readonly licences: LicenceNote[];
  /** Data files whose licences nothing records. */
  readonly unknown: string[];
}

const counts = (o: Obj | null, file: string): { docs: number; tokens: number } => ({ docs: (o && optNum(o, "docs", file)) ?? 0, tokens: (o && optNum(o, "tokens", file)) ?? 0 });

/** A data pipeline folder (manifest.json, report.json) as the card shows it, with its sources' licence notes. */
export function dataPart(stage: string, dir: string): { part: DataPart; notes: LicenceNote[] } {
  const file = join(dir, "manifest.json");
  const m = readJsonObj(file);
  if (m.format !== "kotodama-data" || !Array.isArray(m.sources)) throw new FormatError(file, "expected a kotodama-data manifest (kotodama data prepare, npm start's DIR/data)");
  const sources = m.sources.map((s, i) => {
    if (!isObj(s) || typeof s.name !== "string") throw new FormatError(file, `sources[${i}] needs a 'name'`);
    const n = (k: string): number => optNum(s, k, file) ?? 0;
    return { name: s.name, docsRead: n("docsRead"), trainDocs: n("trainDocs"), valDocs: n("valDocs"), trainTokens: n("trainTokens"), valTokens: n("valTokens") };
  });
  const splits = optObj(m, "splits", file);
  const reportFile = join(dir, "report.json");
  let stages: DataPart["stages"] = [];
  if (existsSync(reportFile)) {
    const st = optObj(readJsonObj(reportFile), "stats", reportFile)?.stages;
    if (Array.isArray(st)) stages = st.filter(isObj).map((x) => ({ name: String(x.name), docsIn: optNum(x, "docsIn", reportFile) ?? 0, docsOut: optNum(x, "docsOut", reportFile) ?? 0 }));
  }
  const tok = optObj(m, "tokenizer", file);
  const notes = sources.map((s): LicenceNote => {
    const l = sourceLicence(s.name);
    return { stage, source: s.name, licence: l?.licence ?? "unknown", nonCommercial: l?.nonCommercial ?? null, from: l === null ? `${file} (source not in kotodama's licence table)` : `${file} (source name)` };
  });
  return {
    part: {
      stage, manifest: file, report: existsSync(reportFile) ? reportFile : null,
      tokenizer: tok === null ? null : optStr(tok, "kind", file),
      sources, train: counts(splits && optObj(splits, "train", file), file), val: counts(splits && optObj(splits, "val", file), file), stages,
    },
    notes,
  };
}

/** Licence notes from a manifest.json beside a data file (data instruct: licence → {sources}; data prefs:
 *  source → {licence}); null when there is none or it records no licences. */
function notesBeside(stage: string, dataFile: string): LicenceNote[] | null {
  const file = join(dirname(dataFile), "manifest.json");
  if (!existsSync(file)) return null;
  const lic = optObj(readJsonObj(file), "licences", file);
  if (lic === null) return null;
  const md = join(dirname(dataFile), "LICENCES.md");
  const from = existsSync(md) ? `${file}, ${md}` : file;
  return Object.entries(lic).flatMap(([k, v]): LicenceNote[] => {
    if (!isObj(v)) return [];
    if (typeof v.licence === "string") return [{ stage, source: k, licence: v.licence, nonCommercial: typeof v.nonCommercial === "boolean" ? v.nonCommercial : nonCommercial(v.licence), from }];
    const srcs = Array.isArray(v.sources) ? v.sources.map(String) : ["?"];
    return srcs.map((s) => ({ stage, source: s, licence: k, nonCommercial: typeof v.nonCommercial === "boolean" ? v.nonCommercial : nonCommercial(k), from }));
  });
}

/** The files a fine-tuning run names in config.json (sft.data/valData, dpo.prefs/valPrefs). */
function stageFiles(run: LineageRun): { path: string; sha256: string | null; rows: number | null }[] {
  const file = join(run.dir, "config.json");
  const sec = optObj(run.config, run.kind, file);
  if (sec === null) return [];
  const entries: unknown[] = [];
  for (const k of ["data", "valData", "prefs", "valPrefs"]) {
    const v = sec[k];
    if (Array.isArray(v)) entries.push(...(v as unknown[]));
    else if (v !== undefined && v !== null) entries.push(v);
  }
  return entries.filter(isObj).flatMap((e) => {
    const path = optStr(e, "path", file);
    return path === null ? [] : [{ path, sha256: optStr(e, "sha256", file), rows: optNum(e, "examples", file) ?? optNum(e, "pairs", file) }];
  });
}

/** npm start's stage layout (cli/commands/start.ts): ROOT/sft fine-tuned from ROOT on ROOT/sft/data/train.jsonl,
 *  ROOT/align from ROOT/sft on ROOT/align/data/train.jsonl. */
function mainJobStage(run: LineageRun, files: readonly { path: string }[]): "sft" | "dpo" | null {
  const name = run.kind === "sft" ? "sft" : run.kind === "dpo" ? "align" : null;
  if (name === null || basename(run.dir) !== name || run.base?.found == null || files[0] === undefined) return null;
  const root = dirname(run.dir);
  const baseOk = samePath(run.base.found, run.kind === "sft" ? root : join(root, "sft"));
  // A path recorded relative to another working directory ("runs/default/sft/data/train.jsonl") matches by its tail.
  const data = files[0].path;
  const dataOk = samePath(data, join(run.dir, "data", "train.jsonl")) || (!isAbsolute(data) && data.split(/[\\/]/).slice(-3).join("/") === `${name}/data/train.jsonl`);
  return baseOk && dataOk ? (run.kind === "sft" ? "sft" : "dpo") : null;
}

export function provenance(runs: readonly LineageRun[], dataDirs: readonly string[]): Provenance {
  const data: DataPart[] = [], stageData: Provenance["stageData"] = [], licences: LicenceNote[] = [], unknown: string[] = [];
  const pipelineDirs: { stage: string; dir: string }[] = [];
  for (const r of runs) if (r.kind === "pretrain" && existsSync(join(r.dir, "data", "manifest.json"))) pipelineDirs.push({ stage: r.dir, dir: join(r.dir, "data") });
  for (const d of dataDirs) pipelineDirs.push({ stage: `${d} (named with --data)`, dir: d });
  for (const { stage, dir } of pipelineDirs) {
    const { part, notes } = dataPart(stage, dir);
    data.push(part);
    licences.push(...notes);
  }
  for (const r of runs) {
    if (r.kind === "pretrain") continue;
    const files = stageFiles(r);
    if (files.length === 0) continue;
    stageData.push({ stage: r.dir, files });
    const beside = notesBeside(r.dir, files[0]!.path);
    const main = beside === null ? mainJobStage(r, files) : null;
    if (beside !== null) licences.push(...beside);
    else if (main !== null) {
      const srcs = main === "sft" ? mainJobSftSources() : MAIN_JOB_DPO_SOURCES;
      const from = main === "sft" ? "npm start's SFT stage (src/train/sft/main-job.ts MAIN_JOB_TASKS)" : "npm start's DPO stage (src/train/dpo/main-job.ts)";
      for (const s of srcs) licences.push({ stage: r.dir, source: s, licence: SOURCE_LICENCES[s].licence, nonCommercial: SOURCE_LICENCES[s].nonCommercial, from });
    } else unknown.push(...files.map((f) => f.path));
  }
  return { data, stageData, licences, unknown };
}
