// The worker threads of step 1 (clean): each task is one input shard, run by clean-worker.ts on a WorkerPool
// (worker-pool.ts: tasks to idle workers in submission order). Not here: which shards exist and the order their
// outputs are merged in (pipeline.ts); results are returned per task, so completion order never matters.
//
// Each worker loads its own language identifier and toxicity list (a few MB each). The native addon, when a stage
// uses it, is linked -z nodelete, so loading it in several threads is safe.
import type { PipelineConfig } from "./config.js";
import type { ReadOptions, SourceConfig } from "./readers.js";
import type { RunStats } from "./stats.js";
import { WorkerPool, type WorkerReply } from "./worker-pool.js";

export interface WorkerInit {
  readonly cfg: PipelineConfig;
  readonly baseDir: string;
}

export interface CleanTask {
  readonly id: number;
  readonly file: string;
  readonly src: SourceConfig;
  readonly limit: number;
  readonly out: string;
  readonly range: ReadOptions["range"];
  /** When set, also write the kept documents' dedup keys (dedup-spill.ts writeDocKeys) to this file. */
  readonly keysOut: string | null;
}

export type FromWorker = WorkerReply<{ readonly stats: RunStats }>;

/** Step 1's workers: clean-worker.ts per task; run() resolves with the task's statistics. */
export class CleanPool {
  private readonly pool: WorkerPool<Omit<CleanTask, "id">, { readonly stats: RunStats }>;

  constructor(size: number, init: WorkerInit) {
    this.pool = new WorkerPool(size, new URL("./clean-worker.js", import.meta.url), init, "clean worker", (t) => t.file);
  }

  /** Runs one clean task on the next idle worker; resolves with its statistics. */
  async run(task: Omit<CleanTask, "id">, onBytes: (b: number) => void): Promise<RunStats> {
    return (await this.pool.run(task, onBytes)).stats;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
