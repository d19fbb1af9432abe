// The inference worker (a worker_threads thread): it owns the backend and the models and runs the jobs the server's
// queue sends, posting each generated token and then the result or an OpenAI-shaped error. With --max-batch N > 1
// generations run side by side: every sequence (a job's choice) holds one of N batch places (slots.ts, FIFO) and
// the model's DecodeBatcher decodes all of them in one batched step, yielding to this thread's event loop between
// steps, where new jobs are admitted, cancellations arrive (a "cancel" command, read between tokens) and other jobs
// (embeddings, explorer, CEFR) run. With N = 1 a job generates alone, as before.
// Inference is synchronous native compute; here it never blocks the server's event loop.
// Not here: the queue and its fairness (queue.ts), what a job computes (run-job.ts), batching (infer/decode-batcher.ts).
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "../../engine/backend.js";
import { openCefr, type OpenCefr } from "../../eval/cefr/model.js";
import { readLexicon } from "../../eval/cefr/lexicon.js";
import type { CefrTools } from "./explorer-jobs.js";
import { ConstraintCache, DecodeBatcher, openInferModel, type InferModel } from "../../infer/index.js";
import { LexicalIndex } from "../../rag/index.js";
import { toApiError } from "./errors.js";
import type { WorkerCommand, WorkerEvent, WorkerInit } from "./protocol.js";
import { runCefrJob } from "./cefr-job.js";
import { ApiError } from "./errors.js";
import { ModelRegistry } from "./registry.js";
import { runJob, type JobContext } from "./run-job.js";
import { Slots } from "./slots.js";

const port = parentPort;
if (port === null) throw new Error("server/openai/worker.js runs as a worker thread (see queue.ts)");
const init = workerData as WorkerInit;
const post = (ev: WorkerEvent): void => port.postMessage(ev);
const backend = loadBackend(init.threads === null ? {} : { threads: init.threads });
const registry = new ModelRegistry(init.models, { maxModels: init.maxModels, maxBytes: init.maxModelBytes, open: (path) => openInferModel(path, { backend }) });
const cancel = new Int32Array(init.cancel);
const active = new Set<number>(), cancelled = new Set<number>();
// Continuous batching (max batch > 1): one batcher per loaded model, the batch places shared by all models.
const batchers = new WeakMap<InferModel, DecodeBatcher>();
const batching: JobContext["batching"] = init.maxBatch <= 1 ? undefined : {
  slots: new Slots(init.maxBatch),
  batcher: (model) => {
    let b = batchers.get(model);
    if (b === undefined) batchers.set(model, (b = new DecodeBatcher(model, init.maxBatch, (size) => post({ type: "step", size }))));
    return b;
  },
};
// A server meets the same response_format again and again: each new grammar's reachable masks are precomputed when it
// is first compiled (up to 1 s of this thread, once per grammar), so later requests meet no cold state; 16 grammars
// kept (at 151k tokens a fully precomputed JSON schema holds ~20 MB of masks).
const constraints = new ConstraintCache(16, 1000);
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
// The Simplify page's CEFR tools: the same classifier and its lexicon.json, opened on first use.
let tools: CefrTools | null = null;
const cefrTools = (): CefrTools | null => (init.cefr === null ? null : (tools ??= { model: cefrModel(init.cefr.name), lexicon: readLexicon(join(init.cefr.path, "lexicon.json")) }));
const afterToken = init.tokenDelayMs > 0 ? (): void => void Atomics.wait(sleeper, 0, 0, init.tokenDelayMs) : undefined;

port.on("message", (cmd: WorkerCommand) => {
  if (cmd.type === "cancel") {
    if (active.has(cmd.job)) cancelled.add(cmd.job);
    return;
  }
  const job = cmd.job;
  active.add(job.id);
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
        emit: post, cancelled: () => cancelled.has(job.id) || Atomics.load(cancel, 0) === job.id, maxTokensCap: init.maxTokens, ragIndex, cefrTools, constraints,
        ...(afterToken === undefined ? {} : { afterToken }), ...(batching === undefined ? {} : { batching }),
      });
      post({ type: "done", job: job.id, result });
    } catch (e) {
      post({ type: "error", job: job.id, error: toApiError(e).toData() });
    } finally {
      active.delete(job.id);
      cancelled.delete(job.id);
    }
  })();
});
post({ type: "ready" });
