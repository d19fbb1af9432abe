// The worker-thread side of step 1: receives clean tasks (one input shard each), runs cleanFile on them with the
// shared language identifier (langid-server.ts; under a memory cap, it also computes the shard's dedup keys), and
// replies with the shard's statistics. Not here: scheduling, caching and merging
// (clean-pool.ts, pipeline.ts). Loaded by clean-pool.ts as a worker_threads entry; never imported.
import { parentPort, workerData } from "node:worker_threads";
import type { PipelineConfig } from "./config.js";
import { cleanFile } from "./clean.js";
import { writeDocKeys } from "./dedup-spill.js";
import type { LanguageIdentifier } from "./langid.js";
import { remoteLanguageIdentifier } from "./langid-server.js";
import type { CleanTask, FromWorker, WorkerInit } from "./clean-pool.js";

const init = workerData as WorkerInit;
const cfg: PipelineConfig = init.cfg;
const lid: LanguageIdentifier | null = init.langId === null ? null : remoteLanguageIdentifier(init.langId, cfg.langid);

parentPort?.on("message", (task: CleanTask) => {
  void (async (): Promise<void> => {
    const send = (m: FromWorker): void => parentPort?.postMessage(m);
    try {
      const stats = await cleanFile(task.file, task.src, task.limit, task.out, cfg, init.baseDir, lid, (bytes) => send({ kind: "progress", id: task.id, bytes }), task.range);
      if (task.keysOut !== null) await writeDocKeys(task.out, task.keysOut, cfg.dedup);
      send({ kind: "done", id: task.id, stats });
    } catch (e) {
      send({ kind: "error", id: task.id, message: (e as Error).message });
    }
  })();
});
