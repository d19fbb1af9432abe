// Helpers for tests of CLI commands: run a command with stdout captured and stderr silenced, and a tiny
// pretrained kotodama run directory (a BPE trained on the given text, one step of a 1-layer model) to tune or
// evaluate. Not here: assertions; each test says what it checks.
import { hfTokenizerJson, trainBpe, type Tokenizer } from "../../src/tokenizer/index.js";
import { resolveRunConfig, train } from "../../src/train/index.js";
import type { Backend } from "../../src/engine/ops.js";

/** Runs fn with stdout captured and stderr silenced; returns what went to stdout. */
export async function capture(fn: () => Promise<unknown>): Promise<string> {
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = "";
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
  return out;
}

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
