// The worker-thread side of step 1: receives clean tasks (one input shard each), runs cleanFile on them with its
// own language identifier or, under a memory cap, the shared one (langid-server.ts), also computing the shard's
// dedup keys then, and replies with the shard's statistics. Not here: scheduling, caching and merging
// (clean-pool.ts, pipeline.ts). Loaded by clean-pool.ts as a worker_threads entry; never imported.
import { parentPort, workerData } from "node:worker_threads";
import type { PipelineConfig } from "./config.js";
import { cleanFile } from "./clean.js";
import { writeDocKeys } from "./dedup-spill.js";
import { createLanguageIdentifier, type LanguageIdentifier } from "./langid.js";
import { remoteLanguageIdentifier } from "./langid-server.js";
import type { CleanTask, FromWorker, WorkerInit } from "./clean-pool.js";

const init = workerData as WorkerInit;
const cfg: PipelineConfig = init.cfg;
// The shared identifier when the pool gives one (under a memory cap), else this worker's own, loaded once.
const lid: Promise<LanguageIdentifier | null> = init.langId !== null ? Promise.resolve(remoteLanguageIdentifier(init.langId, cfg.langid)) : cfg.langid.enabled ? createLanguageIdentifier(cfg.langid) : Promise.resolve(null);

parentPort?.on("message", (task: CleanTask) => {
  void (async (): Promise<void> => {
    const send = (m: FromWorker): void => parentPort?.postMessage(m);
    try {
      const stats = await cleanFile(task.file, task.src, task.limit, task.out, cfg, init.baseDir, await lid, (bytes) => send({ kind: "progress", id: task.id, bytes }), task.range);
      if (task.keysOut !== null) await writeDocKeys(task.out, task.keysOut, cfg.dedup);
      send({ kind: "done", id: task.id, stats });
    } catch (e) {
      send({ kind: "error", id: task.id, message: (e as Error).message });
    }
  })();
});
