// The data pipeline: sources → normalise → language ID → quality → toxicity → PII → exact dedup → near dedup →
// decontaminate (evaluation sets) → split → decontaminate (held-out split) → tokenize → shards + manifest + report.
// Not here: the stages' logic (one file each beside this one), terminal output (the CLI renders progress).
//
// Work is cached in outDir/cache and reused when inputs and config are unchanged, in three steps:
//   clean   per input shard (normalise … PII): each input file cut at document boundaries into byte ranges of
//           about cfg.inputShardBytes (input-shards.ts), run on cfg.workers threads (clean-pool.ts), merged in
//           input order then shard order; keyed by the file's fingerprint + the range + the stages' config;
//   dedup   over all clean files (dedup, eval decontamination, split), keyed by the clean keys + config; with
//           workers under a cap, the band partitions and the per-line work run on threads (dedup-pool.ts);
//   shards  the output folder itself, keyed by the dedup key + held-out/shards config + tokenizer hash; with
//           workers, the held-out check and encode run on threads (shard-pool.ts), consumed in order.
// Every output is written to a temp file and renamed, so an interrupted run (even kill -9) resumes with the
// finished shards reused. cfg.memoryCap bounds the whole process (memory-budget.ts): a cap too small fails at the
// start, dedup keeps its state on disk (dedup-spill.ts) within what the cap leaves, and so, past its share, does
// step 3's held-out n-gram set (heldout-set.ts).
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { defaultDataDir } from "../pull/locate.js";
import { parseSize, type PipelineConfig } from "./config.js";
import { resolveFiles, type SourceConfig } from "./readers.js";
import { addIssue, cleanFile, type CleanDoc } from "./clean.js";
import { createLanguageIdentifier, type LanguageIdentifier } from "./langid.js";
import { planInputShards, type ByteRange } from "./input-shards.js";
import { CleanPool } from "./clean-pool.js";
import { Deduplicator } from "./dedup.js";
import { readDocKeys, SpillDeduplicator, writeDocKeys, type SpillVerdict } from "./dedup-spill.js";
import { DedupPool, type LineBatch } from "./dedup-pool.js";
import { workOnLine, type DedupDocWork } from "./dedup-docs.js";
import { KotodamaError } from "../util/errors.js";
import { unitHashes } from "./units.js";
import { buildEvalNgrams, resolveUserEvalFiles, type EvalNgrams } from "./userevals.js";
import { isValidation, repeats } from "./split.js";
import { ShardWriter, bytesPerTokenFor } from "./shards.js";
import { keepHeld, workOnDoc, type DocWork } from "./shard-docs.js";
import { ShardPool } from "./shard-pool.js";
import { checkCap, dedupBudget, FIXED_MB, heldOutBudget } from "./memory-budget.js";
import { buildHeldOut, HeldOutHits, type HeldOutSet } from "./heldout-set.js";
import { readCleanIds } from "./clean-ids.js";
import type { Manifest, ShardEntry, SourceEntry } from "./manifest.js";
import { atomicWrite, fingerprint, LineWriter, readJsonl, readLineChunks, sha256, stableJson } from "./files.js";
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
  /** Tests only: the dedup state's budget in bytes under a memory cap, instead of what the cap leaves (so that a
   *  small corpus exercises the spilling dedup's partition splits). */
  readonly dedupStateBytes?: number;
  /** Tests only: the held-out n-grams' budget in bytes, instead of what the cap leaves (so that a small corpus
   *  exercises the spilled, hash-range passes of heldout-set.ts). */
  readonly heldOutStateBytes?: number;
}

export interface PipelineResult {
  readonly stats: RunStats;
  readonly manifest: Manifest;
  /** Which steps were reused from the cache: clean input shards reused of total (cleanFiles/totalFiles), dedup and shards flags. */
  readonly reused: { readonly cleanFiles: number; readonly totalFiles: number; readonly dedup: boolean; readonly shards: boolean };
  readonly seconds: number;
}


const bytesOf = (s: string): number => Buffer.byteLength(s, "utf8");

/** Runs the whole pipeline; see the header comment for caching. */
export async function runPipeline(cfg: PipelineConfig, opt: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  // A cap too small for what this run loads fails here, before any work, naming the flag and the minimum.
  if (cfg.memoryCap !== null) checkCap(parseSize(cfg.memoryCap, "memoryCap"), { workers: cfg.workers, langid: cfg.langid.enabled, tokenizer: opt.tokenizer !== null });
  const outDir = resolve(opt.outDir);
  const cacheDir = join(outDir, "cache");
  mkdirSync(join(cacheDir, "clean"), { recursive: true });
  const progress = opt.onProgress ?? ((): void => {});
  const stats = newRunStats();
  const langId = cfg.langid.enabled && cfg.workers === 1 ? await createLanguageIdentifier(cfg.langid) : null; // workers load their own
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
  const evalDir = cfg.decontaminate.dataDir !== null ? resolve(opt.baseDir, cfg.decontaminate.dataDir) : defaultDataDir();
  const cleaning = cleanStep(plan, cfg, opt, cacheDir, stageCfg, langId, stats, (d) => progress({ step: "clean", done: d, total: totalBytes, detail: "" }));
  // With workers, step 2's evaluation n-grams are built here while the workers clean (every task is submitted by
  // now), instead of on the main thread after them: main-thread work in series with the workers is what limits
  // scaling. (Wasted, a few seconds, when step 2 turns out to be cached.)
  let evalSet: ReturnType<typeof timedEvalNgrams> | null = null;
  try {
    if (cfg.workers > 1 && cfg.decontaminate.enabled && !pooledDedup(cfg)) evalSet = timedEvalNgrams(cfg, evalDir, userEvals);
  } catch (e) {
    await cleaning.catch(() => undefined); // let the workers finish and close before failing
    throw e;
  }
  const { cleanFiles, docsRead, reusedFiles, totalFiles } = await cleaning;

  // ---- Step 2: dedup, eval decontamination, split ------------------------------------------------------------
  const dedupKey = sha256(PIPELINE_VERSION, cleanFiles.map((c) => c.key).join(","), stableJson({ d: cfg.dedup, s: cfg.split, c: cfg.decontaminate, evalDir, u: userEvals.map((u) => u.sha256), ex: cfg.reportExamples })).slice(0, 24);
  const dedupDir = join(cacheDir, `dedup-${dedupKey}`);
  const dedupStatsFile = join(dedupDir, "stats.json");
  let dedupReused = false;
  if (!opt.force && existsSync(dedupStatsFile)) {
    dedupReused = true;
  } else {
    mkdirSync(dedupDir, { recursive: true });
    const evals = evalSet ?? (cfg.decontaminate.enabled && !pooledDedup(cfg) ? timedEvalNgrams(cfg, evalDir, userEvals) : null);
    const s = await dedupStep(cleanFiles, dedupDir, cfg, opt.dedupStateBytes ?? null, evalDir, userEvals, evals, (d, t) => progress({ step: "dedup", done: d, total: t, detail: "" }));
    atomicWrite(dedupStatsFile, JSON.stringify(s));
  }
  mergeRunStats(stats, JSON.parse(readFileSync(dedupStatsFile, "utf8")) as RunStats, cfg.reportExamples);

  // ---- Step 3: held-out decontamination, tokenize, shards ----------------------------------------------------
  const tok = opt.tokenizer;
  const weights = Object.fromEntries(cfg.sources.map((s) => [s.name, s.weight]));
  // The worker count and the memory cap change how the work is done, never its result.
  const { workers: _wk, memoryCap: _mc, ...hashed } = cfg;
  const configHash = sha256(stableJson(hashed)).slice(0, 24);
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
    const r = await shardStep(dedupDir, outDir, cfg, tok, key, configHash, docsRead, plan, opt.heldOutStateBytes ?? null, (d, t) => progress({ step: "shards", done: d, total: t, detail: "" }));
    manifest = r.manifest;
    atomicWrite(shardStatsFile, JSON.stringify(r.stats));
    atomicWrite(manifestFile, JSON.stringify(manifest, null, 2));
  }
  mergeRunStats(stats, JSON.parse(readFileSync(shardStatsFile, "utf8")) as RunStats, cfg.reportExamples);
  return { stats, manifest, reused: { cleanFiles: reusedFiles, totalFiles, dedup: dedupReused, shards: shardsReused }, seconds: (performance.now() - started) / 1000 };
}

interface CleanOutput {
  readonly key: string;
  readonly file: string;
  readonly source: string;
  /** The documents' dedup keys (dedup-spill.ts), computed beside the clean step under a memory cap. */
  readonly keys: string | null;
}

/** Step 1: clean every input shard (cached per shard), on cfg.workers threads; results merged in input order,
 *  then shard order, whatever order they finish in. A source with maxDocs runs its shards one after another
 *  (each one's limit depends on the documents read before it). */
async function cleanStep(
  plan: readonly { src: SourceConfig; files: string[] }[],
  cfg: PipelineConfig,
  opt: PipelineOptions,
  cacheDir: string,
  stageCfg: string,
  langId: LanguageIdentifier | null,
  stats: RunStats,
  onBytes: (done: number) => void,
): Promise<{ cleanFiles: CleanOutput[]; docsRead: Record<string, number>; reusedFiles: number; totalFiles: number }> {
  // Under a memory cap, dedup reads keys computed here, in parallel, instead of hashing in its own single pass.
  const keysTag = cfg.memoryCap !== null && (cfg.dedup.exact || cfg.dedup.near) ? sha256(stableJson(cfg.dedup)).slice(0, 8) : null;
  const pool = cfg.workers > 1 ? new CleanPool(cfg.workers, { cfg, baseDir: opt.baseDir }, cfg.memoryCap !== null) : null;
  const cleanFiles: CleanOutput[] = [];
  const docsRead: Record<string, number> = {};
  const results: Promise<RunStats & { docsRead: number }>[] = [];
  const live = new Map<number, number>(); // task → bytes done so far
  let finishedBytes = 0;
  let reusedFiles = 0;
  const report = (): void => onBytes(finishedBytes + [...live.values()].reduce((a, b) => a + b, 0));
  // Without workers, shards are cleaned one at a time in the main thread.
  let serial: Promise<unknown> = Promise.resolve();
  const inThread = <T>(f: () => Promise<T>): Promise<T> => {
    const p = serial.then(f);
    serial = p.catch(() => undefined);
    return p;
  };
  try {
    for (const { src, files } of plan) {
      docsRead[src.name] = 0;
      const { weight: _w, ...srcKey } = src;
      // Only a maxDocs source needs its shards in sequence; `prev` resolves to the documents it has left.
      let prev: Promise<number> = Promise.resolve(src.maxDocs ?? Infinity);
      for (const file of files) {
        const ranges = planCached(file, src, cfg.inputShardBytes, cacheDir);
        ranges.forEach((range, r) => {
          const last = r === ranges.length - 1;
          const taskSrc: SourceConfig = src.skipLast && !last ? { ...src, skipLast: false } : src;
          const id = results.length;
          const run = async (remaining: number): Promise<RunStats & { docsRead: number }> => {
            if (remaining <= 0) return { ...newRunStats(), docsRead: 0 };
            const key = sha256(fingerprint(file), stableJson(srcKey), stageCfg, String(remaining), `${range.start}-${range.end}`).slice(0, 24);
            const out = join(cacheDir, "clean", `${key}.jsonl`);
            const statsFile = join(cacheDir, "clean", `${key}.stats.json`);
            const keysOut = keysTag === null ? null : join(cacheDir, "clean", `${key}.${keysTag}.keys`);
            cleanFiles[id] = { key, file: out, source: src.name, keys: keysOut };
            if (!opt.force && existsSync(statsFile) && existsSync(out) && (keysOut === null || existsSync(keysOut))) {
              reusedFiles++;
              finishedBytes += range.end - range.start;
              report();
              return JSON.parse(readFileSync(statsFile, "utf8")) as RunStats & { docsRead: number };
            }
            const onTaskBytes = (b: number): void => {
              live.set(id, b);
              report();
            };
            const st =
              pool !== null
                ? await pool.run({ file, src: taskSrc, limit: remaining, out, range, keysOut }, onTaskBytes)
                : await inThread(async () => {
                    const r = await cleanFile(file, taskSrc, remaining, out, cfg, opt.baseDir, langId, onTaskBytes, range);
                    if (keysOut !== null) await writeDocKeys(out, keysOut, cfg.dedup);
                    return r;
                  });
            const fileStats = { ...st, docsRead: st.stages[0]?.docsIn ?? 0 };
            atomicWrite(statsFile, JSON.stringify(fileStats));
            live.delete(id);
            finishedBytes += range.end - range.start;
            report();
            return fileStats;
          };
          if (src.maxDocs !== null) {
            const p = prev.then(run);
            results.push(p);
            const before = prev;
            prev = Promise.all([before, p]).then(([rem, s]) => rem - s.docsRead);
          } else results.push(run(Infinity));
        });
      }
    }
    const all = await Promise.all(results);
    all.forEach((s, i) => {
      const c = cleanFiles[i];
      mergeRunStats(stats, s, cfg.reportExamples);
      if (c === undefined) return; // a maxDocs source that had nothing left to read
      docsRead[c.source]! += s.docsRead;
    });
  } finally {
    await pool?.close();
  }
  return { cleanFiles: cleanFiles.filter((c): c is CleanOutput => c !== undefined), docsRead, reusedFiles, totalFiles: results.length };
}

/** planInputShards, cached in cacheDir by the file's fingerprint, its cut rule and the shard size. */
function planCached(file: string, src: SourceConfig, shardBytes: number, cacheDir: string): ByteRange[] {
  const f = join(cacheDir, `plan-${sha256(fingerprint(file), stableJson({ f: src.format, s: src.separator, b: shardBytes })).slice(0, 24)}.json`);
  if (existsSync(f)) return JSON.parse(readFileSync(f, "utf8")) as ByteRange[];
  const ranges = planInputShards(file, src, shardBytes);
  atomicWrite(f, JSON.stringify(ranges));
  return ranges;
}

/** Whether the tokenizer's file is there and is the one its sha256 names (so that workers can load the same). */
function tokenizerFileIs(tok: TokenizerInput): boolean {
  try {
    return statSync(tok.path).isFile() && sha256(readFileSync(tok.path)) === tok.sha256;
  } catch {
    return false;
  }
}

function safeSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/** Step 2: exact + near dedup, eval-set decontamination and the split, over all clean files in order. */
/** The evaluation sets' n-grams (step 2's decontamination) and the seconds it took to build them. */
function timedEvalNgrams(cfg: PipelineConfig, evalDir: string | null, userEvals: readonly { path: string; shown: string }[]): { set: EvalNgrams | null; seconds: number } {
  const t0 = performance.now();
  const set = buildEvalNgrams(cfg.decontaminate, evalDir, userEvals);
  return { set, seconds: (performance.now() - t0) / 1000 };
}

/** Whether step 2's second pass runs on dedup workers (dedup-pool.ts): with workers, under a memory cap (the
 *  spilling dedup decides every verdict before that pass, so the rest of each document's work is independent). */
const pooledDedup = (cfg: PipelineConfig): boolean => cfg.workers > 1 && cfg.memoryCap !== null && (cfg.dedup.exact || cfg.dedup.near);

async function dedupStep(cleaned: readonly CleanOutput[], dir: string, cfg: PipelineConfig, stateBytes: number | null, evalDir: string | null, userEvals: readonly { path: string; shown: string }[], evalNgrams: { set: EvalNgrams | null; seconds: number } | null, onProgress: (done: number, total: number) => void): Promise<RunStats> {
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
    if (evalNgrams !== null) {
      evalSet = evalNgrams.set;
      stage(st, "decontaminate-eval").seconds += evalNgrams.seconds;
    }
  }
  const files = cleaned.map((c) => c.file);
  const total = files.reduce((a, f) => a + safeSize(f), 0);
  // Under a memory cap the dedup decisions are made on disk first (dedup-spill.ts), then read back in order.
  // The dedup state gets what the process does not hold now (the clean workers have ended) of the whole cap.
  // With workers the dedup workers start first (they build their evaluation n-grams during the first pass), and
  // their share of the cap is set aside before the state's.
  const pool = pooledDedup(cfg) ? new DedupPool(cfg.workers, { evals: cfg.decontaminate.enabled ? { cfg: cfg.decontaminate, evalDir, userEvals } : null, split: cfg.split }) : null;
  const spill = cfg.memoryCap !== null && (cfg.dedup.exact || cfg.dedup.near) ? new SpillDeduplicator(cfg.dedup, join(dir, "spill"), stateBytes ?? dedupBudget(parseSize(cfg.memoryCap, "memoryCap"), process.memoryUsage().rss + (pool === null ? 0 : cfg.workers * FIXED_MB.dedupWorker * 2 ** 20))) : null;
  if (spill !== null) {
    const t0 = performance.now();
    await passOneSpilled(cleaned, spill, pool, cfg, total, onProgress).catch(async (e: unknown) => {
      await pool?.close();
      spill.close();
      throw e;
    });
    stage(st, "dedup-near").seconds += (performance.now() - t0) / 1000;
  }
  async function passTwoInMemory(): Promise<void> {
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
  }
  const train = new LineWriter(join(dir, "train.jsonl"));
  const val = new LineWriter(join(dir, "val.jsonl"));
  try {
    if (spill !== null) await passTwoSpilled(files, spill, pool, evalSet, cfg, { exactM, nearM, decM, splitM }, train, val, total, onProgress);
    else await passTwoInMemory();
  } finally {
    await pool?.close();
  }
  // The split "keeps" every document; its reasons count train/val. Examples of it are noise: drop them.
  stage(st, "split").examples.length = 0;
  train.close();
  val.close();
  spill?.close();
  return st;
}

/** Step 2's first pass under a memory cap: every document's keys into the spilling dedup, then the partition
 *  passes (the band partitions on the dedup workers when there are some). */
async function passOneSpilled(cleaned: readonly CleanOutput[], spill: SpillDeduplicator, pool: DedupPool | null, cfg: PipelineConfig, total: number, onProgress: (done: number, total: number) => void): Promise<void> {
    let seen = 0;
    for (const c of cleaned) {
      if (c.keys !== null) {
        // Keys computed by the clean step: only the ids are read here, not the documents.
        const keys = readDocKeys(c.keys, cfg.dedup);
        for await (const d of readCleanIds(c.file)) {
          seen += d.bytes;
          const k = keys.next();
          if (k.done === true) throw new KotodamaError(`${c.keys}: fewer dedup keys than documents in ${c.file}; delete the cache folder and re-run`);
          spill.addKeys(d.id, k.value);
        }
      } else {
        for await (const d of readJsonl<CleanDoc>(c.file)) {
          seen += bytesOf(d.text) + 64;
          spill.add(d.id, unitHashes(d.text));
        }
      }
      onProgress(seen / 2, total);
    }
    if (pool !== null) await spill.prepareParallel((t) => pool.bands(t), pool.size);
    else spill.prepare();
}

interface DedupMeters {
  readonly exactM: StageMeter;
  readonly nearM: StageMeter;
  readonly decM: StageMeter;
  readonly splitM: StageMeter;
}

/** Step 2's second pass under a memory cap: the verdicts in document order (main thread), the rest of each
 *  document's work (parse, evaluation sets, split: dedup-docs.ts) on the dedup workers or here, and each kept
 *  line written unchanged to train or val (a clean line is JSON.stringify's output, so writing it equals
 *  re-serialising the parsed document). */
async function passTwoSpilled(files: readonly string[], spill: SpillDeduplicator, pool: DedupPool | null, evalSet: EvalNgrams | null, cfg: PipelineConfig, m: DedupMeters, train: LineWriter, val: LineWriter, total: number, onProgress: (done: number, total: number) => void): Promise<void> {
  let docNo = 0;
  let done = 0;
  async function* batches(): AsyncGenerator<LineBatch<SpillVerdict>> {
    for (const f of files) {
      for await (const chunk of readLineChunks(f)) {
        const lines = chunk.toString("utf8").split("\n").filter((l) => l !== "");
        yield { lines, verdicts: lines.map(() => spill.verdict(docNo++)) };
      }
    }
  }
  async function* inThread(): AsyncGenerator<[LineBatch<SpillVerdict>, DedupDocWork[]]> {
    for await (const b of batches()) yield [b, b.lines.map((l, i) => workOnLine(l, b.verdicts[i]!.keep, evalSet, cfg.split))];
  }
  let n = 0;
  for await (const [b, work] of pool !== null ? pool.map(batches()) : inThread()) {
    for (let i = 0; i < b.lines.length; i++) {
      const line = b.lines[i]!;
      const v = b.verdicts[i]!;
      const w = work[i]!;
      const { id, chars } = w;
      const text = (): string => (JSON.parse(line) as CleanDoc).text; // only for a report example
      done += w.bytes + 64;
      if (++n % 4096 === 0) onProgress(done, total);
      const t0 = m.exactM.enterSized(chars, w.bytes);
      const exactDrop = cfg.dedup.exact && !v.keep && v.kind === "exact";
      m.exactM.leaveSized(t0, !exactDrop, chars, id, text, exactDrop ? "exact" : null);
      if (exactDrop) continue;
      if (cfg.dedup.near) {
        const t1 = m.nearM.enterSized(chars, w.bytes);
        m.nearM.leaveSized(t1, v.keep, chars, id, text, v.keep ? null : "near", !v.keep && v.kind === "near" ? `J≈${v.similarity.toFixed(2)} with ${v.of}` : "");
        if (!v.keep) continue;
      }
      if (evalSet !== null || (pool !== null && cfg.decontaminate.enabled)) {
        const t2 = m.decM.enterSized(chars, w.bytes) - w.evalSeconds * 1000;
        m.decM.leaveSized(t2, w.evalLabel === null, chars, id, text, w.evalLabel);
        if (w.evalLabel !== null) continue;
      }
      const t3 = m.splitM.enterSized(chars, w.bytes) - w.splitSeconds * 1000;
      m.splitM.leaveSized(t3, true, chars, id, text, w.isVal ? "val" : "train");
      // `line` is a slice of its whole chunk's string, and a LineWriter holds lines until it has 1 MB of them:
      // the validation writer, fed ~1 % of the lines, would keep ~100 chunks alive that long (live heap grew by the
      // input size through this pass). A copy of the line keeps only itself (the train writer flushes every chunk
      // or two, so its lines are written as they are).
      if (w.isVal) val.write(Buffer.from(line, "utf8").toString("utf8"));
      else train.write(line);
    }
  }
  onProgress(done, total);
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
  heldStateBytes: number | null,
  onProgress: (done: number, total: number) => void,
): Promise<{ stats: RunStats; manifest: Manifest }> {
  const st = newRunStats();
  const ex = cfg.reportExamples;
  const heldM = new StageMeter(stage(st, "decontaminate-heldout"), ex);
  const tokM = new StageMeter(stage(st, "tokenize"), ex);
  const valFile = join(dedupDir, "val.jsonl");
  const trainFile = join(dedupDir, "train.jsonl");
  const heldOn = cfg.decontaminate.enabled && cfg.decontaminate.heldOut;
  const minFraction = cfg.decontaminate.heldOutMinFraction;
  // The held-out n-grams, within what the cap leaves (heldout-set.ts): in memory, shared with the shard workers,
  // or, past their budget, counted beforehand per training document and read back in order.
  const usePool = cfg.workers > 1 && (heldOn || tok !== null) && (tok === null || tokenizerFileIs(tok));
  let held: HeldOutSet | null = null;
  let spilledHits: HeldOutHits | null = null;
  if (heldOn) {
    const t0 = performance.now();
    const budget = heldStateBytes ?? (cfg.memoryCap === null ? Infinity : heldOutBudget(parseSize(cfg.memoryCap, "memoryCap"), process.memoryUsage().rss, usePool ? cfg.workers : 0, tok !== null));
    const h = await buildHeldOut(valFile, trainFile, cfg.decontaminate.ngram, budget, join(outDir, "cache"));
    if (h.kind === "set") held = h.set;
    else spilledHits = new HeldOutHits(h.hits);
    stage(st, "decontaminate-heldout").seconds += (performance.now() - t0) / 1000;
  }
  // With workers, the held-out check and encode run on threads that load the tokenizer from its file (when that
  // file is the one hashed; a tokenizer built in memory stays in the main thread) and share the held-out set.
  const pool = usePool ? new ShardPool(cfg.workers, { tokenizerPath: tok?.path ?? null, held: held?.shared ?? null, minFraction }) : null;
  async function* inThread(docs: AsyncIterable<CleanDoc>, split: "train" | "val"): AsyncGenerator<[CleanDoc, DocWork]> {
    for await (const d of docs) yield [d, workOnDoc(d.text, split, held, minFraction, tok?.tokenizer ?? null)];
  }
  mkdirSync(join(outDir, "text"), { recursive: true });
  const perSource: Record<string, { trainDocs: number; valDocs: number; trainTokens: number; valTokens: number }> = {};
  for (const p of plan) perSource[p.src.name] = { trainDocs: 0, valDocs: 0, trainTokens: 0, valTokens: 0 };
  const weights = Object.fromEntries(cfg.sources.map((s) => [s.name, s.weight]));
  const total = safeSize(trainFile) + safeSize(valFile);
  let done = 0;
  let seen = 0;
  const splits = { train: { docs: 0, tokens: 0, shards: [] as ShardEntry[] }, val: { docs: 0, tokens: 0, shards: [] as ShardEntry[] } };
  try {
    for (const split of ["val", "train"] as const) {
      const textOut = new LineWriter(join(outDir, "text", `${split}.jsonl`));
      let writer: ShardWriter | null = null;
      const closeShard = (): void => {
        if (writer === null) return;
        const h = writer.close();
        splits[split].shards.push({ file: `${split}-${String(splits[split].shards.length).padStart(5, "0")}.bin`, docs: h.docs, tokens: h.tokens });
        writer = null;
      };
      const docs = readJsonl<CleanDoc>(split === "val" ? valFile : trainFile);
      // The stage meters are charged the seconds the work took where it ran (here or on a worker).
      for await (const [d, w] of pool !== null ? pool.map(docs, split) : inThread(docs, split)) {
        done += bytesOf(d.text) + 64;
        if (spilledHits !== null && split === "train") {
          // Counted beforehand (the workers had no set and tokenized it anyway: dropped ids are discarded here).
          const m = spilledHits.next();
          const keep = keepHeld(m, minFraction);
          const t0 = heldM.enter(d.text);
          heldM.leave(t0, keep ? d.text : null, d.id, d.text, keep ? null : "heldout-ngram", keep ? "" : `${m.hits}/${m.total} n-grams in validation`);
          if (!keep) continue;
        } else if (w.held !== null) {
          const m = w.held;
          const t0 = heldM.enter(d.text) - w.heldSeconds * 1000;
          heldM.leave(t0, w.keep ? d.text : null, d.id, d.text, w.keep ? null : "heldout-ngram", w.keep ? "" : `${m.hits}/${m.total} n-grams in validation`);
          if (!w.keep) continue;
        }
        textOut.write(JSON.stringify(d));
        const reps = split === "train" ? repeats(d.text, weights[d.source] ?? 1, cfg.split.seed) : 1;
        const ps = perSource[d.source]!;
        if (split === "train") ps.trainDocs++;
        else ps.valDocs++;
        addToHist(st.lengthsOut, d.source, d.text.length);
        if (tok !== null && reps > 0) {
          const t0 = tokM.enter(d.text) - w.tokSeconds * 1000;
          const ids = w.ids;
          if (ids === null) {
            // A tokenizer failure on one document is reported and skipped, not fatal to a long run.
            tokM.leave(t0, null, d.id, d.text, "tokenizer-error", w.tokError ?? "");
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
  } finally {
    await pool?.close();
    spilledHits?.close();
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
