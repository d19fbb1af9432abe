// SFT rows as the loop's batches, in the deterministic order of pretraining windows (data.ts: the w-th example of
// the run is example (w·S) mod N, S coprime with N), so each epoch visits every example once and a resumed run
// reads what an uninterrupted one would. Two layouts: "pad", one example per row right-padded to T (targets
// IGNORE_INDEX), and "pack", consecutive examples of that order packed into rows of T, each a document that attends
// only within itself (document-masked attention: segment ids) with positions restarting at 0.
// Not here: encoding (examples.ts).
import { KotodamaError } from "../../util/errors.js";
import { IGNORE_INDEX, windowStride, type Batch, type BatchSource } from "../data.js";
import type { SftRow } from "./examples.js";

/** How examples fill rows: one per row ("pad"), or as many consecutive ones as fit ("pack"). */
export type SftLayout = { readonly kind: "pad" } | { readonly kind: "pack" };

/** A batch of examples; with "pack", segment id per position (B, T) and position within its segment (B, T). */
export type SftBatch = Batch;

/** Packed rows over one epoch: each row lists the examples (indices into rows) it holds, in order. Greedy and
 *  sequential (the next example opens a new row when it does not fit), so the epoch's order is kept. */
export function packRows(rows: readonly SftRow[], order: readonly number[], T: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let used = 0;
  for (const i of order) {
    const n = rows[i]!.inputs.length;
    if (used + n > T && cur.length > 0) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(i);
    used += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Fills batch row r with the examples `list` back to back: segment k for the k-th, positions from 0 in each; the
 *  tail is padding in a segment of its own with ignored targets. */
function fillPacked(rowsOf: readonly SftRow[], lists: readonly (readonly number[])[], pick: (r: number) => number, B: number, T: number, out?: Batch): SftBatch {
  const inputs = out?.inputs ?? new Int32Array(B * T);
  const targets = out?.targets ?? new Int32Array(B * T);
  const segments = out?.segments ?? new Int32Array(B * T);
  const positions = out?.positions ?? new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    let at = r * T, seg = 0;
    for (const i of lists[pick(r)]!) {
      const ex = rowsOf[i]!;
      const n = ex.inputs.length;
      inputs.set(ex.inputs, at);
      targets.set(ex.targets, at);
      segments.fill(seg++, at, at + n);
      for (let p = 0; p < n; p++) positions[at + p] = p;
      at += n;
    }
    inputs.fill(PAD_INPUT, at, (r + 1) * T);
    targets.fill(IGNORE_INDEX, at, (r + 1) * T);
    segments.fill(seg, at, (r + 1) * T);
    for (let p = at; p < (r + 1) * T; p++) positions[p] = p - at;
  }
  return { inputs, targets, segments, positions };
}

/** The id padding inputs hold. Any id in the vocabulary does: a padded position comes after the example's last in
 *  its row, so causal attention hides it from the example, and its target is ignored. */
const PAD_INPUT = 0;

/** Fills B rows of T: row r holds rows[pick(r)] right-padded (inputs PAD_INPUT, targets IGNORE_INDEX). */
export function fillPadded(rows: readonly SftRow[], pick: (r: number) => number, B: number, T: number, out?: Batch): SftBatch {
  const inputs = out?.inputs ?? new Int32Array(B * T);
  const targets = out?.targets ?? new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    const ex = rows[pick(r)]!;
    const n = ex.inputs.length;
    inputs.set(ex.inputs, r * T);
    targets.set(ex.targets, r * T);
    inputs.fill(PAD_INPUT, r * T + n, (r + 1) * T);
    targets.fill(IGNORE_INDEX, r * T + n, (r + 1) * T);
  }
  return { inputs, targets };
}

export interface SftBatchSourceOptions {
  readonly train: readonly SftRow[];
  /** Held-out rows; validation batch i reads rows i·B + r (wrapping around). */
  readonly val: readonly SftRow[];
  /** T: every row's length (≥ the longest row). */
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly description: string;
  readonly layout?: SftLayout;
}

export function sftBatchSource(o: SftBatchSourceOptions): BatchSource {
  const T = o.seqLen;
  const N = o.train.length;
  if (N === 0 || o.val.length === 0) throw new KotodamaError("sft: no training or no validation examples");
  for (const r of [...o.train, ...o.val]) if (r.inputs.length > T) throw new KotodamaError(`${r.where}: ${r.inputs.length} positions exceed the sequence length ${T}`);
  const S = windowStride(N);
  if (o.layout?.kind === "pack") {
    // One epoch's order (the pad layout's), packed once; row w of the run is packed row w mod R.
    const order = Array.from({ length: N }, (_, w) => Number((BigInt(w) * BigInt(S)) % BigInt(N)));
    const train = packRows(o.train, order, T);
    const val = packRows(o.val, o.val.map((_, i) => i), T);
    return {
      seqLen: T,
      vocabSize: o.vocabSize,
      description: `${o.description}; packed into ${train.length} rows of ${T}`,
      trainBatch: (step, micro, A, B, out) => fillPacked(o.train, train, (r) => ((step * A + micro) * B + r) % train.length, B, T, out),
      valBatch: (i, B, out) => fillPacked(o.val, val, (r) => (i * B + r) % val.length, B, T, out),
    };
  }
  return {
    seqLen: T,
    vocabSize: o.vocabSize,
    description: o.description,
    trainBatch: (step, micro, A, B, out) => {
      const first = (step * A + micro) * B;
      return fillPadded(o.train, (r) => Number((BigInt(first + r) * BigInt(S)) % BigInt(N)), B, T, out);
    },
    valBatch: (i, B, out) => fillPadded(o.val, (r) => (i * B + r) % o.val.length, B, T, out),
  };
}
