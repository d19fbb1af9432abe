// Worker threads for step 3 (shards): batches of documents go out in order, each worker runs workOnDoc on them
// (held-out check, then encode, with its own tokenizer loaded from the file and the held-out n-grams shared with
// every worker: heldout-set.ts), and the results come back in the order the batches went out, so the shard
// writer sees exactly the main thread's sequence. Not here: the per-document work (shard-docs.ts), the shards and
// the manifest (pipeline.ts).
import { WorkerPool, type WorkerReply } from "./worker-pool.js";
import type { DocWork } from "./shard-docs.js";
import type { HeldOutShared } from "./heldout-set.js";
import { SHARD_WORKER_HEAP } from "./memory-budget.js";

export interface ShardWorkerInit {
  /** The tokenizer file (loadTokenizer); null: no tokenization. */
  readonly tokenizerPath: string | null;
  /** The held-out n-grams (one copy, shared); null: no held-out check here. */
  readonly held: HeldOutShared | null;
  readonly minFraction: number;
}

export interface ShardTask {
  readonly id: number;
  readonly split: "train" | "val";
  readonly texts: readonly string[];
}

export type FromShardWorker = WorkerReply<{ readonly work: DocWork[] }>;

/** Documents per batch, and text per batch (UTF-16 units): small enough to keep the workers fed and memory low. */
const BATCH_DOCS = 256;
const BATCH_CHARS = 1 << 20;

export class ShardPool {
  private readonly pool: WorkerPool<Omit<ShardTask, "id">, { readonly work: DocWork[] }>;

  constructor(readonly size: number, init: ShardWorkerInit) {
    this.pool = new WorkerPool(size, new URL("./shard-worker.js", import.meta.url), () => init, "shard worker", () => "", SHARD_WORKER_HEAP);
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

  close(): Promise<void> {
    return this.pool.close();
  }

  private async run(split: "train" | "val", texts: string[]): Promise<DocWork[]> {
    return (await this.pool.run({ split, texts })).work;
  }
}
