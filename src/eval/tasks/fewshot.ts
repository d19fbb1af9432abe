// k-shot contexts: k solved documents of the task's few-shot split (never the evaluated one, docs.ts checkDisjoint),
// drawn without replacement by a seeded generator of their own per evaluated document (seed, document index), so a
// document's shots do not depend on --limit or on the order documents are run in; then the description, the shots
// each followed by the separator, and the document's context. Not here: rendering one document (template.ts).
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import type { TaskDefinition } from "./definition.js";
import { renderContext, renderShot, type Doc } from "./template.js";

/** Indices of k distinct documents of a pool of `poolSize`, for evaluated document `docIndex` under `seed`. */
export function sampleShots(poolSize: number, k: number, seed: number, docIndex: number): number[] {
  if (k > poolSize) throw new KotodamaError(`few-shot: ${k} shots asked for, but the few-shot split has ${poolSize} documents`);
  // One generator per document: the seed and the index mixed (Knuth's multiplicative hash), as 32-bit integers.
  const rng = new Rng(((seed >>> 0) ^ Math.imul(docIndex + 1, 2654435761)) >>> 0);
  const picked: number[] = [];
  const seen = new Set<number>();
  while (picked.length < k) {
    const i = rng.int(poolSize);
    if (!seen.has(i)) {
      seen.add(i);
      picked.push(i);
    }
  }
  return picked;
}

/** The full context of a document with the given shots (solved documents, in order). */
export function fewShotContext(task: TaskDefinition, shots: readonly Doc[], doc: Doc): string {
  const t = task.template;
  const head = t.description === "" ? "" : `${t.description}${t.separator}`;
  return `${head}${shots.map((s) => `${renderShot(task, s)}${t.separator}`).join("")}${renderContext(task, doc)}`;
}
