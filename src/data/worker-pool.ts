// A fixed pool of worker threads running one script, each task handed to the next idle worker in submission order
// and its result returned to the task's own promise (so completion order never matters). Workers answer
// `{ kind: "done", id, … }`, `{ kind: "error", id, message }` or, for long tasks, `{ kind: "progress", id, bytes }`.
// A worker that dies fails its task and every task still queued, and the pool then refuses new ones. Used by the
// clean step (clean-pool.ts) and the shard step (shard-pool.ts). Not here: what the tasks are.
import { Worker, type ResourceLimits } from "node:worker_threads";

export type WorkerReply<R> =
  | ({ readonly kind: "done"; readonly id: number } & R)
  | { readonly kind: "error"; readonly id: number; readonly message: string }
  | { readonly kind: "progress"; readonly id: number; readonly bytes: number };

interface Pending<T, R> {
  readonly task: T & { readonly id: number };
  readonly onProgress: ((bytes: number) => void) | undefined;
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

export class WorkerPool<T extends object, R extends object> {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending<T, R>[] = [];
  private readonly running = new Map<Worker, Pending<T, R>>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failed: Error | null = null;

  /** `workerData(i)` is worker i's start-up data; `name` labels errors ("clean worker"); `describe` names a task
   *  in them; `limits` bounds each worker's V8 heap (a smaller heap is collected sooner, so it holds less garbage;
   *  a worker that needs more fails with ERR_WORKER_OUT_OF_MEMORY, reported as the task's error). */
  constructor(readonly size: number, script: URL, workerData: (i: number) => unknown, private readonly name: string, private readonly describe: (t: T) => string = () => "", limits?: ResourceLimits) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: workerData(i), ...(limits === undefined ? {} : { resourceLimits: limits }) });
      w.on("message", (m: WorkerReply<R>) => this.onMessage(w, m));
      w.on("error", (e) => this.onFailure(w, e));
      w.on("exit", (code) => {
        if (this.running.has(w)) this.onFailure(w, new Error(`exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Runs one task on the next idle worker; resolves with the worker's "done" reply (kind and id included). */
  run(task: T, onProgress?: (bytes: number) => void): Promise<R> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ }, onProgress, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private label(t: T): string {
    const d = this.describe(t);
    return d === "" ? this.name : `${this.name} on ${d}`;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage(p.task);
    }
  }

  private onMessage(w: Worker, m: WorkerReply<R>): void {
    const p = this.running.get(w);
    if (p === undefined || p.task.id !== m.id) return;
    if (m.kind === "progress") {
      p.onProgress?.(m.bytes);
      return;
    }
    this.running.delete(w);
    this.idle.push(w);
    if (m.kind === "done") p.resolve(m as unknown as R);
    else p.reject(new Error(`${this.label(p.task)}: ${m.message}`));
    this.pump();
  }

  private onFailure(w: Worker, e: Error): void {
    const p = this.running.get(w);
    this.running.delete(w);
    this.failed = new Error(`${p === undefined ? this.name : this.label(p.task)} failed: ${e.message}`);
    p?.reject(this.failed);
    for (const q of this.queue.splice(0)) q.reject(this.failed);
  }
}
