// A sequence head on the decoder: the final hidden state (after the last norm) at each sequence's last real token,
// projected to K scores — a reward model's scalar (K = 1) or a classifier's K logits. This is Hugging Face's
// *ForSequenceClassification layout (a bias-free `score.weight` (K, C) on the last non-padding token), so a head
// trained here means the same as one trained there. Not here: the losses (Bradley–Terry for rewards in
// train/reward/, cross-entropy for classifiers), files of the decoder itself (io.ts).
//
// h = decoderHidden(ids)                       (B, T, C)
// pooled = h[b, len_b − 1, :]                  (B, C)   gathered with the embedding op (gradient: scatter-add)
// scores = pooled · Wᵀ                         (B, K)
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { I32 } from "../engine/ops.js";
import { readSafetensors, safetensorsEntries, tensorF32, writeSafetensorsFile } from "../formats/index.js";
import type { Graph, Tensor } from "../tensor/index.js";
import { embedding, linear, reshape } from "../tensor/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { ModelConfig } from "./config.js";
import { decoderHidden, type ForwardOptions } from "./decoder.js";
import type { DecoderWeights } from "./weights.js";

export const SEQ_HEAD_FILES = { weights: "head.safetensors", meta: "head.json" } as const;

export interface SeqHead {
  /** (K, C), named "score.weight" as in HF's *ForSequenceClassification. */
  readonly weight: Tensor;
  /** What the K outputs mean ("reward", or class names). */
  readonly labels: readonly string[];
}

/** A fresh head of labels.length outputs, W ~ N(0, std²) (HF initializes score.weight with the model's
 *  initializer_range; a reward head usually starts near zero so that early rewards are small). */
export function createSeqHead(g: Graph, rng: Rng, c: ModelConfig, labels: readonly string[], std = 1 / Math.sqrt(c.dim + 1)): SeqHead {
  if (labels.length === 0) throw new KotodamaError("sequence head: at least one output label is needed");
  const w = new Float32Array(labels.length * c.dim);
  rng.fillNormal(w, 0, std);
  return { weight: g.parameter(w, [labels.length, c.dim], "score.weight"), labels: [...labels] };
}

/** Row indices b·T + len_b − 1 of each sequence's last real token in a (B·T) batch; lengths in [1, T]. */
export function lastTokenRows(lengths: readonly number[], T: number): I32 {
  return Int32Array.from(lengths, (n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T) throw new KotodamaError(`sequence head: sequence ${b} has length ${n}, expected 1 … ${T}`);
    return b * T + n - 1;
  });
}

/** Scores (B, K) of B right-padded sequences ids (B·T) of the given lengths. */
export function sequenceScores(c: ModelConfig, w: DecoderWeights, head: SeqHead, ids: I32, lengths: readonly number[], B: number, T: number, options: ForwardOptions = {}): Tensor {
  if (lengths.length !== B) throw new KotodamaError(`sequence head: ${lengths.length} lengths for a batch of ${B}`);
  const h = decoderHidden(c, w, ids, B, T, options); // (B, T, C)
  const pooled = embedding(reshape(h, [B * T, c.dim]), lastTokenRows(lengths, T)); // (B, C)
  return linear(pooled, head.weight); // (B, K)
}

/** Writes the head beside a saved decoder: head.safetensors (score.weight) and head.json (labels, dim). */
export function saveSeqHead(dir: string, head: SeqHead, extra: Readonly<Record<string, unknown>> = {}): void {
  const [k, dim] = head.weight.shape as [number, number];
  const d = head.weight.data;
  // Temp file + rename, so a kill mid-write never leaves a half-written head beside a good model.
  const atomic = (name: string, write: (tmp: string) => void): void => {
    const tmp = join(dir, `${name}.tmp-${process.pid}`);
    write(tmp);
    renameSync(tmp, join(dir, name));
  };
  atomic(SEQ_HEAD_FILES.weights, (tmp) => writeSafetensorsFile(tmp, [{ name: "score.weight", dtype: "F32", shape: [k, dim], data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) }]));
  atomic(SEQ_HEAD_FILES.meta, (tmp) => writeFileSync(tmp, `${JSON.stringify({ ...extra, labels: head.labels, dim }, null, 2)}\n`));
}

/** Reads a head written by saveSeqHead for a decoder of config c; errors name the file. */
export function loadSeqHead(g: Graph, dir: string, c: ModelConfig): SeqHead & { readonly meta: Readonly<Record<string, unknown>> } {
  const metaPath = join(dir, SEQ_HEAD_FILES.meta), wPath = join(dir, SEQ_HEAD_FILES.weights);
  if (!existsSync(metaPath) || !existsSync(wPath)) throw new FormatError(dir, `no sequence head (${SEQ_HEAD_FILES.meta} and ${SEQ_HEAD_FILES.weights}): not a reward model or classifier run`);
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(metaPath, "utf8"));
  } catch (e) {
    throw new FormatError(metaPath, `not valid JSON: ${(e as Error).message}`);
  }
  const m = meta as Record<string, unknown>;
  const labels = m.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((x) => typeof x === "string")) throw new FormatError(metaPath, "labels must be a non-empty list of strings");
  const t = safetensorsEntries(readSafetensors(wPath)).find((e) => e.name === "score.weight");
  if (t === undefined) throw new FormatError(wPath, "no tensor 'score.weight'");
  if (t.shape.length !== 2 || t.shape[0] !== labels.length || t.shape[1] !== c.dim) {
    throw new FormatError(wPath, `score.weight has shape [${t.shape.join(", ")}], expected [${labels.length}, ${c.dim}] (labels × the model's dim)`);
  }
  return { weight: g.parameter(tensorF32(t), [labels.length, c.dim], "score.weight"), labels: labels as string[], meta: m };
}
