// Builds the whole instruction data set in memory: runs every source's builder, checks every example, drops
// training examples whose prompt equals a held-out prompt, asserts train/held-out disjointness, declares the splits.
// Not here: parsing (sources.ts), the tasks themselves (tasks.ts, derived.ts), files (writer.ts).
import { resolve } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { INSTRUCT_DEFAULTS, type InstructConfig } from "./config.js";
import { parseExample, type InstructExample, type SourceName, type TaskName } from "./example.js";
import { assertDisjoint, type HeldOutSet, type SplitsFile } from "./split.js";
import { buildAsset, buildCefr, buildDoNotAnswer, buildHhRlhf, buildSelfInstruct, type Skip, type SourceResult } from "./tasks.js";
import { buildAozora, buildTinyStories } from "./derived.js";
import { buildBorderline } from "./borderline.js";
import { buildContrast } from "./contrast.js";
import { buildReading } from "./reading.js";

export interface InstructProgress {
  readonly source: SourceName;
  readonly done: number;
  readonly total: number;
}

export interface InstructData {
  /** The config with dataDir resolved to an absolute path (written as config.json). */
  readonly config: InstructConfig;
  readonly train: readonly InstructExample[];
  /** Held-out examples per task, in TASKS order. */
  readonly heldOut: ReadonlyMap<TaskName, readonly InstructExample[]>;
  readonly splits: SplitsFile;
  /** Training examples dropped because their prompt equals a held-out prompt, per source. */
  readonly decontaminated: Readonly<Partial<Record<SourceName, number>>>;
  readonly skipped: readonly (Skip & { readonly source: SourceName })[];
}

type Builder = (dataDir: string, cfg: InstructConfig) => SourceResult;
export const BUILDERS: readonly (readonly [SourceName, Builder])[] = [
  ["self-instruct", (d) => buildSelfInstruct(d)],
  ["cefr-sp", buildCefr],
  ["asset", buildAsset],
  ["tinystories", buildTinyStories],
  ["aozora", buildAozora],
  ["do-not-answer", buildDoNotAnswer],
  ["hh-rlhf", buildHhRlhf],
  ["kotodama-borderline", () => buildBorderline()],
  ["kotodama-contrast", () => buildContrast()],
  ["kotodama-reading", buildReading],
];

export function resolveDataDir(cfg: InstructConfig): string {
  const d = cfg.dataDir ?? defaultDataDir();
  if (d === null) throw new KotodamaError("kotodama data instruct: ../shared/data is absent; set dataDir");
  return resolve(d);
}

/** The text an exact-prompt comparison uses: the first user message, case and whitespace folded. */
const promptKey = (e: InstructExample): string => (e.messages.find((m) => m.role === "user")?.content ?? "").toLowerCase().replace(/\s+/g, " ").trim();

export function buildInstructData(cfg: InstructConfig, onProgress?: (p: InstructProgress) => void, only?: readonly SourceName[]): InstructData {
  const dataDir = resolveDataDir(cfg);
  const config: InstructConfig = { ...cfg, dataDir };
  const builders = BUILDERS.filter(([s]) => only === undefined || only.includes(s));
  const results: SourceResult[] = [];
  builders.forEach(([source, build], i) => {
    onProgress?.({ source, done: i, total: builders.length });
    results.push(build(dataDir, config));
  });
  if (builders.length > 0) onProgress?.({ source: builders[builders.length - 1]![0], done: builders.length, total: builders.length });

  const heldOutAll = results.flatMap((r) => r.heldOut);
  const seen = new Set<string>();
  for (const e of [...results.flatMap((r) => r.train), ...heldOutAll]) {
    // Every example goes through the same validator a reader of the files uses.
    parseExample(JSON.parse(JSON.stringify(e)), e.id);
    if (seen.has(e.id)) throw new KotodamaError(`instruct: id '${e.id}' is used twice`);
    seen.add(e.id);
  }
  const heldPrompts = new Set(heldOutAll.map(promptKey));
  const decontaminated: Partial<Record<SourceName, number>> = {};
  const train: InstructExample[] = [];
  for (const r of results) {
    for (const e of r.train) {
      if (heldPrompts.has(promptKey(e))) decontaminated[r.source] = (decontaminated[r.source] ?? 0) + 1;
      else train.push(e);
    }
  }
  const heldOutIds = new Set<string>();
  const sets: HeldOutSet[] = [];
  for (const r of results) {
    for (const h of r.heldOutSets) {
      const ids = [...h.ids];
      sets.push({ source: r.source, task: h.task, file: `heldout/${h.task}.jsonl`, rule: h.rule, ids });
      for (const id of ids) heldOutIds.add(`${r.source}:${id}`);
    }
  }
  for (const e of heldOutAll) heldOutIds.add(e.id);
  assertDisjoint(
    train.map((e) => e.id),
    heldOutIds,
    "instruct",
  );
  const heldOut = new Map<TaskName, InstructExample[]>();
  for (const e of heldOutAll) {
    const list = heldOut.get(e.task);
    if (list === undefined) heldOut.set(e.task, [e]);
    else list.push(e);
  }
  return {
    config,
    train,
    heldOut,
    splits: { version: 1, seed: cfg.seed, heldOut: sets },
    decontaminated,
    skipped: results.flatMap((r) => r.skipped.map((s) => ({ ...s, source: r.source }))),
  };
}

/** Sources whose held-out texts join the pretraining decontamination list (evalsets.ts "instruct-heldout").
 *  CEFR-SP, ASSET and Do-Not-Answer are there already as whole sets. TinyStories is left out on purpose: its
 *  validation stories share stock 13-grams ("once upon a time there was a little girl named lily who …") with
 *  unrelated training stories, so matching them would drop much of TinyStories from pretraining; the held-out
 *  check of `data prepare` (≥ 10 % of n-grams) is the right tool there, and exact duplicates are dropped here. */
export const PRETRAIN_DECONTAMINATION_SOURCES: readonly SourceName[] = ["self-instruct", "aozora", "hh-rlhf"];

/** Every text of the held-out examples (messages and references) of those sources, under the default config
 *  (the one whose ids splits.json and doNotAnswerHeldOutIds declare) reading dataDir. */
export function instructHeldOutTexts(dataDir: string): string[] {
  const d = buildInstructData({ ...INSTRUCT_DEFAULTS, dataDir }, undefined, PRETRAIN_DECONTAMINATION_SOURCES);
  return [...d.heldOut.values()].flat().flatMap((e) => [...e.messages.map((m) => m.content), ...(e.references ?? [])]);
}
