// The LM guard's thread (started by guard-lm-thread.ts): loads the local model once, then judges each conversation it
// is sent with localLmJudge, in arrival order, and posts the judgement or the error's message back.
import { parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "../engine/backend.js";
import { openInferModel } from "../infer/index.js";
import { localLmJudge, type LmJudge } from "./guard-lm-judge.js";
import type { LmGuardThreadEvent, LmGuardThreadInit, LmGuardThreadRequest } from "./guard-lm-thread.js";

const port = parentPort;
if (port === null) throw new Error("safety/guard-lm-worker.js runs as a worker thread (see guard-lm-thread.ts)");
const init = workerData as LmGuardThreadInit;
const post = (ev: LmGuardThreadEvent): void => port.postMessage(ev);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

let judge: LmJudge | null = null;
try {
  const backend = loadBackend(init.threads === null ? {} : { threads: init.threads });
  judge = localLmJudge(openInferModel(init.model, { backend }), { format: init.format, alternatives: init.alternatives });
  post({ type: "ready", name: judge.name, settings: judge.settings });
} catch (e) {
  post({ type: "failed", message: `LM guard: cannot open the model ${init.model}: ${message(e)}` });
}

// One judgement at a time: each runs to its end before the next message is read, as the server's requests arrive.
let queue: Promise<void> = Promise.resolve();
port.on("message", (req: LmGuardThreadRequest) => {
  queue = queue.then(async () => {
    if (judge === null) return;
    try {
      post({ type: "judged", id: req.id, judgement: await judge.judge(req.turns) });
    } catch (e) {
      post({ type: "error", id: req.id, message: message(e) });
    }
  });
});
