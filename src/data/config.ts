// The pipeline's one typed configuration: defaults that suit mixed Japanese/English text, and the parser that
// validates a JSON config against them (unknown keys and wrong types are errors naming the key).
// Not here: running anything (pipeline.ts).
import { check, fail, isPlain, mergeOverDefaults } from "./schema.js";
import { SOURCE_DEFAULTS, SOURCE_FORMATS, type SourceConfig } from "./readers.js";
import { ENCODING_SETTINGS } from "./encoding.js";
import { NORMALIZE_DEFAULTS, type NormalizeConfig } from "./normalize.js";
import { LANGID_DEFAULTS, type LangIdConfig } from "./langid.js";
import { QUALITY_DEFAULTS, type QualityConfig } from "./quality.js";
import { BOILERPLATE_DEFAULTS, BOILERPLATE_RULES, type BoilerplateConfig } from "./boilerplate.js";
import { TOXICITY_DEFAULTS, type ToxicityConfig } from "./toxicity.js";
import { PII_DEFAULTS, type PiiConfig, type PiiKind } from "./pii.js";
import { MINHASH_DEFAULTS } from "./minhash.js";
import type { DedupConfig } from "./dedup.js";
import { DECONTAMINATE_DEFAULTS, type DecontaminateConfig } from "./decontaminate.js";
import { EVAL_SETS } from "./evalsets.js";
import { SPLIT_DEFAULTS, type SplitConfig } from "./split.js";

export type Stage<T> = T & { readonly enabled: boolean };

export interface ShardsConfig {
  /** Tokenizer file for loadTokenizer (null: stop after the text stages and write text/*.jsonl only). */
  readonly tokenizer: string | null;
  /** A new shard file starts after this many tokens. */
  readonly tokensPerShard: number;
}

export interface PipelineConfig {
  readonly sources: readonly SourceConfig[];
  /** Longest document (chars) a reader emits; longer text documents are cut at a line boundary. */
  readonly maxDocChars: number;
  readonly normalize: Stage<NormalizeConfig>;
  readonly langid: Stage<LangIdConfig>;
  readonly boilerplate: Stage<BoilerplateConfig>;
  readonly quality: Stage<QualityConfig>;
  readonly toxicity: Stage<ToxicityConfig>;
  readonly pii: Stage<PiiConfig>;
  readonly dedup: DedupConfig;
  readonly decontaminate: Stage<DecontaminateConfig>;
  readonly split: SplitConfig;
  readonly shards: ShardsConfig;
  /** Examples kept per stage for the report. */
  readonly reportExamples: number;
}

export const PIPELINE_DEFAULTS: PipelineConfig = {
  sources: [],
  maxDocChars: 1_000_000,
  normalize: { enabled: true, ...NORMALIZE_DEFAULTS },
  langid: { enabled: true, ...LANGID_DEFAULTS },
  boilerplate: { enabled: true, ...BOILERPLATE_DEFAULTS },
  quality: { enabled: true, ...QUALITY_DEFAULTS },
  toxicity: { enabled: true, ...TOXICITY_DEFAULTS },
  pii: { enabled: true, ...PII_DEFAULTS },
  dedup: { exact: true, near: true, minhash: MINHASH_DEFAULTS },
  decontaminate: { enabled: true, ...DECONTAMINATE_DEFAULTS },
  split: SPLIT_DEFAULTS,
  shards: { tokenizer: null, tokensPerShard: 50_000_000 },
  reportExamples: 5,
};

/** Keys whose default is one type but that also accept null (or the reverse). */
const NULLABLE: Readonly<Record<string, "string" | "number">> = {
  "decontaminate.dataDir": "string",
  "shards.tokenizer": "string",
  "sources[].separator": "string",
  "sources[].maxDocs": "number",
};

const merge = (def: unknown, user: unknown, path: string, file: string): unknown => mergeOverDefaults(def, user, path, file, NULLABLE);

/** Validates a parsed JSON config (file names it in errors) into a complete, typed PipelineConfig. */
export function parseConfig(json: unknown, file = "config"): PipelineConfig {
  if (!isPlain(json)) fail(file, "", "must be a JSON object");
  const { sources, ...rest } = json;
  const merged = merge({ ...PIPELINE_DEFAULTS, sources: undefined }, rest, "", file) as Record<string, unknown>;
  if (!Array.isArray(sources) || sources.length === 0) fail(file, "sources", "must be a non-empty array of sources");
  const names = new Set<string>();
  const srcs = sources.map((s, i) => {
    const p = `sources[${i}]`;
    if (!isPlain(s)) fail(file, p, "expects an object");
    if (typeof s.name !== "string" || s.name === "") fail(file, `${p}.name`, "must be a non-empty string");
    if (names.has(s.name)) fail(file, `${p}.name`, `repeats source name '${s.name}'`);
    names.add(s.name);
    if (!Array.isArray(s.paths) || s.paths.length === 0 || s.paths.some((x) => typeof x !== "string")) fail(file, `${p}.paths`, "must be a non-empty array of strings");
    const src = merge({ ...SOURCE_DEFAULTS, name: "", paths: [""] }, s, p, file) as SourceConfig;
    check(SOURCE_FORMATS.includes(src.format), file, `${p}.format`, `must be one of ${SOURCE_FORMATS.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(src.format)}`);
    check(ENCODING_SETTINGS.includes(src.encoding), file, `${p}.encoding`, `must be one of ${ENCODING_SETTINGS.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(src.encoding)}`);
    check(src.loneSurrogates === "replace" || src.loneSurrogates === "skip", file, `${p}.loneSurrogates`, `must be "replace" or "skip", got ${JSON.stringify(src.loneSurrogates)}`);
    check(src.separator === null || src.separator === "\n\n" || (src.separator !== "" && !src.separator.includes("\n")), file, `${p}.separator`, 'must be null, "\\n\\n" (a blank line) or a non-empty string without a newline');
    check(src.weight >= 0 && Number.isFinite(src.weight), file, `${p}.weight`, "must be a finite number >= 0");
    check(src.maxDocs === null || (Number.isInteger(src.maxDocs) && src.maxDocs >= 0), file, `${p}.maxDocs`, "must be null or an integer >= 0");
    return src;
  });
  const cfg = { ...merged, sources: srcs } as unknown as PipelineConfig;
  const mh = cfg.dedup.minhash;
  check(Number.isInteger(mh.permutations) && Number.isInteger(mh.bands) && mh.bands > 0 && mh.permutations % mh.bands === 0, file, "dedup.minhash", `permutations (${mh.permutations}) must be a positive multiple of bands (${mh.bands})`);
  check(mh.threshold > 0 && mh.threshold <= 1, file, "dedup.minhash.threshold", "must be in (0, 1]");
  check(Number.isInteger(mh.shingle) && mh.shingle >= 1, file, "dedup.minhash.shingle", "must be an integer >= 1");
  check(cfg.split.valFraction >= 0 && cfg.split.valFraction < 1, file, "split.valFraction", "must be in [0, 1)");
  check(Number.isInteger(cfg.decontaminate.ngram) && cfg.decontaminate.ngram >= 1, file, "decontaminate.ngram", "must be an integer >= 1");
  check(cfg.decontaminate.evalSets.every((s) => EVAL_SETS.includes(s)), file, "decontaminate.evalSets", `entries must be among ${EVAL_SETS.join(", ")}`);
  check(cfg.toxicity.mode === "drop" || cfg.toxicity.mode === "mask", file, "toxicity.mode", `must be "drop" or "mask", got ${JSON.stringify(cfg.toxicity.mode)}`);
  check(cfg.boilerplate.rules.every((r) => BOILERPLATE_RULES.includes(r)), file, "boilerplate.rules", `entries must be among ${BOILERPLATE_RULES.join(", ")}`);
  const kinds: readonly PiiKind[] = PII_DEFAULTS.kinds;
  check(cfg.pii.kinds.every((k) => kinds.includes(k)), file, "pii.kinds", `entries must be among ${kinds.join(", ")}`);
  check(cfg.maxDocChars >= 1000, file, "maxDocChars", "must be at least 1000");
  check(cfg.shards.tokensPerShard >= 1024, file, "shards.tokensPerShard", "must be at least 1024");
  return cfg;
}

/** The default mixed Japanese/English corpus as a JSON config (absolute paths): TinyStories (V1 extract, V2
 *  extract, the 3,000-story JSON) and the 23 Aozora works from ../shared/data, plus the npm package nlp-corpus
 *  (100k English sentences, deliberately dirty) when its builds/ folder is given. tinystories_val.txt is left
 *  out: it has no story boundaries (CORPORA.md). */
export function sharedCorporaConfigJson(sharedDataDir: string, nlpCorpusBuilds: string | null): Record<string, unknown> {
  const ts = (f: string): string => `${sharedDataDir}/tinystories/${f}`;
  const sources: Record<string, unknown>[] = [
    { name: "tinystories", paths: [ts("tinystories_sample.txt"), ts("tinystories_10k.txt")], format: "text", separator: "<|endoftext|>", skipLast: true },
    { name: "tinystories-json", paths: [ts("tiny-stories.json")], format: "json", jsonKey: "texts", field: "" },
    { name: "aozora", paths: [`${sharedDataDir}/aozora/clean`], format: "text", separator: "\n\n" },
  ];
  if (nlpCorpusBuilds !== null) sources.push({ name: "nlp-corpus", paths: [nlpCorpusBuilds], format: "json", field: "", weight: 0.5 });
  return { sources };
}
