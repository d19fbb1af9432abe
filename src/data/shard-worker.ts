// The worker-thread side of step 3: loads the tokenizer from its file (once, on the first batch) and reads the
// held-out n-grams from the buffers the main thread shares (heldout-set.ts), then answers each batch of documents with workOnDoc's results.
// Not here: ordering and the shard files (shard-pool.ts, pipeline.ts). Loaded by shard-pool.ts; never imported.
import { parentPort, workerData } from "node:worker_threads";
import { loadTokenizer } from "../tokenizer/load.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { HeldOutSet } from "./heldout-set.js";
import { workOnDoc } from "./shard-docs.js";
import type { FromShardWorker, ShardTask, ShardWorkerInit } from "./shard-pool.js";

const init = workerData as ShardWorkerInit;
let ready: Promise<{ tok: Tokenizer | null; held: HeldOutSet | null }> | null = null;

function setUp(): Promise<{ tok: Tokenizer | null; held: HeldOutSet | null }> {
  const tok = init.tokenizerPath === null ? null : loadTokenizer(init.tokenizerPath);
  return Promise.resolve({ tok, held: init.held === null ? null : new HeldOutSet(init.held) });
}

// Tasks are handled one at a time (the pool sends a worker its next task only after the reply).
parentPort?.on("message", (task: ShardTask) => {
  void (async (): Promise<void> => {
    const send = (m: FromShardWorker, transfer: ArrayBuffer[] = []): void => parentPort?.postMessage(m, transfer);
    try {
      ready ??= setUp();
      const { tok, held } = await ready;
      const work = task.texts.map((t) => workOnDoc(t, task.split, held, init.minFraction, tok));
      send({ kind: "done", id: task.id, work }, work.flatMap((w) => (w.ids === null ? [] : [w.ids.buffer as ArrayBuffer])));
    } catch (e) {
      send({ kind: "error", id: task.id, message: (e as Error).message });
    }
  })();
});
