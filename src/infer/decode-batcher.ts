// Continuous batching for concurrent generations on one model: each generation (generate.ts with a `batcher`)
// keeps its own KV cache, sampler, stop handling and hooks, and asks this class for its next logits; requests made
// in the same turn of the event loop are served together — prefills one at a time (each exactly as generate would
// prefill alone), then ONE decodeBatch over every sequence that asked for a decode step — and the results are
// handed back. A sequence that stops asking (finished, cancelled) simply leaves; one that starts asking joins the
// next step. Not here: who may start a generation (a server's admission and fairness), sampling (generate.ts).
import { KotodamaError } from "../util/errors.js";
import { createInferState, decodeBatch, prefill, type InferState } from "./forward.js";
import type { KvCache } from "./kv-cache.js";
import type { InferModel } from "./model.js";

interface Request {
  readonly cache: KvCache;
  readonly ids: readonly number[];
  readonly resolve: (logits: Float32Array) => void;
  readonly reject: (e: unknown) => void;
}

/** The largest batch a DecodeBatcher takes (its state's rows; prefill then chunks prompts as generate does). */
export const MAX_DECODE_BATCH = 128;

export class DecodeBatcher {
  private readonly state: InferState;
  private readonly out: Float32Array;
  private prefills: Request[] = [];
  private decodes: Request[] = [];
  private scheduled = false;
  /** Decode steps run, and sequences decoded over all of them (their ratio: the mean batch size). */
  steps = 0;
  sequences = 0;

  /** `maxBatch`: decode requests served in one decodeBatch at most (more wait for the next step); `onStep` hears
   *  each step's batch size. */
  constructor(readonly model: InferModel, readonly maxBatch: number, private readonly onStep?: (size: number) => void) {
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_DECODE_BATCH) throw new KotodamaError(`DecodeBatcher: maxBatch must be an integer in [1, ${MAX_DECODE_BATCH}], got ${maxBatch}`);
    this.state = createInferState(model.weights, model.backend, MAX_DECODE_BATCH);
    this.out = new Float32Array(maxBatch * model.config.vocabSize);
  }

  /** The logits after the prompt `ids` (a copy, V floats), written into the empty `cache`. */
  prefill(cache: KvCache, ids: readonly number[]): Promise<Float32Array> {
    return this.ask(this.prefills, cache, ids);
  }

  /** The logits after token `id` at position cache.length (a copy, V floats). */
  decode(cache: KvCache, id: number): Promise<Float32Array> {
    return this.ask(this.decodes, cache, [id]);
  }

  private ask(into: Request[], cache: KvCache, ids: readonly number[]): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      into.push({ cache, ids, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One step: the waiting prefills, then one decodeBatch of (at most maxBatch of) the waiting decodes. */
  private flush(): void {
    this.scheduled = false;
    const V = this.model.config.vocabSize;
    const prefills = this.prefills;
    this.prefills = [];
    for (const r of prefills) {
      try {
        r.resolve(prefill(this.state, r.cache, r.ids).slice());
      } catch (e) {
        r.reject(e);
      }
    }
    const batch = this.decodes.splice(0, this.maxBatch);
    if (batch.length > 0) {
      try {
        decodeBatch(this.state, batch.map((r) => r.cache), batch.map((r) => r.ids[0]!), this.out);
        this.steps++;
        this.sequences += batch.length;
        this.onStep?.(batch.length);
        batch.forEach((r, b) => r.resolve(this.out.slice(b * V, (b + 1) * V)));
      } catch (e) {
        for (const r of batch) r.reject(e);
      }
    }
    if (this.decodes.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}
