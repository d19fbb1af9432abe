// One language identifier shared by every clean worker: eld's n-gram database costs about 145 MB of RSS per
// thread that loads it (measured 2026-12-05: 58 → 202 MB for one load), so with N workers it is loaded once, in a
// server thread (langid-server-worker.ts), and each worker asks it synchronously through a SharedArrayBuffer slot
// (Atomics.wait / notify), which keeps LanguageIdentifier.detect synchronous. Not here: the detector itself and
// the script fast path (langid.ts, script.ts); the client runs the fast path locally, so only documents that need
// eld cross threads.
//
// Protocol, per client slot: the client writes up to BATCH samples (UTF-16 code units, back to back), their
// lengths and count, sets state REQ, bumps the shared doorbell and waits on its state; the server, woken by the
// doorbell, answers every slot in REQ with the language codes joined by "\n" and sets RESP (or ERR with a
// message). A worker asks once per batch of documents (clean.ts), not once per document: on a loaded machine each
// round trip waits for the server thread to be scheduled. A server that dies sets the control word to DEAD, so
// that a waiting client throws instead of waiting forever.
import { Worker } from "node:worker_threads";
import { scriptLanguage } from "./script.js";
import type { LangIdConfig, LanguageIdentifier } from "./langid.js";

/** eld reads at most this many characters of a sample (langid.ts ELD_WINDOW; eld 2.1 detect()). The client cuts
 *  the same sample langid.ts cuts, so a remote answer equals a local one (langid-server.test.ts checks this). */
export const ELD_WINDOW = 1000;
/** Samples per request at most. */
export const BATCH = 256;
/** Code units reserved for the answer: the codes joined by "\n" (a code is at most 15 units), or an error message
 *  cut to this length. */
const ANSWER_UNITS = 16 * BATCH;

// Control words (Int32Array over LangIdChannel.control).
const DOORBELL = 0;
const SERVER = 1;
export const SERVER_RUNNING = 0;
export const SERVER_STOP = 1;
export const SERVER_DEAD = 2;

// Slot header (Int32Array over the first 16 bytes of a slot).
const STATE = 0;
// Header word 1 is unused (it held a single sample's length before requests were batched).
const ANSWER_LEN = 2;
const COUNT = 3;
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

// Slot layout: header, sample lengths (int32 × BATCH), samples (uint16 × BATCH × ELD_WINDOW), answer.
const LENS_AT = HEADER_BYTES;
const UNITS_AT = LENS_AT + 4 * BATCH;
const ANSWER_AT = UNITS_AT + 2 * BATCH * ELD_WINDOW;
const slotBytes = ANSWER_AT + 2 * ANSWER_UNITS;

interface SlotViews {
  readonly head: Int32Array;
  readonly lens: Int32Array;
  readonly units: Uint16Array;
  readonly answer: Uint16Array;
}

const views = (slot: SharedArrayBuffer): SlotViews => ({
  head: new Int32Array(slot, 0, HEADER_BYTES / 4),
  lens: new Int32Array(slot, LENS_AT, BATCH),
  units: new Uint16Array(slot, UNITS_AT, BATCH * ELD_WINDOW),
  answer: new Uint16Array(slot, ANSWER_AT, ANSWER_UNITS),
});

/** The sample langid.ts hands to its fast path and to eld. */
export function langIdSample(text: string, cfg: LangIdConfig): string {
  const n = Math.min(cfg.sampleChars, ELD_WINDOW);
  return text.length > n ? text.slice(0, n) : text;
}

/** A LanguageIdentifier that answers with the script fast path here and asks the server for the rest, one
 *  request per BATCH samples. */
export function remoteLanguageIdentifier(ch: LangIdChannel, cfg: LangIdConfig): LanguageIdentifier {
  const control = new Int32Array(ch.control);
  const { head, lens, units, answer } = views(ch.slot);
  /** The server's answers for up to BATCH samples. */
  const ask = (samples: readonly string[]): string[] => {
    let at = 0;
    samples.forEach((sample, j) => {
      for (let i = 0; i < sample.length; i++) units[at + i] = sample.charCodeAt(i);
      lens[j] = sample.length;
      at += sample.length;
    });
    Atomics.store(head, COUNT, samples.length);
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
    for (let i = 0; i < n; i += 256) out += String.fromCharCode(...answer.subarray(i, Math.min(n, i + 256)));
    Atomics.store(head, STATE, IDLE);
    if (state === ERR) throw new Error(`language identification: ${out}`);
    return out.split("\n");
  };
  const detectMany = (texts: readonly string[]): string[] => {
    const out = new Array<string>(texts.length);
    const miss: number[] = [];
    texts.forEach((t, i) => {
      const sample = langIdSample(t, cfg);
      const fast = cfg.fastPath ? scriptLanguage(sample) : null;
      if (fast !== null) out[i] = fast;
      else miss.push(i);
    });
    for (let k = 0; k < miss.length; k += BATCH) {
      const idx = miss.slice(k, k + BATCH);
      const got = ask(idx.map((i) => langIdSample(texts[i]!, cfg)));
      idx.forEach((i, j) => (out[i] = got[j]!));
    }
    return out;
  };
  return { detect: (text) => detectMany([text])[0]!, detectMany };
}

/** The server side of one request (run in the server thread): reads the slot's samples, answers them. */
export function answerSlot(slot: SharedArrayBuffer, detect: (sample: string) => string): void {
  const { head, lens, units, answer } = views(slot);
  const count = Atomics.load(head, COUNT);
  let state = RESP;
  let out: string;
  try {
    const codes: string[] = [];
    for (let j = 0, at = 0; j < count; j++) {
      const len = lens[j]!;
      let sample = "";
      for (let i = 0; i < len; i += 256) sample += String.fromCharCode(...units.subarray(at + i, at + Math.min(len, i + 256)));
      at += len;
      codes.push(detect(sample));
    }
    out = codes.join("\n");
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
