// The model report card's shape (`kotodama report`, report.json): the model's facts, its training stages with loss
// and perplexity, the held-out instruction scores, the safety tables, the alignment comparison, canary exposure,
// data provenance and licence notes, each either found (with the file it came from) or marked missing with the
// reason. Numbers are copied from the files they name, never estimated here. Not here: gathering (build.ts),
// rendering (html.ts).

export const REPORT_FORMAT = "kotodama-report";
/** Bumped when a field changes meaning or goes away; new fields keep the version. */
export const REPORT_VERSION = 1;

/** A share or mean with its 95 % interval as the evaluation wrote it (value null where it was NaN: n = 0). */
export interface Est {
  readonly value: number | null;
  readonly n: number;
  readonly lo: number | null;
  readonly hi: number | null;
}

/** A part of the card that was not found, and how to produce it. */
export interface Missing {
  readonly status: "missing";
  readonly reason: string;
}

export type Part<T> = ({ readonly status: "present" } & T) | Missing;

export const missing = (reason: string): Missing => ({ status: "missing", reason });

export interface ModelFacts {
  readonly path: string;
  readonly format: string;
  readonly family: string;
  readonly parameters: number;
  readonly context: number;
  readonly vocabSize: number;
  readonly tokenizerVocab: number;
  readonly dims: { readonly dim: number; readonly layers: number; readonly heads: number; readonly kvHeads: number; readonly hidden: number };
  readonly files: readonly { readonly path: string; readonly bytes: number; readonly sha256: string }[];
}

/** One training run in the model's lineage (pretraining, SFT, DPO, ...), oldest first. */
export interface Stage {
  readonly dir: string;
  /** config.json `kind`; "pretrain" for a run without one. */
  readonly kind: string;
  /** The base this run names in config.json, and whether its model.safetensors still hashes to what was recorded. */
  readonly base: { readonly path: string; readonly sha256: string; readonly found: string | null; readonly verified: boolean } | null;
  readonly steps: number | null;
  readonly maxSteps: number | null;
  readonly trainLoss: { readonly step: number; readonly value: number } | null;
  readonly valLoss: { readonly step: number; readonly value: number } | null;
  /** exp(validation loss) for language-model losses (pretraining, SFT response loss); null for DPO/reward losses. */
  readonly perplexity: number | null;
  /** What the loss is (the same number means different things per kind). */
  readonly lossNote: string;
  /** npm start's full validation figure (samples.txt), when this is its pretraining run. */
  readonly fullValidation: { readonly loss: number; readonly perplexity: number; readonly on: string } | null;
  /** DPO: held-out preference accuracy (eval.json). */
  readonly heldOutPairs: { readonly pairs: number; readonly accuracy: number } | null;
  readonly lossCurve: string | null;
  readonly metricsFile: string | null;
}

/** One instruct-eval.json: task → metric → condition → estimate; the condition columns name their model. */
export interface InstructPart {
  readonly file: string;
  readonly conditions: readonly { readonly key: string; readonly label: string; readonly model: string | null; readonly thisModel: boolean }[];
  readonly rows: readonly { readonly task: string; readonly metric: string; readonly values: Readonly<Record<string, Est>> }[];
  readonly plot: string | null;
}

export interface SafetyPart {
  readonly file: string;
  readonly model: string | null;
  readonly thisModel: boolean;
  readonly judge: string | null;
  readonly n: number;
  readonly dna: {
    readonly safe: Est;
    readonly perArea: Readonly<Record<string, Est>>;
    readonly actionMix: readonly number[];
    /** area → shares of actions 0–5, from safety-responses.jsonl; null when that file is absent. */
    readonly actionMixPerArea: Readonly<Record<string, readonly number[]>> | null;
  } | null;
  readonly xstest: {
    readonly safeAnswered: Est;
    readonly overRefusal: number | null;
    readonly perType: Readonly<Record<string, Est>>;
    readonly unsafeSafe: Est | null;
  } | null;
  readonly plot: string | null;
}

export interface AlignmentPart {
  readonly file: string;
  readonly judge: string | null;
  readonly rows: readonly { readonly name: string; readonly path: string; readonly thisModel: boolean; readonly dnaSafe: Est | null; readonly xstestAnswered: Est | null; readonly instruct: Readonly<Record<string, Est>>; readonly kl: Est | null }[];
  readonly goals: readonly { readonly model: string; readonly goal: string; readonly value: number; readonly met: boolean; readonly shown?: string }[];
  readonly plot: string | null;
}

export interface CanaryPart {
  readonly file: string;
  readonly stage: string;
  readonly digits: number | null;
  readonly samples: number | null;
  readonly dedup: boolean;
  readonly canaries: readonly { readonly id: string; readonly control: boolean; readonly repeats: number; readonly fit: number; readonly rank: number; readonly maxExposure: number }[];
  /** Exposure at each evaluation step (metrics.jsonl probes). */
  readonly curve: readonly { readonly step: number; readonly canary: number | null; readonly control: number | null }[];
  readonly plot: string | null;
}

/** `kotodama eval pii --out`: generations from PII-like prefixes checked for the patterns the pipeline masks. */
export interface PiiPart {
  readonly file: string;
  readonly samples: number;
  readonly leakRate: number;
  readonly placeholderRate: number | null;
  readonly leakRateByKind: Readonly<Record<string, number>>;
}

export interface DataPart {
  readonly stage: string;
  readonly manifest: string;
  readonly report: string | null;
  readonly tokenizer: string | null;
  readonly sources: readonly { readonly name: string; readonly docsRead: number; readonly trainDocs: number; readonly valDocs: number; readonly trainTokens: number; readonly valTokens: number }[];
  readonly train: { readonly docs: number; readonly tokens: number };
  readonly val: { readonly docs: number; readonly tokens: number };
  /** Pipeline stages: documents in and out (report.json). */
  readonly stages: readonly { readonly name: string; readonly docsIn: number; readonly docsOut: number }[];
}

/** A data set a stage trained on, with its licence. */
export interface LicenceNote {
  readonly stage: string;
  readonly source: string;
  readonly licence: string;
  readonly nonCommercial: boolean | null;
  /** Where the claim comes from (a manifest, a LICENCES.md, or npm start's stage definitions). */
  readonly from: string;
}

export interface ReportCard {
  readonly format: typeof REPORT_FORMAT;
  readonly version: typeof REPORT_VERSION;
  readonly model: ModelFacts;
  readonly stages: readonly Stage[];
  readonly instruct: Part<{ readonly evaluations: readonly InstructPart[] }>;
  readonly safety: Part<{ readonly evaluations: readonly SafetyPart[] }>;
  readonly alignment: Part<AlignmentPart>;
  readonly memorization: Part<{ readonly canaries: readonly CanaryPart[]; readonly pii: readonly PiiPart[] }>;
  readonly provenance: Part<{ readonly data: readonly DataPart[]; readonly stageData: readonly { readonly stage: string; readonly files: readonly { readonly path: string; readonly sha256: string | null; readonly rows: number | null }[] }[] }>;
  readonly licences: Part<{ readonly notes: readonly LicenceNote[]; readonly nonCommercial: readonly string[]; readonly unknown: readonly string[] }>;
  /** One line per missing part, for the top of the card. */
  readonly missing: readonly string[];
}
