// Preference pairs as the loop's batches: each pair rendered twice with the chat template (prompt + chosen answer,
// prompt + rejected answer) through SFT's encoding, so the targets are the answer's tokens only; a batch of P
// pairs is 2P padded rows, the P chosen ones first, carrying the reference's log-probability of each row
// (Batch.rowValues). Pairs are visited in the order of SFT examples (data.ts windowStride), so a resumed run reads
// what an uninterrupted one would.
// Not here: reading pair files (data/prefs/format.ts), the loss (loss.ts), the reference (reference.ts).
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readPrefsFile, type PrefPair, type PrefsFile } from "../../data/prefs/format.js";
import type { ChatTemplates, Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { windowStride, type Batch, type BatchSource } from "../data.js";
import { encodeExample, type Overflow, type SftRow } from "../sft/examples.js";
import { fillPadded } from "../sft/batches.js";

/** Encoded pairs: chosen[i] and rejected[i] are pair i's two rows. */
export interface PairRows {
  readonly chosen: readonly SftRow[];
  readonly rejected: readonly SftRow[];
  /** Pairs with an answer cut to the context (overflow "truncate"). */
  readonly truncated: number;
  /** Pairs left out: too long under "drop", or an answer entirely past the context. */
  readonly dropped: number;
  /** Positions of all rows (the work of one pass). */
  readonly tokens: number;
  /** Index in the input of each encoded pair (dropped pairs leave gaps). */
  readonly kept: readonly number[];
}

/** Encodes pairs with `templates` into rows of at most T positions. */
export function encodePairs(tok: Tokenizer, pairs: readonly PrefPair[], o: { templates: ChatTemplates; context: number; overflow: Overflow }): PairRows {
  const chosen: SftRow[] = [];
  const rejected: SftRow[] = [];
  let truncated = 0, dropped = 0, tokens = 0;
  const kept: number[] = [];
  for (const [i, p] of pairs.entries()) {
    const enc = (answer: string, which: string): ReturnType<typeof encodeExample> =>
      encodeExample(tok, { messages: [...p.messages, { role: "assistant", content: answer }], where: `${p.where} (${which})` }, o);
    const c = enc(p.chosen, "chosen");
    const r = enc(p.rejected, "rejected");
    if (c === null || r === null) {
      dropped++;
      continue;
    }
    if (c.truncated || r.truncated) truncated++;
    chosen.push(c.row);
    rejected.push(r.row);
    kept.push(i);
    tokens += c.row.inputs.length + r.row.inputs.length;
  }
  return { chosen, rejected, truncated, dropped, tokens, kept };
}

/** The longest row of some encoded pairs. */
export const longestRow = (...ps: readonly PairRows[]): number => Math.max(1, ...ps.flatMap((p) => [...p.chosen, ...p.rejected].map((r) => r.inputs.length)));

/** Fills 2B rows of T for pairs pick(0..B−1): chosen rows first, then rejected; rowValues from ref (2N: the N
 *  chosen values, then the N rejected ones) when given. */
export function fillPairs(p: PairRows, ref: Float32Array | null, pick: (r: number) => number, B: number, T: number, out?: Batch): Batch {
  const N = p.chosen.length;
  const rows = [...p.chosen, ...p.rejected];
  const b = fillPadded(rows, (r) => (r < B ? pick(r) : N + pick(r - B)), 2 * B, T, out);
  if (ref === null) return b;
  const rowValues = out?.rowValues !== undefined && out.rowValues.length === 2 * B ? out.rowValues : new Float32Array(2 * B);
  for (let r = 0; r < B; r++) {
    rowValues[r] = ref[pick(r)]!;
    rowValues[B + r] = ref[N + pick(r)]!;
  }
  return { ...b, rowValues };
}

export interface DpoBatchSourceOptions {
  readonly train: PairRows;
  readonly val: PairRows;
  /** Reference log-probabilities (2N per split: chosen values, then rejected ones). */
  readonly trainRef: Float32Array;
  readonly valRef: Float32Array;
  /** T: every row's length (≥ the longest row). */
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly description: string;
}

/** The loop's batch source over pairs; the loop's batchSize B counts pairs (2B rows). */
export function dpoBatchSource(o: DpoBatchSourceOptions): BatchSource {
  const N = o.train.chosen.length;
  const V = o.val.chosen.length;
  if (N === 0 || V === 0) throw new KotodamaError("dpo: no training or no held-out pairs fit the context");
  if (o.trainRef.length !== 2 * N || o.valRef.length !== 2 * V) throw new KotodamaError(`dpo: reference log-probs for ${o.trainRef.length / 2} + ${o.valRef.length / 2} pairs, expected ${N} + ${V}`);
  const S = windowStride(N);
  const T = o.seqLen;
  return {
    seqLen: T,
    vocabSize: o.vocabSize,
    description: o.description,
    trainBatch: (step, micro, A, B, out) => {
      const first = (step * A + micro) * B;
      return fillPairs(o.train, o.trainRef, (r) => Number((BigInt(first + r) * BigInt(S)) % BigInt(N)), B, T, out);
    },
    valBatch: (i, B, out) => fillPairs(o.val, o.valRef, (r) => (i * B + r) % V, B, T, out),
  };
}

/** The held-out pairs: the given file, `data prefs`' heldout.jsonl beside train.jsonl, or every 10th pair. */
export function heldOutPairs(o: { readonly prefs: string; readonly valPrefs?: string }, file: PrefsFile): { train: readonly PrefPair[]; val: readonly PrefPair[]; valFile: string | null; note: string } {
  const sibling = basename(o.prefs) === "train.jsonl" ? join(dirname(o.prefs), "heldout.jsonl") : null;
  const valPath = o.valPrefs ?? (sibling !== null && existsSync(sibling) ? sibling : null);
  if (valPath !== null) return { train: file.pairs, val: readPrefsFile(valPath).pairs, valFile: valPath, note: `held-out pairs from ${valPath}` };
  const all = file.pairs;
  if (all.length < 10) return { train: all, val: all, valFile: null, note: "fewer than 10 pairs: evaluating on the training pairs" };
  return { train: all.filter((_, i) => i % 10 !== 9), val: all.filter((_, i) => i % 10 === 9), valFile: null, note: "every 10th pair held out for evaluation" };
}

/** A preference run's pairs (DPO, the reward model): the file read, split into train and held-out, and both encoded
 *  into rows of at most the context (`--context`, else the model's, at most 1024), with what was cut logged. */
export function pairRowsFor(command: string, o: { readonly prefs: string; readonly valPrefs?: string }, tok: Tokenizer, templates: ChatTemplates, modelContext: number, context: number | undefined, overflow: Overflow, log: (line: string) => void): { file: PrefsFile; split: ReturnType<typeof heldOutPairs>; context: number; train: PairRows; val: PairRows; seqLen: number } {
  const file = readPrefsFile(o.prefs);
  const split = heldOutPairs(o, file);
  log(`pairs: ${o.prefs} (${file.pairs.length} pairs${file.ties + file.skips > 0 ? `; ${file.ties} ties and ${file.skips} skips not trained on` : ""}); ${split.note}`);
  if (context !== undefined && context > modelContext) throw new KotodamaError(`${command}: --context ${context} exceeds the model's context ${modelContext}`);
  const T = Math.min(context ?? Math.min(1024, modelContext), modelContext);
  const enc = { templates, context: T, overflow };
  const train = encodePairs(tok, split.train, enc);
  const val = encodePairs(tok, split.val, enc);
  if (train.truncated + train.dropped > 0) log(`context ${T}: ${train.truncated} training pairs truncated, ${train.dropped} dropped (overflow: ${overflow})`);
  return { file, split, context: T, train, val, seqLen: longestRow(train, val) };
}
