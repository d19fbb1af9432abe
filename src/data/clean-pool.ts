// A fixed pool of worker threads for step 1 (clean): each task is one input shard, run by clean-worker.ts, and
// the pool hands tasks to idle workers in submission order. Not here: which shards exist and the order their
// outputs are merged in (pipeline.ts); results are returned per task, so completion order never matters.
//
// Each worker loads its own language identifier and toxicity list (a few MB each). The native addon, when a stage
// uses it, is linked -z nodelete, so loading it in several threads is safe.
import { Worker } from "node:worker_threads";
import type { PipelineConfig } from "./config.js";
import type { ReadOptions, SourceConfig } from "./readers.js";
import type { RunStats } from "./stats.js";

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

export type FromWorker =
  | { readonly kind: "progress"; readonly id: number; readonly bytes: number }
  | { readonly kind: "done"; readonly id: number; readonly stats: RunStats }
  | { readonly kind: "error"; readonly id: number; readonly message: string };

interface Pending {
  readonly task: CleanTask;
  readonly onBytes: (b: number) => void;
  readonly resolve: (s: RunStats) => void;
  readonly reject: (e: Error) => void;
}

export class CleanPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly workers: Worker[] = [];
  private nextId = 0;

  constructor(size: number, init: WorkerInit) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL("./clean-worker.js", import.meta.url), { workerData: init });
      w.on("message", (m: FromWorker) => this.onMessage(w, m));
      w.on("error", (e) => this.onFailure(w, e));
      w.on("exit", (code) => {
        if (this.running.has(w)) this.onFailure(w, new Error(`clean worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Runs one clean task on the next idle worker; resolves with its statistics. */
  run(task: Omit<CleanTask, "id">, onBytes: (b: number) => void): Promise<RunStats> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ }, onBytes, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage(p.task);
    }
  }

  private onMessage(w: Worker, m: FromWorker): void {
    const p = this.running.get(w);
    if (p === undefined || p.task.id !== m.id) return;
    if (m.kind === "progress") {
      p.onBytes(m.bytes);
      return;
    }
    this.running.delete(w);
    this.idle.push(w);
    if (m.kind === "done") p.resolve(m.stats);
    else p.reject(new Error(`cleaning ${p.task.file}: ${m.message}`));
    this.pump();
  }

  private onFailure(w: Worker, e: Error): void {
    const p = this.running.get(w);
    this.running.delete(w);
    if (p !== undefined) p.reject(new Error(`clean worker failed on ${p.task.file}: ${e.message}`));
  }
}
