// Worker threads for step 3 (shards): batches of documents go out in order, each worker runs workOnDoc on them
// (held-out check, then encode, with its own tokenizer loaded from the file and its own held-out n-gram set
// built from the validation file), and the results come back in the order the batches went out, so the shard
// writer sees exactly the main thread's sequence. Not here: the per-document work (shard-docs.ts), the shards and
// the manifest (pipeline.ts).
import { Worker } from "node:worker_threads";
import type { DocWork } from "./shard-docs.js";

export interface ShardWorkerInit {
  /** The tokenizer file (loadTokenizer); null: no tokenization. */
  readonly tokenizerPath: string | null;
  /** The validation split's clean JSONL, to build the held-out n-gram set from; null: no held-out check. */
  readonly valFile: string | null;
  readonly ngram: number;
  readonly minFraction: number;
}

export interface ShardTask {
  readonly id: number;
  readonly split: "train" | "val";
  readonly texts: readonly string[];
}

export type FromShardWorker = { readonly kind: "done"; readonly id: number; readonly work: DocWork[] } | { readonly kind: "error"; readonly id: number; readonly message: string };

interface Pending {
  readonly task: ShardTask;
  readonly resolve: (w: DocWork[]) => void;
  readonly reject: (e: Error) => void;
}

/** Documents per batch, and text per batch (UTF-16 units): small enough to keep the workers fed and memory low. */
const BATCH_DOCS = 256;
const BATCH_CHARS = 1 << 20;

export class ShardPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failed: Error | null = null;

  constructor(readonly size: number, init: ShardWorkerInit) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL("./shard-worker.js", import.meta.url), { workerData: init });
      w.on("message", (m: FromShardWorker) => this.onMessage(w, m));
      w.on("error", (e) => this.onFailure(w, e));
      w.on("exit", (code) => {
        if (this.running.has(w)) this.onFailure(w, new Error(`shard worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** The documents of one split with their work, in input order; at most 2 × size batches in flight. */
  async *map<D extends { readonly text: string }>(docs: AsyncIterable<D>, split: "train" | "val"): AsyncGenerator<[D, DocWork]> {
    const inFlight: { docs: D[]; work: Promise<DocWork[]> }[] = [];
    let batch: D[] = [];
    let chars = 0;
    const submit = (): void => {
      const work = this.run(split, batch.map((d) => d.text));
      work.catch(() => undefined); // awaited in order below; this only silences an early rejection
      inFlight.push({ docs: batch, work });
      batch = [];
      chars = 0;
    };
    for await (const d of docs) {
      batch.push(d);
      chars += d.text.length;
      if (batch.length >= BATCH_DOCS || chars >= BATCH_CHARS) submit();
      while (inFlight.length > 2 * this.size) {
        const b = inFlight.shift()!;
        const w = await b.work;
        for (let i = 0; i < b.docs.length; i++) yield [b.docs[i]!, w[i]!];
      }
    }
    if (batch.length > 0) submit();
    while (inFlight.length > 0) {
      const b = inFlight.shift()!;
      const w = await b.work;
      for (let i = 0; i < b.docs.length; i++) yield [b.docs[i]!, w[i]!];
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private run(split: "train" | "val", texts: string[]): Promise<DocWork[]> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, split, texts }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage(p.task);
    }
  }

  private onMessage(w: Worker, m: FromShardWorker): void {
    const p = this.running.get(w);
    if (p === undefined || p.task.id !== m.id) return;
    this.running.delete(w);
    this.idle.push(w);
    if (m.kind === "done") p.resolve(m.work);
    else p.reject(new Error(`shard worker: ${m.message}`));
    this.pump();
  }

  private onFailure(w: Worker, e: Error): void {
    this.failed = new Error(`shard worker failed: ${e.message}`);
    const p = this.running.get(w);
    this.running.delete(w);
    p?.reject(this.failed);
    for (const q of this.queue.splice(0)) q.reject(this.failed);
  }
}
