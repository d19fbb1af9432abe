// Helpers for tests of CLI commands: a tiny pretrained kotodama run directory (a BPE trained on the given text, one
// step of a 1-layer model) to tune or evaluate. Not here: capturing output (capture.ts), assertions.
import { hfTokenizerJson, trainBpe, type Tokenizer } from "../../src/tokenizer/index.js";
import { resolveRunConfig, train } from "../../src/train/index.js";
import type { Backend } from "../../src/engine/ops.js";

/** A kotodama run directory at `outDir`: a `vocabSize`-token BPE trained on `text` and one training step of a
 *  1-layer, 32-channel model of context `context` on it. */
export function tinyBaseRun(outDir: string, text: string, backend: Backend, o: { vocabSize?: number; context?: number } = {}): Tokenizer {
  const V = o.vocabSize ?? 300;
  const tok = trainBpe({ texts: [text], vocabSize: V });
  const run = resolveRunConfig("tiny", { model: { vocabSize: V, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: o.context ?? 64 }, train: { batchSize: 1, maxSteps: 1, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode(text, { addBos: false }));
  train({ run, data: { train: stream, val: stream, vocabSize: V, description: "", tokenizerPath: null }, backend, outDir, tokenizerJson: hfTokenizerJson(tok) });
  return tok;
}
