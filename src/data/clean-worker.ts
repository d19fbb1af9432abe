// The worker-thread side of step 1: receives clean tasks (one input shard each), runs cleanFile on them with its
// own language identifier (and, under a memory cap, computes the shard's dedup keys; with evaluation sets, the
// documents' evaluation-set tags, eval-tags.ts), and replies with the shard's statistics. Not here: scheduling, caching and merging
// (clean-pool.ts, pipeline.ts). Loaded by clean-pool.ts as a worker_threads entry; never imported.
import { parentPort, workerData } from "node:worker_threads";
import type { PipelineConfig } from "./config.js";
import { cleanFile } from "./clean.js";
import { writeDocKeys } from "./dedup-spill.js";
import { createLanguageIdentifier, type LanguageIdentifier } from "./langid.js";
import { writeEvalTags } from "./eval-tags.js";
import { buildEvalNgrams, type EvalNgrams } from "./userevals.js";
import type { CleanTask, FromWorker, WorkerInit } from "./clean-pool.js";

const init = workerData as WorkerInit;
const cfg: PipelineConfig = init.cfg;
let langId: Promise<LanguageIdentifier | null> | null = null;
let evals: EvalNgrams | null | undefined; // built on the first task that asks for evaluation tags

parentPort?.on("message", (task: CleanTask) => {
  void (async (): Promise<void> => {
    const send = (m: FromWorker): void => parentPort?.postMessage(m);
    try {
      langId ??= cfg.langid.enabled ? createLanguageIdentifier(cfg.langid) : Promise.resolve(null);
      const lid = await langId;
      const stats = await cleanFile(task.file, task.src, task.limit, task.out, cfg, init.baseDir, lid, (bytes) => send({ kind: "progress", id: task.id, bytes }), task.range);
      if (task.keysOut !== null) await writeDocKeys(task.out, task.keysOut, cfg.dedup);
      if (task.evalOut !== null) {
        if (evals === undefined) evals = init.evals === null ? null : buildEvalNgrams(cfg.decontaminate, init.evals.evalDir, init.evals.userEvals);
        if (evals === null) throw new Error("evaluation tags asked for without evaluation sets");
        await writeEvalTags(task.out, task.evalOut, evals);
      }
      send({ kind: "done", id: task.id, stats });
    } catch (e) {
      send({ kind: "error", id: task.id, message: (e as Error).message });
    }
  })();
});
