// Worker threads for step 2: the band partitions' pair finding (dedup-spill.ts bandPairs, one partition a task),
// then the second pass: batches of clean lines (with dedup's verdicts, decided in order on the
// main thread) go out in order, each worker parses them and runs the evaluation-set check and the split on the
// kept ones (dedup-docs.ts, with its own evaluation n-grams built as it starts), and the results come back in the
// order the batches went out, so the train/val files get exactly the main thread's sequence. Not here: the
// verdicts (dedup-spill.ts), the files and the report (pipeline.ts).
import { WorkerPool, type WorkerReply } from "./worker-pool.js";
import type { DecontaminateConfig } from "./decontaminate.js";
import type { SplitConfig } from "./split.js";
import type { DedupDocWork } from "./dedup-docs.js";
import type { BandTask } from "./dedup-spill.js";
import { DEDUP_WORKER_HEAP } from "./memory-budget.js";

export interface DedupWorkerInit {
  /** Evaluation decontamination: what buildEvalNgrams needs; null: off. */
  readonly evals: { readonly cfg: DecontaminateConfig; readonly evalDir: string | null; readonly userEvals: readonly { readonly path: string; readonly shown: string }[] } | null;
  readonly split: SplitConfig;
}

/** A batch of lines with their verdicts (1: dedup kept the document), or one band partition's pair finding. */
export type DedupTask = { readonly id: number } & ({ readonly kind: "lines"; readonly lines: readonly string[]; readonly keep: Uint8Array } | { readonly kind: "bands"; readonly bands: BandTask });

export type FromDedupWorker = WorkerReply<{ readonly work: DedupDocWork[] }>;

/** A batch: the lines and their verdicts (the caller's, carried through to the consumer). */
export interface LineBatch<V> {
  readonly lines: string[];
  readonly verdicts: V[];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class DedupPool {
  private readonly pool: WorkerPool<DistributiveOmit<DedupTask, "id">, { readonly work: DedupDocWork[] }>;

  constructor(readonly size: number, init: DedupWorkerInit) {
    this.pool = new WorkerPool(size, new URL("./dedup-worker.js", import.meta.url), () => init, "dedup worker", () => "", DEDUP_WORKER_HEAP);
  }

  /** Each batch with its work, in input order; at most 2 × size batches in flight. */
  async *map<V extends { readonly keep: boolean }>(batches: AsyncIterable<LineBatch<V>>): AsyncGenerator<[LineBatch<V>, DedupDocWork[]]> {
    const inFlight: { b: LineBatch<V>; work: Promise<DedupDocWork[]> }[] = [];
    for await (const b of batches) {
      const work = this.pool.run({ kind: "lines", lines: b.lines, keep: Uint8Array.from(b.verdicts, (v) => (v.keep ? 1 : 0)) }).then((r) => r.work);
      work.catch(() => undefined); // awaited in order below; this only silences an early rejection
      inFlight.push({ b, work });
      while (inFlight.length > 2 * this.size) {
        const f = inFlight.shift()!;
        yield [f.b, await f.work];
      }
    }
    while (inFlight.length > 0) {
      const f = inFlight.shift()!;
      yield [f.b, await f.work];
    }
  }

  /** One band partition's pairs (dedup-spill.ts bandPairs) on the next idle worker. */
  async bands(t: BandTask): Promise<void> {
    await this.pool.run({ kind: "bands", bands: t });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
