// The data pipeline: sources → normalise → language ID → quality → toxicity → PII → exact dedup → near dedup →
// decontaminate (evaluation sets) → split → decontaminate (held-out split) → tokenize → shards + manifest + report.
// Not here: the stages' logic (one file each beside this one), terminal output (the CLI renders progress).
//
// Work is cached in outDir/cache and reused when inputs and config are unchanged, in three steps:
//   clean   per input file (normalise … PII), keyed by the file's fingerprint + the stages' config;
//   dedup   over all clean files (dedup, eval decontamination, split), keyed by the clean keys + config;
//   shards  the output folder itself, keyed by the dedup key + held-out/shards config + tokenizer hash.
// Every output is written to a temp file and renamed, so an interrupted run resumes from the last finished file.
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { defaultDataDir } from "../pull/locate.js";
import type { PipelineConfig } from "./config.js";
import { resolveFiles, type SourceConfig } from "./readers.js";
import { addIssue, cleanFile, type CleanDoc } from "./clean.js";
import { createLanguageIdentifier } from "./langid.js";
import { Deduplicator } from "./dedup.js";
import { unitHashes } from "./units.js";
import { NgramSet } from "./decontaminate.js";
import { buildEvalNgrams, resolveUserEvalFiles, type EvalNgrams } from "./userevals.js";
import { isValidation, repeats } from "./split.js";
import { ShardWriter, bytesPerTokenFor } from "./shards.js";
import type { Manifest, ShardEntry, SourceEntry } from "./manifest.js";
import { atomicWrite, fingerprint, LineWriter, readJsonl, sha256, stableJson } from "./files.js";
import { addToHist, mergeRunStats, newRunStats, stage, StageMeter, type RunStats } from "./stats.js";

/** Bump when a stage's behaviour changes, so old caches are not reused. */
const PIPELINE_VERSION = "data-2";

export interface TokenizerInput {
  readonly tokenizer: Tokenizer;
  /** Where it was loaded from, and the sha256 of that file (recorded in the manifest and the cache key). */
  readonly path: string;
  readonly sha256: string;
}

export interface Progress {
  readonly step: "clean" | "dedup" | "shards";
  readonly done: number;
  readonly total: number;
  readonly detail: string;
}

export interface PipelineOptions {
  readonly outDir: string;
  /** Folder that relative source paths are resolved against (the config file's folder). */
  readonly baseDir: string;
  readonly tokenizer: TokenizerInput | null;
  readonly onProgress?: (p: Progress) => void;
  /** Ignore caches and recompute everything. */
  readonly force?: boolean;
}

export interface PipelineResult {
  readonly stats: RunStats;
  readonly manifest: Manifest;
  /** Which steps were reused from the cache: clean files reused of total, dedup and shards flags. */
  readonly reused: { readonly cleanFiles: number; readonly totalFiles: number; readonly dedup: boolean; readonly shards: boolean };
  readonly seconds: number;
}


const bytesOf = (s: string): number => Buffer.byteLength(s, "utf8");

/** Runs the whole pipeline; see the header comment for caching. */
export async function runPipeline(cfg: PipelineConfig, opt: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const outDir = resolve(opt.outDir);
  const cacheDir = join(outDir, "cache");
  mkdirSync(join(cacheDir, "clean"), { recursive: true });
  const progress = opt.onProgress ?? ((): void => {});
  const stats = newRunStats();
  const langId = cfg.langid.enabled ? await createLanguageIdentifier(cfg.langid) : null;
  const userEvals = resolveUserEvalFiles(cfg.decontaminate, opt.baseDir); // a bad evaluation file fails here, early

  // ---- Step 1: clean, per input file -------------------------------------------------------------------------
  const stageCfg = stableJson({ v: PIPELINE_VERSION, maxDocChars: cfg.maxDocChars, normalize: cfg.normalize, langid: cfg.langid, boilerplate: cfg.boilerplate, quality: cfg.quality, toxicity: cfg.toxicity, pii: cfg.pii, ex: cfg.reportExamples });
  const plan: { src: SourceConfig; files: string[] }[] = [];
  for (const src of cfg.sources) {
    const files = await resolveFiles(src.paths, opt.baseDir, (i) => addIssue(stats, i));
    plan.push({ src, files });
  }
  let totalBytes = 0;
  for (const p of plan) for (const f of p.files) totalBytes += safeSize(f);
  const cleanFiles: { key: string; file: string; source: string }[] = [];
  const docsRead: Record<string, number> = {};
  let doneBytes = 0;
  let reusedFiles = 0;
  let totalFiles = 0;
  for (const { src, files } of plan) {
    let remaining = src.maxDocs ?? Infinity;
    docsRead[src.name] = 0;
    for (const file of files) {
      totalFiles++;
      if (remaining <= 0) break;
      const { weight: _w, ...srcKey } = src;
      const key = sha256(fingerprint(file), stableJson(srcKey), stageCfg, String(remaining)).slice(0, 24);
      const out = join(cacheDir, "clean", `${key}.jsonl`);
      const statsFile = join(cacheDir, "clean", `${key}.stats.json`);
      let fileStats: RunStats & { docsRead: number };
      if (!opt.force && existsSync(statsFile) && existsSync(out)) {
        fileStats = JSON.parse(readFileSync(statsFile, "utf8")) as RunStats & { docsRead: number };
        reusedFiles++;
      } else {
        fileStats = { ...(await cleanFile(file, src, remaining, out, cfg, opt.baseDir, langId, (b) => progress({ step: "clean", done: doneBytes + b, total: totalBytes, detail: src.name }))), docsRead: 0 };
        fileStats.docsRead = fileStats.stages[0]?.docsIn ?? 0;
        atomicWrite(statsFile, JSON.stringify(fileStats));
      }
      doneBytes += safeSize(file);
      progress({ step: "clean", done: doneBytes, total: totalBytes, detail: src.name });
      remaining -= fileStats.docsRead;
      docsRead[src.name]! += fileStats.docsRead;
      mergeRunStats(stats, fileStats, cfg.reportExamples);
      cleanFiles.push({ key, file: out, source: src.name });
    }
  }

  // ---- Step 2: dedup, eval decontamination, split ------------------------------------------------------------
  const evalDir = cfg.decontaminate.dataDir !== null ? resolve(opt.baseDir, cfg.decontaminate.dataDir) : defaultDataDir();
  const dedupKey = sha256(PIPELINE_VERSION, cleanFiles.map((c) => c.key).join(","), stableJson({ d: cfg.dedup, s: cfg.split, c: cfg.decontaminate, evalDir, u: userEvals.map((u) => u.sha256), ex: cfg.reportExamples })).slice(0, 24);
  const dedupDir = join(cacheDir, `dedup-${dedupKey}`);
  const dedupStatsFile = join(dedupDir, "stats.json");
  let dedupReused = false;
  if (!opt.force && existsSync(dedupStatsFile)) {
    dedupReused = true;
  } else {
    mkdirSync(dedupDir, { recursive: true });
    const s = await dedupStep(cleanFiles.map((c) => c.file), dedupDir, cfg, evalDir, userEvals, (d, t) => progress({ step: "dedup", done: d, total: t, detail: "" }));
    atomicWrite(dedupStatsFile, JSON.stringify(s));
  }
  mergeRunStats(stats, JSON.parse(readFileSync(dedupStatsFile, "utf8")) as RunStats, cfg.reportExamples);

  // ---- Step 3: held-out decontamination, tokenize, shards ----------------------------------------------------
  const tok = opt.tokenizer;
  const weights = Object.fromEntries(cfg.sources.map((s) => [s.name, s.weight]));
  const configHash = sha256(stableJson(cfg)).slice(0, 24);
  const key = sha256(dedupKey, stableJson({ h: cfg.decontaminate.heldOut, f: cfg.decontaminate.heldOutMinFraction, n: cfg.decontaminate.ngram, sh: cfg.shards.tokensPerShard, weights, seed: cfg.split.seed }), tok?.sha256 ?? "no-tokenizer").slice(0, 32);
  const manifestFile = join(outDir, "manifest.json");
  const shardStatsFile = join(outDir, "cache", `shards-${key}.stats.json`);
  let manifest: Manifest;
  let shardsReused = false;
  const prior = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest) : null;
  if (!opt.force && prior !== null && prior.key === key && existsSync(shardStatsFile) && [...prior.splits.train.shards, ...prior.splits.val.shards].every((s) => existsSync(join(outDir, s.file)))) {
    manifest = prior;
    shardsReused = true;
  } else {
    const r = await shardStep(dedupDir, outDir, cfg, tok, key, configHash, docsRead, plan, (d, t) => progress({ step: "shards", done: d, total: t, detail: "" }));
    manifest = r.manifest;
    atomicWrite(shardStatsFile, JSON.stringify(r.stats));
    atomicWrite(manifestFile, JSON.stringify(manifest, null, 2));
  }
  mergeRunStats(stats, JSON.parse(readFileSync(shardStatsFile, "utf8")) as RunStats, cfg.reportExamples);
  return { stats, manifest, reused: { cleanFiles: reusedFiles, totalFiles, dedup: dedupReused, shards: shardsReused }, seconds: (performance.now() - started) / 1000 };
}

function safeSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/** Step 2: exact + near dedup, eval-set decontamination and the split, over all clean files in order. */
async function dedupStep(files: string[], dir: string, cfg: PipelineConfig, evalDir: string | null, userEvals: readonly { path: string; shown: string }[], onProgress: (done: number, total: number) => void): Promise<RunStats> {
  const st = newRunStats();
  const ex = cfg.reportExamples;
  const exactM = new StageMeter(stage(st, "dedup-exact"), ex);
  const nearM = new StageMeter(stage(st, "dedup-near"), ex);
  const decM = new StageMeter(stage(st, "decontaminate-eval"), ex);
  const splitM = new StageMeter(stage(st, "split"), ex);
  const dd = new Deduplicator(cfg.dedup);
  let evalSet: EvalNgrams | null = null;
  if (cfg.decontaminate.enabled) {
    if (evalDir === null && cfg.decontaminate.evalSets.length > 0) {
      st.issueCounts["no-eval-sets"] = 1;
      st.issues.push({ kind: "no-files", file: "../shared/data", line: 0, message: "evaluation sets not found; built-in eval decontamination skipped" });
    }
    const t0 = performance.now();
    evalSet = buildEvalNgrams(cfg.decontaminate, evalDir, userEvals);
    stage(st, "decontaminate-eval").seconds += (performance.now() - t0) / 1000;
  }
  const train = new LineWriter(join(dir, "train.jsonl"));
  const val = new LineWriter(join(dir, "val.jsonl"));
  const total = files.reduce((a, f) => a + safeSize(f), 0);
  let done = 0;
  for (const f of files) {
    for await (const d of readJsonl<CleanDoc>(f)) {
      done += bytesOf(d.text) + 64;
      const units = (() => {
        const t0 = exactM.enter(d.text);
        const u = unitHashes(d.text);
        stage(st, "dedup-exact").seconds += (performance.now() - t0) / 1000;
        return u;
      })();
      if (cfg.dedup.exact) {
        const t0 = performance.now();
        const keep = dd.checkExact(units);
        exactM.leave(t0, keep ? d.text : null, d.id, d.text, keep ? null : "exact");
        if (!keep) continue;
      } else exactM.leave(performance.now(), d.text, d.id, d.text, null);
      if (cfg.dedup.near) {
        const t0 = nearM.enter(d.text);
        const v = dd.checkNear(d.id, units);
        nearM.leave(t0, v.keep ? d.text : null, d.id, d.text, v.keep ? null : "near", !v.keep && v.kind === "near" ? `J≈${v.similarity.toFixed(2)} with ${v.of}` : "");
        if (!v.keep) continue;
      }
      if (evalSet !== null) {
        const t0 = decM.enter(d.text);
        const m = evalSet.set.matches(d.text, 1);
        decM.leave(t0, m.hits === 0 ? d.text : null, d.id, d.text, m.hits === 0 ? null : evalSet.labels[m.tag]!);
        if (m.hits > 0) continue;
      }
      const t0 = splitM.enter(d.text);
      const isVal = isValidation(d.text, cfg.split);
      splitM.leave(t0, d.text, d.id, d.text, isVal ? "val" : "train");
      (isVal ? val : train).write(JSON.stringify(d));
    }
    onProgress(done, total);
  }
  // The split "keeps" every document; its reasons count train/val. Examples of it are noise: drop them.
  stage(st, "split").examples.length = 0;
  train.close();
  val.close();
  return st;
}

/** Step 3: held-out decontamination, tokenization, shards, manifest. */
async function shardStep(
  dedupDir: string,
  outDir: string,
  cfg: PipelineConfig,
  tok: TokenizerInput | null,
  key: string,
  configHash: string,
  docsRead: Record<string, number>,
  plan: { src: SourceConfig; files: string[] }[],
  onProgress: (done: number, total: number) => void,
): Promise<{ stats: RunStats; manifest: Manifest }> {
  const st = newRunStats();
  const ex = cfg.reportExamples;
  const heldM = new StageMeter(stage(st, "decontaminate-heldout"), ex);
  const tokM = new StageMeter(stage(st, "tokenize"), ex);
  const valFile = join(dedupDir, "val.jsonl");
  const trainFile = join(dedupDir, "train.jsonl");
  let held: NgramSet | null = null;
  if (cfg.decontaminate.enabled && cfg.decontaminate.heldOut) {
    const t0 = performance.now();
    held = new NgramSet();
    for await (const d of readJsonl<CleanDoc>(valFile)) held.add(d.text, cfg.decontaminate.ngram);
    stage(st, "decontaminate-heldout").seconds += (performance.now() - t0) / 1000;
  }
  mkdirSync(join(outDir, "text"), { recursive: true });
  const perSource: Record<string, { trainDocs: number; valDocs: number; trainTokens: number; valTokens: number }> = {};
  for (const p of plan) perSource[p.src.name] = { trainDocs: 0, valDocs: 0, trainTokens: 0, valTokens: 0 };
  const weights = Object.fromEntries(cfg.sources.map((s) => [s.name, s.weight]));
  const total = safeSize(trainFile) + safeSize(valFile);
  let done = 0;
  let seen = 0;
  const splits = { train: { docs: 0, tokens: 0, shards: [] as ShardEntry[] }, val: { docs: 0, tokens: 0, shards: [] as ShardEntry[] } };
  for (const split of ["val", "train"] as const) {
    const textOut = new LineWriter(join(outDir, "text", `${split}.jsonl`));
    let writer: ShardWriter | null = null;
    const closeShard = (): void => {
      if (writer === null) return;
      const h = writer.close();
      splits[split].shards.push({ file: `${split}-${String(splits[split].shards.length).padStart(5, "0")}.bin`, docs: h.docs, tokens: h.tokens });
      writer = null;
    };
    for await (const d of readJsonl<CleanDoc>(split === "val" ? valFile : trainFile)) {
      done += bytesOf(d.text) + 64;
      if (split === "train" && held !== null) {
        const t0 = heldM.enter(d.text);
        const m = held.matches(d.text);
        const frac = m.total === 0 ? 0 : m.hits / m.total;
        const keep = m.hits === 0 || frac < cfg.decontaminate.heldOutMinFraction;
        heldM.leave(t0, keep ? d.text : null, d.id, d.text, keep ? null : "heldout-ngram", keep ? "" : `${m.hits}/${m.total} n-grams in validation`);
        if (!keep) continue;
      }
      textOut.write(JSON.stringify(d));
      const reps = split === "train" ? repeats(d.text, weights[d.source] ?? 1, cfg.split.seed) : 1;
      const ps = perSource[d.source]!;
      if (split === "train") ps.trainDocs++;
      else ps.valDocs++;
      addToHist(st.lengthsOut, d.source, d.text.length);
      if (tok !== null && reps > 0) {
        const t0 = tokM.enter(d.text);
        let ids: number[];
        try {
          ids = tok.tokenizer.encode(d.text, { addBos: false });
        } catch (e) {
          // A tokenizer failure on one document is reported and skipped, not fatal to a long run.
          tokM.leave(t0, null, d.id, d.text, "tokenizer-error", (e as Error).message);
          continue;
        }
        tokM.leave(t0, d.text, d.id, d.text, null);
        for (let r = 0; r < reps; r++) {
          if (writer === null) writer = new ShardWriter(join(outDir, `${split}-${String(splits[split].shards.length).padStart(5, "0")}.bin`), tok.tokenizer.vocabSize, tok.tokenizer.special.eos ?? null);
          writer.append(ids);
          const n = ids.length + (tok.tokenizer.special.eos !== undefined ? 1 : 0);
          splits[split].tokens += n;
          splits[split].docs++;
          if (split === "train") ps.trainTokens += n;
          else ps.valTokens += n;
          if (writer.tokenCount >= cfg.shards.tokensPerShard) closeShard();
        }
      } else if (split === "val" || reps > 0) splits[split].docs += split === "train" ? reps : 1;
      if (++seen % 256 === 0) onProgress(done, total);
    }
    closeShard();
    textOut.close();
    onProgress(done, total);
  }
  const sources: SourceEntry[] = plan.map(({ src, files }) => ({ name: src.name, weight: src.weight, files: files.length, docsRead: docsRead[src.name] ?? 0, ...perSource[src.name]! }));
  const manifest: Manifest = {
    format: "kotodama-data",
    version: 1,
    key,
    configHash,
    tokenizer: tok === null ? null : { path: tok.path, sha256: tok.sha256, kind: tok.tokenizer.kind, vocabSize: tok.tokenizer.vocabSize, eos: tok.tokenizer.special.eos ?? null },
    bytesPerToken: tok === null ? null : bytesPerTokenFor(tok.tokenizer.vocabSize),
    sources,
    splits,
  };
  return { stats: st, manifest };
}
