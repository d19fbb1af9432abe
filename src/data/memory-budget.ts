// How `memoryCap` is shared out over the whole process, step by step: the fixed costs of what the run loads
// (measured, below), the worker threads' heap limits, and the state that grows with the input, which gets what is
// left: the dedup state in step 2, the held-out n-grams in step 3. Not here: the spilling dedup itself
// (dedup-spill.ts), the held-out set (heldout-set.ts) or the pools (clean-pool.ts, dedup-pool.ts, shard-pool.ts).
//
// Fixed costs, RSS measured on Node 20.20 (x64) on 2026-12-05 with /tmp probes (docs/data.md "Memory"):
//   process      node + the pipeline's modules, before any data                        ~60 MB
//   tokenizer    the GPT-2 BPE vocabulary (50k tokens) loaded from its GGUF file        ~60 MB a copy
//   langid       eld's "small" n-gram database (under a cap loaded once: langid-server.ts) ~145 MB
//   clean worker an isolate (~15 MB) with its heap bounded by CLEAN_WORKER_HEAP          ~ 15 + 96 + 2×8 MB
import { KotodamaError } from "../util/errors.js";

const MB = 1 << 20;

/** The V8 heap bound of each clean worker (old generation, young generation semi-space), in MB. A document is at
 *  most maxDocChars (1M characters, 2 MB) and a worker holds one at a time; the rest is the toxicity matcher and
 *  the statistics. A bounded heap is collected sooner, so a worker holds less garbage. */
export const CLEAN_WORKER_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 } as const;

/** The V8 heap bound of each dedup worker (dedup-pool.ts): a batch of clean lines (about 1 MiB) and the evaluation
 *  n-grams (about 11 MB of heap for the built-in sets, more while they are read). */
export const DEDUP_WORKER_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 } as const;

/** The V8 heap bound of each shard worker (shard-pool.ts) beyond its tokenizer: a batch of documents (at most 1M
 *  characters) and their token ids. The held-out n-grams are shared buffers, outside every heap. */
export const SHARD_WORKER_HEAP = { maxOldGenerationSizeMb: 64 + 60, maxYoungGenerationSizeMb: 8 } as const;

/** An isolate and its heap bound, per kind of worker (a shard worker's tokenizer is counted apart). */
export const FIXED_MB = { process: 60, tokenizer: 60, langid: 150, cleanWorker: 15 + 96 + 16, dedupWorker: 15 + 96 + 16, shardWorker: 15 + 64 + 16 } as const;

/** The least the held-out n-grams get in step 3 (below it they are spilled in many passes), and what step 3's main
 *  thread needs beside them: read buffers, a batch in flight per worker, the shard writer. */
export const HELD_MIN_MB = 32;
export const SHARD_RESERVE_MB = 96;

/** The least the dedup state can work with (its partitions split until they fit; below this they thrash). */
export const DEDUP_MIN_MB = 64;

/** What the main thread needs beside the dedup state while it dedups: the read buffers, parsed documents and the
 *  young generation's garbage. */
export const DEDUP_RESERVE_MB = 96;

export interface MemoryNeeds {
  readonly workers: number;
  readonly langid: boolean;
  readonly tokenizer: boolean;
}

/** What one step holds at least, in MB, part by part (for the error message). */
function stepNeeds(n: MemoryNeeds): Record<"clean" | "dedup" | "shards", [string, number][]> {
  const base: [string, number][] = [["the process", FIXED_MB.process], ...(n.tokenizer ? [["the tokenizer", FIXED_MB.tokenizer] as [string, number]] : [])];
  const w = n.workers > 1 ? n.workers : 0;
  return {
    clean: [...base, ...(n.langid ? [["the language identifier", FIXED_MB.langid] as [string, number]] : []), ...(w > 0 ? [[`${w} clean workers × ${FIXED_MB.cleanWorker} MB`, w * FIXED_MB.cleanWorker] as [string, number]] : [])],
    dedup: [...base, ["dedup working memory", DEDUP_RESERVE_MB], ["dedup state", DEDUP_MIN_MB], ...(w > 0 ? [[`${w} dedup workers × ${FIXED_MB.dedupWorker} MB`, w * FIXED_MB.dedupWorker] as [string, number]] : [])],
    shards: [...base, ["shard working memory", SHARD_RESERVE_MB], ["held-out n-grams", HELD_MIN_MB], ...(w > 0 ? [[`${w} shard workers × ${shardWorkerMb(n)} MB`, w * shardWorkerMb(n)] as [string, number]] : [])],
  };
}

/** One shard worker: its isolate and heap, and its own tokenizer. */
const shardWorkerMb = (n: MemoryNeeds): number => FIXED_MB.shardWorker + (n.tokenizer ? FIXED_MB.tokenizer : 0);

const sum = (parts: readonly [string, number][]): number => parts.reduce((a, [, mb]) => a + mb, 0);

/** The smallest cap a run with these needs can keep to, in bytes: the step that needs most of clean (workers and
 *  the language identifier), dedup (its workers and state minimum) and shards (its workers, each with a
 *  tokenizer, and the held-out minimum). */
export function minimumCap(n: MemoryNeeds): number {
  const s = stepNeeds(n);
  return Math.max(sum(s.clean), sum(s.dedup), sum(s.shards)) * MB;
}

/** Fails with the flag, the key, the minimum and the step that needs it when capBytes is below minimumCap. */
export function checkCap(capBytes: number, n: MemoryNeeds): void {
  const min = minimumCap(n);
  if (capBytes >= min) return;
  const steps = stepNeeds(n);
  const [worst, parts] = (Object.entries(steps) as [string, [string, number][]][]).reduce((a, b) => (sum(b[1]) > sum(a[1]) ? b : a));
  throw new KotodamaError(
    `--memory-cap (config: memoryCap) ${Math.round(capBytes / MB)} MB is too small for this run: it needs at least ${Math.ceil(min / MB)} MB (the ${worst} step: ${parts.map(([what, mb]) => (what.includes("×") ? what : `${what} ${mb} MB`)).join(" + ")}); raise --memory-cap${n.workers > 1 ? " or lower --workers" : ""}`,
  );
}

/** The dedup state's share: the cap less what the process holds now (rssBytes, measured as the dedup step
 *  starts) and the reserve; at least DEDUP_MIN_MB. */
export function dedupBudget(capBytes: number, rssBytes: number): number {
  return Math.max(DEDUP_MIN_MB * MB, capBytes - rssBytes - DEDUP_RESERVE_MB * MB);
}

/** The held-out n-grams' share in step 3: the cap less what the process holds now (rssBytes, as step 3 starts),
 *  the shard workers (workers × their share; 0 without a pool) and the reserve; at least HELD_MIN_MB. */
export function heldOutBudget(capBytes: number, rssBytes: number, poolWorkers: number, tokenizer: boolean): number {
  const workers = poolWorkers * (FIXED_MB.shardWorker + (tokenizer ? FIXED_MB.tokenizer : 0)) * MB;
  return Math.max(HELD_MIN_MB * MB, capBytes - rssBytes - workers - SHARD_RESERVE_MB * MB);
}
