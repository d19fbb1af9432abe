// How `memoryCap` is shared out over the whole process: the fixed costs of what the run loads (measured, below),
// the worker threads' heap limits, and the dedup state, which gets what is left. Not here: the spilling dedup
// itself (dedup-spill.ts) or the pools (clean-pool.ts, shard-pool.ts).
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

export const FIXED_MB = { process: 60, tokenizer: 60, langid: 150, cleanWorker: 15 + 96 + 16, dedupWorker: 15 + 96 + 16 } as const;

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

/** The smallest cap a run with these needs can keep to, in bytes (the step that needs most: clean, with its
 *  workers and the language identifier, or dedup, with its minimum). */
export function minimumCap(n: MemoryNeeds): number {
  const base = FIXED_MB.process + (n.tokenizer ? FIXED_MB.tokenizer : 0);
  const clean = base + (n.langid ? FIXED_MB.langid : 0) + (n.workers > 1 ? n.workers * FIXED_MB.cleanWorker : 0);
  const dedup = base + DEDUP_RESERVE_MB + DEDUP_MIN_MB;
  return Math.max(clean, dedup) * MB;
}

/** Fails with the flag, the key and the minimum when capBytes is below minimumCap. */
export function checkCap(capBytes: number, n: MemoryNeeds): void {
  const min = minimumCap(n);
  if (capBytes >= min) return;
  const parts = [`the process ${FIXED_MB.process} MB`, ...(n.tokenizer ? [`the tokenizer ${FIXED_MB.tokenizer} MB`] : []), ...(n.langid ? [`the language identifier ${FIXED_MB.langid} MB`] : []), ...(n.workers > 1 ? [`${n.workers} clean workers × ${FIXED_MB.cleanWorker} MB`] : [])];
  throw new KotodamaError(
    `--memory-cap (config: memoryCap) ${Math.round(capBytes / MB)} MB is too small for this run: it needs at least ${Math.ceil(min / MB)} MB (${parts.join(" + ")}, or in the dedup step ${DEDUP_MIN_MB} MB of dedup state + ${DEDUP_RESERVE_MB} MB of working memory); raise --memory-cap${n.workers > 1 ? " or lower --workers" : ""}`,
  );
}

/** The dedup state's share: the cap less what the process holds now (rssBytes, measured as the dedup step
 *  starts) and the reserve; at least DEDUP_MIN_MB. */
export function dedupBudget(capBytes: number, rssBytes: number): number {
  return Math.max(DEDUP_MIN_MB * MB, capBytes - rssBytes - DEDUP_RESERVE_MB * MB);
}
