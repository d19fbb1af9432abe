// Evaluation-set matches computed beside the clean step: for every document of a clean JSON Lines file, in order,
// the tag of the evaluation text it shares an n-gram with (EvalNgrams.labels index), or -1, as int16 values in a
// side file. Clean workers write it for their shard, so the dedup step reads a verdict per document instead of
// matching on the main thread. Not here: the matching itself (decontaminate.ts), the evaluation sets
// (userevals.ts), what the dedup step does with a tag (pipeline.ts).
import { readFileSync } from "node:fs";
import { atomicWrite, readJsonl } from "./files.js";
import type { EvalNgrams } from "./userevals.js";

/** The tag of the first evaluation n-gram in text (one hit is enough), or -1. */
export const evalTagOf = (evals: EvalNgrams, text: string): number => {
  const m = evals.set.matches(text, 1);
  return m.hits === 0 ? -1 : m.tag;
};

/** evalTagOf every document of cleanJsonl, in order, written to out (temp file + rename). */
export async function writeEvalTags(cleanJsonl: string, out: string, evals: EvalNgrams): Promise<void> {
  const tags: number[] = [];
  for await (const d of readJsonl<{ text: string }>(cleanJsonl)) tags.push(evalTagOf(evals, d.text));
  atomicWrite(out, new Uint8Array(Int16Array.from(tags).buffer));
}

/** Reads a writeEvalTags file. */
export function readEvalTags(path: string): Int16Array {
  const b = readFileSync(path);
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
