// The fair queue in front of the inference worker: jobs run one at a time in arrival order (FIFO); at most
// `maxQueue` wait, and one more is refused with 429 and a Retry-After estimate; a job whose client goes away is
// dropped from the queue, or cancelled between tokens when it runs; close() refuses new work, lets the running job
// finish for a grace period, then cancels it and stops the worker. Not continuous batching: one job (its n choices
// in turn) holds the model at a time. Not here: what the worker computes (worker.ts, run-job.ts).
import { Worker } from "node:worker_threads";
import { ApiError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { Job, JobBody, JobResult, TokenEvent, WorkerEvent, WorkerInit } from "./protocol.js";

/** 429: the queue is full; `retryAfter` seconds is an estimate from recent job durations. */
export class QueueFullError extends ApiError {
  constructor(waiting: number, readonly retryAfter: number) {
    super(429, `The server is busy (${waiting} requests waiting); retry after ${retryAfter} s`, null, "queue_full");
  }
}

export interface QueueOptions {
  readonly init: Omit<WorkerInit, "cancel">;
  /** Jobs that may wait while one runs. */
  readonly maxQueue: number;
  readonly metrics: Metrics;
  readonly log?: (text: string) => void;
}

export interface Submission {
  /** Aborts when the client disconnects: the job leaves the queue or stops between tokens. */
  readonly signal?: AbortSignal;
  readonly onToken?: (ev: TokenEvent) => void;
}

interface Pending {
  readonly job: Job;
  readonly sub: Submission;
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: unknown) => void;
  started: number;
  detach: () => void;
}

/** What the routes need of a queue (InferenceQueue; tests give a stub). */
export interface JobQueue {
  readonly depth: number;
  readonly busy: number;
  submit(model: string, body: JobBody, sub?: Submission): Promise<JobResult>;
}

export class InferenceQueue implements JobQueue {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4));
  private readonly waiting: Pending[] = [];
  private running: Pending | null = null;
  private nextId = 1;
  private closing = false;
  /** Moving average of job durations (ms), for Retry-After. */
  private avgMs = 1000;

  constructor(private readonly o: QueueOptions) {
    this.start();
  }

  get depth(): number {
    return this.waiting.length;
  }

  get busy(): number {
    return this.running === null ? 0 : 1;
  }

  /** Resolves once the worker has started (its modules loaded). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private start(): void {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: { ...this.o.init, cancel: this.cancel.buffer } satisfies WorkerInit });
    this.ready = new Promise((resolve, reject) => {
      const early = (e: unknown): void => reject(e instanceof Error ? e : new Error(String(e)));
      this.worker.once("error", early);
      this.worker.once("message", (ev: WorkerEvent) => {
        this.worker.off("error", early);
        if (ev.type === "ready") resolve();
      });
    });
    this.ready.catch(() => {});
    this.worker.on("message", (ev: WorkerEvent) => this.onEvent(ev));
    this.worker.on("error", (e) => this.onCrash(e));
  }

  private onCrash(e: Error): void {
    (this.o.log ?? ((t) => process.stderr.write(t)))(`inference worker failed: ${e.stack ?? e.message}\n`);
    const r = this.running;
    this.running = null;
    r?.detach();
    r?.reject(new ApiError(500, "internal error (see the server's terminal)"));
    if (!this.closing) {
      this.start();
      this.pump();
    }
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.type === "models") return this.o.metrics.models(ev.loaded, ev.bytes);
    if (ev.type === "ready") return;
    const r = this.running;
    if (r === null || ev.job !== r.job.id) return;
    if (ev.type === "token") return r.sub.onToken?.(ev);
    this.running = null;
    r.detach();
    this.avgMs = 0.8 * this.avgMs + 0.2 * (performance.now() - r.started);
    if (ev.type === "done") {
      if ("cancelled" in ev.result && ev.result.cancelled) this.o.metrics.cancel();
      this.o.metrics.tokens(r.job.model, "completionTokens" in ev.result ? ev.result.completionTokens : 0, ev.result.promptTokens);
      r.resolve(ev.result);
    } else r.reject(ApiError.fromData(ev.error));
    this.pump();
  }

  /** Queues a job for model `model`; resolves with its result. Throws 429 when the queue is full, 503 when closing. */
  submit(model: string, body: JobBody, sub: Submission = {}): Promise<JobResult> {
    if (this.closing) return Promise.reject(new ApiError(503, "The server is shutting down", null, "shutting_down"));
    if (this.running !== null && this.waiting.length >= this.o.maxQueue) {
      this.o.metrics.queueFull();
      const wait = Math.min(60, Math.max(1, Math.ceil((this.avgMs * (this.waiting.length + 1)) / 1000)));
      return Promise.reject(new QueueFullError(this.waiting.length, wait));
    }
    const job: Job = { ...body, id: this.nextId++, model, stream: sub.onToken !== undefined };
    return new Promise<JobResult>((resolve, reject) => {
      const p: Pending = { job, sub, resolve, reject, started: 0, detach: () => {} };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(p);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          p.detach();
          reject(new ApiError(400, "the client disconnected", null, "client_closed"));
        } else if (this.running === p) Atomics.store(this.cancel, 0, job.id);
      };
      if (sub.signal?.aborted === true) return reject(new ApiError(400, "the client disconnected", null, "client_closed"));
      sub.signal?.addEventListener("abort", onAbort);
      p.detach = () => sub.signal?.removeEventListener("abort", onAbort);
      this.waiting.push(p);
      this.pump();
    });
  }

  private pump(): void {
    if (this.running !== null) return;
    const next = this.waiting.shift();
    if (next === undefined) return;
    next.started = performance.now();
    this.running = next;
    this.worker.postMessage(next.job);
  }

  /** Stops taking jobs: waiting ones get 503, the running one may finish within `graceMs`, then is cancelled;
   *  resolves when the worker has stopped. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const p of this.waiting.splice(0)) {
      p.detach();
      p.reject(new ApiError(503, "The server is shutting down", null, "shutting_down"));
    }
    // Wait for the running job (cancelled after the grace period; a worker stuck in one long native call is
    // terminated 5 s after that).
    const started = performance.now();
    while (this.running !== null && performance.now() - started < graceMs + 5000) {
      if (performance.now() - started >= graceMs) Atomics.store(this.cancel, 0, this.running.job.id);
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.worker.terminate();
  }
}

