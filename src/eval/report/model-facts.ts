// The model section of a report card: format, family, parameter count, context, vocabulary, shape and the sha256 of
// every weight file, read by loading the model the way every command does (models/load.ts). Not here: training
// history (lineage.ts, training.ts).
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadModel } from "../../models/load.js";
import type { ModelFacts } from "./card.js";

/** sha256 of a file read in 4 MiB chunks (a multi-GB GGUF is never held whole). */
export function sha256OfFile(path: string): string {
  const h = createHash("sha256");
  const buf = Buffer.alloc(4 << 20);
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/** The weight files of a model path: the file itself, or a folder's model*.safetensors (a run directory's
 *  model.safetensors, a Hugging Face folder's one file or shards); a llama2.c .bin or GGUF is the path. */
export function weightFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const own = join(path, "model.safetensors");
  if (existsSync(own)) return [own];
  return readdirSync(path).filter((f) => /^model.*\.safetensors$/.test(f)).sort().map((f) => join(path, f));
}

export function modelFacts(path: string): ModelFacts {
  const m = loadModel(path, { keepQuantized: true });
  let parameters = 0;
  for (const t of m.tensors.values()) parameters += t instanceof Float32Array ? t.length : t.shape[0] * t.shape[1];
  const c = m.config;
  return {
    path,
    format: m.format,
    family: m.family.name,
    parameters,
    context: c.context,
    vocabSize: c.vocabSize,
    tokenizerVocab: m.tokenizer.vocabSize,
    dims: { dim: c.dim, layers: c.nLayers, heads: c.nHeads, kvHeads: c.nKvHeads, hidden: c.hiddenDim },
    files: weightFiles(path).map((f) => ({ path: f, bytes: statSync(f).size, sha256: sha256OfFile(f) })),
  };
}
