// The worker threads of step 1 (clean): each task is one input shard, run by clean-worker.ts on a WorkerPool
// (worker-pool.ts: tasks to idle workers in submission order). Not here: which shards exist and the order their
// outputs are merged in (pipeline.ts); results are returned per task, so completion order never matters.
//
// Under a memory cap the language identifier (eld, ~145 MB) is loaded once, in a server thread the workers ask
// synchronously (langid-server.ts); without one each worker loads its own. Each worker builds its own toxicity
// matcher (small). The native addon, when a stage uses it,
// is linked -z nodelete, so loading it in several threads is safe.
import type { PipelineConfig } from "./config.js";
import type { ReadOptions, SourceConfig } from "./readers.js";
import type { RunStats } from "./stats.js";
import { WorkerPool, type WorkerReply } from "./worker-pool.js";
import { LangIdServer, type LangIdChannel } from "./langid-server.js";
import { CLEAN_WORKER_HEAP } from "./memory-budget.js";

export interface WorkerInit {
  readonly cfg: PipelineConfig;
  readonly baseDir: string;
  /** The shared language identifier; null: langid off, or each worker loads its own. */
  readonly langId: LangIdChannel | null;
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
  private readonly langId: LangIdServer | null;

  /** shareLangId: one language identifier for all workers (under a memory cap), else one per worker (no
   *  cross-thread round trips: on a machine with more runnable threads than cores each one waits for the
   *  server thread to be scheduled). */
  constructor(size: number, init: Omit<WorkerInit, "langId">, shareLangId: boolean) {
    const server = init.cfg.langid.enabled && shareLangId ? new LangIdServer(size, init.cfg.langid) : null;
    this.langId = server;
    this.pool = new WorkerPool(size, new URL("./clean-worker.js", import.meta.url), (i) => ({ ...init, langId: server?.channel(i) ?? null }) satisfies WorkerInit, "clean worker", (t) => t.file, CLEAN_WORKER_HEAP);
  }

  /** Runs one clean task on the next idle worker; resolves with its statistics. */
  async run(task: Omit<CleanTask, "id">, onBytes: (b: number) => void): Promise<RunStats> {
    return (await this.pool.run(task, onBytes)).stats;
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.langId?.close();
  }
}
