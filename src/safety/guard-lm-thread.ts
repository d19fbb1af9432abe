// A local LM guard's judge on its own thread (worker_threads): the model loads and runs in guard-lm-worker.ts, and
// `judge` posts the conversation there and awaits the judgement, so a server's event loop keeps answering other
// requests while the guard model reads a prompt (a Llama Guard 3 1B forward pass is about a second on a laptop CPU).
// The judgement is the in-process judge's exactly: the worker runs localLmJudge. Not here: the judge itself
// (guard-lm-judge.ts), opening a guard directory (guard-lm-model.ts).
import { Worker } from "node:worker_threads";
import { KotodamaError } from "../util/errors.js";
import type { ChatTurn } from "../infer/responder.js";
import type { LmJudge, LmJudgement } from "./guard-lm-judge.js";
import type { LmGuardFormat } from "./guard-lm.js";

/** What the worker is started with. */
export interface LmGuardThreadInit {
  readonly model: string;
  readonly format: LmGuardFormat;
  readonly alternatives: number | "all";
  /** Kernel threads of the guard's backend (null: all cores). */
  readonly threads: number | null;
}

/** Messages from the worker: loaded (with the judge's name and settings) or not; a judgement or an error per request. */
export type LmGuardThreadEvent =
  | { readonly type: "ready"; readonly name: string; readonly settings: Readonly<Record<string, unknown>> }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "judged"; readonly id: number; readonly judgement: LmJudgement }
  | { readonly type: "error"; readonly id: number; readonly message: string };

/** A request to the worker. */
export interface LmGuardThreadRequest {
  readonly id: number;
  readonly turns: readonly ChatTurn[];
}

export interface ThreadLmJudge extends LmJudge {
  /** Resolves once the model is loaded; rejects with the load error (a missing file, an unknown family). */
  ready(): Promise<void>;
  /** Stops the thread; pending judgements reject. */
  close(): Promise<void>;
}

/** Starts the worker for a local model. The thread keeps the process alive only while it loads or judges. */
export function threadLmJudge(init: LmGuardThreadInit): ThreadLmJudge {
  const worker = new Worker(new URL("./guard-lm-worker.js", import.meta.url), { workerData: init satisfies LmGuardThreadInit });
  const pending = new Map<number, { resolve: (j: LmJudgement) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let name = `kotodama model ${init.model}`;
  let settings: Readonly<Record<string, unknown>> = { model: init.model, format: init.format, alternatives: init.alternatives };
  let dead: Error | null = null;
  const fail = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (ev: LmGuardThreadEvent) => {
      if (ev.type === "ready") {
        name = ev.name;
        settings = ev.settings;
        resolve();
      } else if (ev.type === "failed") {
        const e = new KotodamaError(ev.message);
        reject(e);
        fail(e);
        void worker.terminate(); // nothing to judge with
      } else {
        const p = pending.get(ev.id);
        if (p === undefined) return;
        pending.delete(ev.id);
        if (ev.type === "judged") p.resolve(ev.judgement);
        else p.reject(new KotodamaError(ev.message));
        idle();
      }
    });
    worker.on("error", (e) => {
      const err = new KotodamaError(`LM guard (${init.model}): its thread stopped: ${e.message}`);
      reject(err);
      fail(err);
    });
    worker.on("exit", () => {
      const err = new KotodamaError(`LM guard (${init.model}): its thread has stopped`);
      reject(err); // (no effect once loaded)
      fail(err);
    });
  });
  ready.catch(() => {});
  // The thread keeps the process alive only while something waits on it (loading, or a judgement): an idle guard must
  // not hold a finished command open. (Set after the listeners: attaching a 'message' listener refs the thread.)
  const idle = (): void => {
    if (pending.size === 0) worker.unref();
  };
  ready.then(idle, idle);
  return {
    get name() {
      return name;
    },
    get settings() {
      return settings;
    },
    ready: () => ready,
    async judge(turns) {
      await ready;
      if (dead !== null) throw dead;
      const id = nextId++;
      return new Promise<LmJudgement>((resolve, reject) => {
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, turns } satisfies LmGuardThreadRequest);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
