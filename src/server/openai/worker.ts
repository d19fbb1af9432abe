// The inference worker (a worker_threads thread): it owns the backend and the models and runs one job at a time,
// as the server's queue sends them, posting each generated token and then the result or an OpenAI-shaped error.
// Inference is synchronous native compute; here it never blocks the server's event loop. Cancellation is a shared
// Int32 (the job id to stop) read between tokens, since this thread's message port is not read mid-job.
// Not here: the queue and its fairness (queue.ts), what a job computes (run-job.ts).
import { parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "../../engine/backend.js";
import { ConstraintCache, openInferModel } from "../../infer/index.js";
import { LexicalIndex } from "../../rag/index.js";
import { toApiError } from "./errors.js";
import type { Job, WorkerEvent, WorkerInit } from "./protocol.js";
import { ModelRegistry } from "./registry.js";
import { runJob } from "./run-job.js";

const port = parentPort;
if (port === null) throw new Error("server/openai/worker.js runs as a worker thread (see queue.ts)");
const init = workerData as WorkerInit;
const post = (ev: WorkerEvent): void => port.postMessage(ev);
const backend = loadBackend(init.threads === null ? {} : { threads: init.threads });
const registry = new ModelRegistry(init.models, { maxModels: init.maxModels, maxBytes: init.maxModelBytes, open: (path) => openInferModel(path, { backend }) });
const cancel = new Int32Array(init.cancel);
const constraints = new ConstraintCache();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let rag: LexicalIndex | null = null;
const ragIndex = (): LexicalIndex | null => (init.rag === null ? null : (rag ??= new LexicalIndex(init.rag)));
const afterToken = init.tokenDelayMs > 0 ? (): void => void Atomics.wait(sleeper, 0, 0, init.tokenDelayMs) : undefined;

port.on("message", (job: Job) => {
  void (async () => {
    try {
      const before = registry.state().loaded.join();
      const model = registry.get(job.model);
      const state = registry.state();
      if (state.loaded.join() !== before) post({ type: "models", loaded: state.loaded, bytes: state.bytes });
      const result = await runJob(model, job, {
        emit: post, cancelled: () => Atomics.load(cancel, 0) === job.id, maxTokensCap: init.maxTokens, ragIndex, constraints,
        ...(afterToken === undefined ? {} : { afterToken }),
      });
      post({ type: "done", job: job.id, result });
    } catch (e) {
      post({ type: "error", job: job.id, error: toApiError(e).toData() });
    }
  })();
});
post({ type: "ready" });
