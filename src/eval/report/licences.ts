// Licence notes for a report card: the licence of each data set kotodama trains on (../shared/data/README.md and
// CORPORA.md), non-commercial ones marked through data/instruct/tasks.ts LICENCES; the data sets npm start's
// instruction-tuning and alignment stages draw on (train/sft/main-job.ts MAIN_JOB_TASKS; train/dpo/main-job.ts:
// Do-Not-Answer and HH-RLHF pairs), whose data files carry no licence of their own. Not here: finding which
// stages ran (provenance.ts).
import type { SourceName, TaskName } from "../../data/instruct/example.js";
import { LICENCES } from "../../data/instruct/tasks.js";
import { MAIN_JOB_DPO } from "../../train/dpo/main-job.js";
import { MAIN_JOB_TASKS } from "../../train/sft/main-job.js";

export interface SourceLicence {
  readonly licence: string;
  /** True when any part is non-commercial (CEFR-SP's SCoRE part is). */
  readonly nonCommercial: boolean;
}

/** Licences kotodama's tables do not list yet (data/instruct/tasks.ts holds the instruction data's). */
const MORE_LICENCES: Readonly<Record<string, { readonly nonCommercial: boolean }>> = { "CC-BY-4.0": { nonCommercial: false }, "CC-BY-SA-4.0": { nonCommercial: false } };

/** Whether a licence is non-commercial; null when kotodama does not know the licence. */
export function nonCommercial(licence: string): boolean | null {
  return (LICENCES[licence] ?? MORE_LICENCES[licence])?.nonCommercial ?? (/-NC-/.test(licence) ? true : null);
}

const lic = (licence: string): SourceLicence => ({ licence, nonCommercial: nonCommercial(licence) === true });

/** The data sets of ../shared/data by source name (data/instruct SOURCES and the pretraining corpora). */
export const SOURCE_LICENCES: Readonly<Record<SourceName | "xstest" | "jglue", SourceLicence>> = {
  tinystories: lic("CDLA-Sharing-1.0"),
  aozora: lic("public-domain"),
  "self-instruct": lic("Apache-2.0"),
  "cefr-sp": { licence: "CC-BY-SA-3.0 (Wiki-Auto part) + CC-BY-NC-SA-4.0 (SCoRE part)", nonCommercial: true },
  asset: lic("CC-BY-NC-4.0"),
  "do-not-answer": lic("CC-BY-NC-SA-4.0"),
  "hh-rlhf": lic("MIT"),
  "kotodama-borderline": lic("MIT"),
  "kotodama-contrast": lic("MIT"),
  "kotodama-reading": { licence: "CDLA-Sharing-1.0 (TinyStories passages) + public domain (Aozora passages)", nonCommercial: false },
  xstest: lic("CC-BY-4.0"),
  jglue: lic("CC-BY-SA-4.0"),
};

/** A data pipeline source's licence by its name ("tinystories-json" is TinyStories); null when unknown. */
export function sourceLicence(name: string): (SourceLicence & { readonly source: string }) | null {
  const table = SOURCE_LICENCES as Readonly<Record<string, SourceLicence>>;
  const key = name in table ? name : Object.keys(table).find((k) => name.startsWith(`${k}-`));
  return key === undefined ? null : { source: key, ...table[key]! };
}

/** Where each instruction task's examples come from (data/instruct/tasks.ts, derived.ts). */
export const TASK_SOURCES: Readonly<Record<TaskName, SourceName>> = {
  "self-instruct": "self-instruct",
  "cefr-level": "cefr-sp",
  simplify: "asset",
  "story-continue": "tinystories",
  "story-words": "tinystories",
  "ja-continue": "aozora",
  "ja-quotes": "aozora",
  "safety-refusal": "do-not-answer",
  "hh-harmless": "hh-rlhf",
  borderline: "kotodama-borderline",
  contrast: "kotodama-contrast",
  reading: "kotodama-reading",
};

/** The sources npm start's SFT stage trains on (its tasks' sources, each once). */
export const mainJobSftSources = (): SourceName[] => [...new Set(MAIN_JOB_TASKS.map((t) => TASK_SOURCES[t]))];
/** The sources of npm start's DPO pairs (those it takes any pairs of). */
export const MAIN_JOB_DPO_SOURCES: readonly SourceName[] = ([
  ["do-not-answer", MAIN_JOB_DPO.dnaPairs], ["hh-rlhf", MAIN_JOB_DPO.hhPairs], ["kotodama-borderline", MAIN_JOB_DPO.borderlinePairs], ["kotodama-contrast", MAIN_JOB_DPO.contrastPairs],
] as const).filter(([, n]) => n > 0).map(([s]) => s);
