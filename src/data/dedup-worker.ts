// The worker-thread side of step 2: finds one band partition's candidate pairs (bandPairs) when asked, and, for the
// second pass, builds the evaluation n-grams once (as it starts, while the
// main thread runs dedup's first pass), then answers each batch of clean lines with workOnLine's results.
// Not here: ordering and the train/val files (dedup-pool.ts, pipeline.ts). Loaded by dedup-pool.ts; never imported.
import { parentPort, workerData } from "node:worker_threads";
import { buildEvalNgrams, type EvalNgrams } from "./userevals.js";
import { workOnLine } from "./dedup-docs.js";
import { bandPairs } from "./dedup-spill.js";
import type { DedupTask, DedupWorkerInit, FromDedupWorker } from "./dedup-pool.js";

const init = workerData as DedupWorkerInit;
let evalSet: EvalNgrams | null = null;
let failed: string | null = null;
try {
  evalSet = init.evals === null ? null : buildEvalNgrams(init.evals.cfg, init.evals.evalDir, init.evals.userEvals);
} catch (e) {
  failed = (e as Error).message; // reported with the first task
}

// Tasks are handled one at a time (the pool sends a worker its next task only after the reply).
parentPort?.on("message", (task: DedupTask) => {
  const send = (m: FromDedupWorker): void => parentPort?.postMessage(m);
  try {
    if (task.kind === "bands") {
      bandPairs(task.bands);
      send({ kind: "done", id: task.id, work: [] });
      return;
    }
    if (failed !== null) throw new Error(failed);
    const work = task.lines.map((l, i) => workOnLine(l, task.keep[i] === 1, evalSet, init.split));
    send({ kind: "done", id: task.id, work });
  } catch (e) {
    send({ kind: "error", id: task.id, message: (e as Error).message });
  }
});
