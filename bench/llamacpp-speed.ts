// llama.cpp's decode and prompt speed on a GGUF file, measured through node-llama-cpp's low-level binding (the
// AddonContext that its LlamaContext drives: initBatch, addToBatch, decodeBatch), as llama-bench measures tg and
// pp: fixed token ids, no sampling, logits computed for the last token of each batch. Not here: loading
// llama.cpp (tests/support/llamacpp.ts), kotodama's side and the overhead figure (bench/decode.ts).
import type { Llama, LlamaContext } from "node-llama-cpp";
import { openLlamaCppModel, type LlamaCppModel } from "../tests/support/llamacpp.js";

/** The slice of node-llama-cpp's AddonContext (dist/bindings/AddonTypes.d.ts) this loop calls. */
interface AddonContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  disposeSequence(sequenceId: number): void;
  getThreads(): number;
}

function isAddonContext(x: unknown): x is AddonContext {
  if (typeof x !== "object" || x === null) return false;
  return ["initBatch", "addToBatch", "decodeBatch", "disposeSequence", "getThreads"].every((k) => typeof Reflect.get(x, k) === "function");
}

/** The binding object behind a LlamaContext. Why reach inside: the public `sequence.evaluate()` loop adds
 *  ~0.5 ms of JavaScript per token (generators, token predictors, batching queue) and tops out near 1.5k
 *  tokens/s on stories260K, which would measure node-llama-cpp rather than llama.cpp. `_ctx` is marked
 *  @internal in node-llama-cpp 3.22 (LlamaContext.js); checked at run time so that a rename fails loudly. */
function addonContextOf(ctx: LlamaContext): AddonContext {
  const inner: unknown = Reflect.get(ctx, "_ctx");
  if (!isAddonContext(inner)) throw new Error("node-llama-cpp's LlamaContext has no _ctx AddonContext with initBatch/addToBatch/decodeBatch (internals changed?)");
  return inner;
}

/** One GGUF file opened in llama.cpp for speed runs, on one context of `threads` threads. */
export interface LlamaCppSpeed {
  readonly model: LlamaCppModel;
  readonly threads: number;
  /** Milliseconds to decode `ids` one token per llama_decode call from an empty sequence (tg). */
  decode(ids: readonly number[]): Promise<number>;
  /** Milliseconds to process `ids` as one batch from an empty sequence (pp). */
  prompt(ids: readonly number[]): Promise<number>;
  dispose(): Promise<void>;
}

const SEQ = 0;

export async function openLlamaCppSpeed(llama: Llama, path: string, threads: number, maxTokens: number): Promise<LlamaCppSpeed> {
  const model = await openLlamaCppModel(llama, path, { threads });
  // The context and batch hold a whole prompt; one sequence, as llama-bench.
  const contextSize = Math.max(256, maxTokens + 1);
  const ctx = await model.model.createContext({ contextSize, batchSize: contextSize, threads, sequences: 1 });
  const addon = addonContextOf(ctx);
  const one = new Uint32Array(1);
  const noLogits = new Uint32Array(0);
  const lastLogit = Uint32Array.of(0);
  return {
    model,
    threads: addon.getThreads(),
    async decode(ids) {
      addon.disposeSequence(SEQ); // empty the KV cache of the sequence
      const t0 = performance.now();
      for (let i = 0; i < ids.length; i++) {
        addon.initBatch(1);
        one[0] = ids[i]!;
        addon.addToBatch(SEQ, i, one, lastLogit);
        await addon.decodeBatch();
      }
      return performance.now() - t0;
    },
    async prompt(ids) {
      addon.disposeSequence(SEQ);
      const t0 = performance.now();
      addon.initBatch(ids.length);
      addon.addToBatch(SEQ, 0, Uint32Array.from(ids), ids.length > 0 ? Uint32Array.of(ids.length - 1) : noLogits);
      await addon.decodeBatch();
      return performance.now() - t0;
    },
    async dispose() {
      await ctx.dispose();
      await model.dispose();
    },
  };
}
