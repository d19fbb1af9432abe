// The fair queue in front of the inference worker: jobs start in arrival order (FIFO); with max batch 1 one runs at
// a time, with max batch N the head of the queue goes to the worker while its running jobs hold fewer than N
// sequences (a generation job counts its choices, another job one), where they join the continuous batch; at most
// `maxQueue` wait, and one more is refused with 429 and a Retry-After estimate; a job whose client goes away is
// dropped from the queue, or cancelled between tokens when it runs; close() refuses new work, lets the running jobs
// finish for a grace period, then cancels them and stops the worker. Not here: what the worker computes and how it
// batches (worker.ts, run-job.ts, infer/decode-batcher.ts).
import { Worker } from "node:worker_threads";
import { ApiError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { Job, JobBody, JobResult, TokenEvent, WorkerCommand, WorkerEvent, WorkerInit } from "./protocol.js";

/** 429: the queue is full; `retryAfter` seconds is an estimate from recent job durations. */
export class QueueFullError extends ApiError {
  constructor(waiting: number, readonly retryAfter: number) {
    super(429, `The server is busy (${waiting} requests waiting); retry after ${retryAfter} s`, null, "queue_full");
  }
}

export interface QueueOptions {
  readonly init: Omit<WorkerInit, "cancel">;
  /** Jobs that may wait while the worker is full. */
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

/** Sequences a job puts in the batch: a generation's choices (n per prompt) or, under beam search, its beams (per
 *  prompt; a job's prompts search one after another, so the largest of them counts), any other job one. */
function weight(job: Job): number {
  if (job.kind === "chat") return job.beam === null ? job.n : job.beam.beams;
  if (job.kind === "complete") return job.beam === null ? job.n * job.prompts.length : job.beam.beams;
  return 1;
}

export class InferenceQueue implements JobQueue {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4));
  private readonly waiting: Pending[] = [];
  private readonly running = new Map<number, Pending>();
  /** Sequences the running jobs generate (their weights). */
  private load = 0;
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
    return this.running.size;
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
    for (const r of this.running.values()) {
      r.detach();
      r.reject(new ApiError(500, "internal error (see the server's terminal)"));
    }
    this.running.clear();
    this.load = 0;
    if (!this.closing) {
      this.start();
      this.pump();
    }
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.type === "models") return this.o.metrics.models(ev.loaded, ev.bytes);
    if (ev.type === "ready") return;
    if (ev.type === "step") return this.o.metrics.batchStep(ev.size);
    const r = this.running.get(ev.job);
    if (r === undefined) return;
    if (ev.type === "token") return r.sub.onToken?.(ev);
    this.running.delete(ev.job);
    this.load -= weight(r.job);
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
    if (this.full() && this.waiting.length >= this.o.maxQueue) {
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
        } else if (this.running.get(job.id) === p) this.stop(job.id);
      };
      if (sub.signal?.aborted === true) return reject(new ApiError(400, "the client disconnected", null, "client_closed"));
      sub.signal?.addEventListener("abort", onAbort);
      p.detach = () => sub.signal?.removeEventListener("abort", onAbort);
      this.waiting.push(p);
      this.pump();
    });
  }

  /** Whether the worker takes no more jobs now: max batch 1 and a job running, or its batch places all taken. */
  private full(): boolean {
    return this.running.size > 0 && (this.o.init.maxBatch <= 1 || this.load >= this.o.init.maxBatch);
  }

  /** Cancels running job `id` between tokens (the shared Int32 for a job generating alone, a command for a batched one). */
  private stop(id: number): void {
    Atomics.store(this.cancel, 0, id);
    this.worker.postMessage({ type: "cancel", job: id } satisfies WorkerCommand);
  }

  private pump(): void {
    while (!this.full()) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      next.started = performance.now();
      this.running.set(next.job.id, next);
      this.load += weight(next.job);
      this.worker.postMessage({ type: "job", job: next.job } satisfies WorkerCommand);
    }
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
    let stopped = false;
    while (this.running.size > 0 && performance.now() - started < graceMs + 5000) {
      if (!stopped && performance.now() - started >= graceMs) {
        stopped = true;
        for (const id of this.running.keys()) this.stop(id);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.worker.terminate();
  }
}

