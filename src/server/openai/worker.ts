// The inference worker (a worker_threads thread): it owns the backend and the models and runs one job at a time,
// as the server's queue sends them, posting each generated token and then the result or an OpenAI-shaped error.
// Inference is synchronous native compute; here it never blocks the server's event loop. Cancellation is a shared
// Int32 (the job id to stop) read between tokens, since this thread's message port is not read mid-job.
// Not here: the queue and its fairness (queue.ts), what a job computes (run-job.ts).
import { parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "../../engine/backend.js";
import { openCefr, type OpenCefr } from "../../eval/cefr/model.js";
import { ConstraintCache, openInferModel } from "../../infer/index.js";
import { LexicalIndex } from "../../rag/index.js";
import { toApiError } from "./errors.js";
import type { Job, WorkerEvent, WorkerInit } from "./protocol.js";
import { runCefrJob } from "./cefr-job.js";
import { ApiError } from "./errors.js";
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
// The CEFR classifier (serve --cefr), opened on the first /v1/cefr job; a failure is logged in full, the client hears
// only that it could not be loaded (as registry.ts does for models).
let cefr: OpenCefr | null = null;
function cefrModel(name: string): OpenCefr {
  if (init.cefr === null || init.cefr.name !== name) throw new ApiError(404, `this server has no CEFR model '${name}'`, "model", "model_not_found");
  try {
    return (cefr ??= openCefr(init.cefr.path, backend));
  } catch (e) {
    process.stderr.write(`CEFR model '${name}' (${init.cefr.path}) failed to load: ${e instanceof Error ? e.message : String(e)}\n`);
    throw new ApiError(500, `The CEFR model '${name}' could not be loaded (see the server's terminal)`, "model", "model_load_failed");
  }
}
const afterToken = init.tokenDelayMs > 0 ? (): void => void Atomics.wait(sleeper, 0, 0, init.tokenDelayMs) : undefined;

port.on("message", (job: Job) => {
  void (async () => {
    try {
      if (job.kind === "cefr") {
        post({ type: "done", job: job.id, result: runCefrJob(cefrModel(job.model), job) });
        return;
      }
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
