// One language identifier shared by every clean worker: eld's n-gram database costs about 145 MB of RSS per
// thread that loads it (measured 2026-12-05: 58 → 202 MB for one load), so with N workers it is loaded once, in a
// server thread (langid-server-worker.ts), and each worker asks it synchronously through a SharedArrayBuffer slot
// (Atomics.wait / notify), which keeps LanguageIdentifier.detect synchronous. Not here: the detector itself and
// the script fast path (langid.ts, script.ts); the client runs the fast path locally, so only documents that need
// eld cross threads.
//
// Protocol, per client slot: the client writes the sample (UTF-16 code units) and its length, sets state REQ,
// bumps the shared doorbell and waits on its state; the server, woken by the doorbell, answers every slot in REQ
// with the language code and sets RESP (or ERR with a message). A server that dies sets the control word to
// DEAD, so that a waiting client throws instead of waiting forever.
import { Worker } from "node:worker_threads";
import { scriptLanguage } from "./script.js";
import type { LangIdConfig, LanguageIdentifier } from "./langid.js";

/** eld reads at most this many characters of a sample (langid.ts ELD_WINDOW; eld 2.1 detect()). The client cuts
 *  the same sample langid.ts cuts, so a remote answer equals a local one (langid-server.test.ts checks this). */
export const ELD_WINDOW = 1000;
/** Code units reserved for the answer (a language code, or an error message cut to this length). */
const ANSWER_UNITS = 256;

// Control words (Int32Array over LangIdChannel.control).
const DOORBELL = 0;
const SERVER = 1;
export const SERVER_RUNNING = 0;
export const SERVER_STOP = 1;
export const SERVER_DEAD = 2;

// Slot header (Int32Array over the first 16 bytes of a slot).
const STATE = 0;
const LEN = 1;
const ANSWER_LEN = 2;
export const IDLE = 0;
export const REQ = 1;
export const RESP = 2;
export const ERR = 3;
const HEADER_BYTES = 16;

/** What one client needs: the shared control words and its own slot. Structured-clonable (workerData). */
export interface LangIdChannel {
  readonly control: SharedArrayBuffer;
  readonly slot: SharedArrayBuffer;
}

/** What the server thread gets. */
export interface LangIdServerInit {
  readonly cfg: LangIdConfig;
  readonly control: SharedArrayBuffer;
  readonly slots: readonly SharedArrayBuffer[];
}

const slotBytes = HEADER_BYTES + 2 * (ELD_WINDOW + ANSWER_UNITS);

/** The sample langid.ts hands to its fast path and to eld. */
export function langIdSample(text: string, cfg: LangIdConfig): string {
  const n = Math.min(cfg.sampleChars, ELD_WINDOW);
  return text.length > n ? text.slice(0, n) : text;
}

/** A LanguageIdentifier that answers with the script fast path here and asks the server for the rest. */
export function remoteLanguageIdentifier(ch: LangIdChannel, cfg: LangIdConfig): LanguageIdentifier {
  const control = new Int32Array(ch.control);
  const head = new Int32Array(ch.slot, 0, HEADER_BYTES / 4);
  const units = new Uint16Array(ch.slot, HEADER_BYTES, ELD_WINDOW);
  const answer = new Uint16Array(ch.slot, HEADER_BYTES + 2 * ELD_WINDOW, ANSWER_UNITS);
  return {
    detect(text: string): string {
      const sample = langIdSample(text, cfg);
      const fast = cfg.fastPath ? scriptLanguage(sample) : null;
      if (fast !== null) return fast;
      for (let i = 0; i < sample.length; i++) units[i] = sample.charCodeAt(i);
      Atomics.store(head, LEN, sample.length);
      Atomics.store(head, STATE, REQ);
      Atomics.add(control, DOORBELL, 1);
      Atomics.notify(control, DOORBELL);
      while (Atomics.load(head, STATE) === REQ) {
        if (Atomics.load(control, SERVER) !== SERVER_RUNNING) throw new Error("the language identification thread stopped");
        Atomics.wait(head, STATE, REQ, 1000);
      }
      const state = Atomics.load(head, STATE);
      const n = Atomics.load(head, ANSWER_LEN);
      let out = "";
      for (let i = 0; i < n; i++) out += String.fromCharCode(answer[i]!);
      Atomics.store(head, STATE, IDLE);
      if (state === ERR) throw new Error(`language identification: ${out}`);
      return out;
    },
  };
}

/** The server side of one request (run in the server thread): reads the slot, answers it. */
export function answerSlot(slot: SharedArrayBuffer, detect: (sample: string) => string): void {
  const head = new Int32Array(slot, 0, HEADER_BYTES / 4);
  const units = new Uint16Array(slot, HEADER_BYTES, ELD_WINDOW);
  const answer = new Uint16Array(slot, HEADER_BYTES + 2 * ELD_WINDOW, ANSWER_UNITS);
  const len = Atomics.load(head, LEN);
  let sample = "";
  for (let i = 0; i < len; i += 256) sample += String.fromCharCode(...units.subarray(i, Math.min(len, i + 256)));
  let state = RESP;
  let out: string;
  try {
    out = detect(sample);
  } catch (e) {
    state = ERR;
    out = (e as Error).message;
  }
  out = out.slice(0, ANSWER_UNITS);
  for (let i = 0; i < out.length; i++) answer[i] = out.charCodeAt(i);
  Atomics.store(head, ANSWER_LEN, out.length);
  Atomics.store(head, STATE, state);
  Atomics.notify(head, STATE);
}

/** The server's loop: answers requests until told to stop (blocks its thread; run only in langid-server-worker). */
export function serve(init: LangIdServerInit, detect: (sample: string) => string): void {
  const control = new Int32Array(init.control);
  const heads = init.slots.map((s) => new Int32Array(s, 0, HEADER_BYTES / 4));
  for (;;) {
    const rang = Atomics.load(control, DOORBELL);
    if (Atomics.load(control, SERVER) !== SERVER_RUNNING) return;
    let answered = false;
    for (let i = 0; i < heads.length; i++) {
      if (Atomics.load(heads[i]!, STATE) !== REQ) continue;
      answerSlot(init.slots[i]!, detect);
      answered = true;
    }
    // A request made after the scan has bumped the doorbell, so this wait returns at once ("not-equal").
    if (!answered) Atomics.wait(control, DOORBELL, rang);
  }
}

/** Starts the server thread with `clients` slots; channel(i) is what client i needs. */
export class LangIdServer {
  private readonly control = new SharedArrayBuffer(8);
  private readonly slots: SharedArrayBuffer[];
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(clients: number, cfg: LangIdConfig) {
    this.slots = Array.from({ length: clients }, () => new SharedArrayBuffer(slotBytes));
    const init: LangIdServerInit = { cfg, control: this.control, slots: this.slots };
    this.worker = new Worker(new URL("./langid-server-worker.js", import.meta.url), { workerData: init });
    this.exited = new Promise((resolve) => {
      const dead = (): void => {
        const c = new Int32Array(this.control);
        if (Atomics.load(c, SERVER) === SERVER_RUNNING) Atomics.store(c, SERVER, SERVER_DEAD);
        for (const s of this.slots) Atomics.notify(new Int32Array(s, 0, HEADER_BYTES / 4), STATE);
        resolve();
      };
      this.worker.on("error", dead);
      this.worker.on("exit", dead);
    });
  }

  channel(i: number): LangIdChannel {
    const slot = this.slots[i];
    if (slot === undefined) throw new RangeError(`langid server: no slot ${i} (it has ${this.slots.length})`);
    return { control: this.control, slot };
  }

  /** Stops the server thread and waits for it to end. */
  async close(): Promise<void> {
    const c = new Int32Array(this.control);
    Atomics.compareExchange(c, SERVER, SERVER_RUNNING, SERVER_STOP);
    Atomics.add(c, DOORBELL, 1);
    Atomics.notify(c, DOORBELL);
    const t = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(t);
  }
}
