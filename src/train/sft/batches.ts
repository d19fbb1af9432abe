// SFT rows as the loop's batches: one example per row, right-padded to T with targets IGNORE_INDEX, in the
// deterministic order of pretraining windows (data.ts: row w of the run reads example (w·S) mod N, S coprime with
// N), so each epoch visits every example once and a resumed run reads what an uninterrupted one would.
// Not here: packing several examples into a row (the layout type below is where it will go, once attention takes
// segment ids), encoding (examples.ts).
import type { I32 } from "../../engine/ops.js";
import { KotodamaError } from "../../util/errors.js";
import { IGNORE_INDEX, windowStride, type Batch, type BatchSource } from "../data.js";
import type { SftRow } from "./examples.js";

/** How examples fill rows. Only "pad" exists: packing needs attention masked per segment (document-masked
 *  attention) and per-segment positions, which SftBatch is shaped to carry. */
export type SftLayout = { readonly kind: "pad" };

/** A batch of examples. segments/positions stay absent with the "pad" layout (one segment per row, positions
 *  0..T); a packing layout will set them: segment id per position (B, T), position within its segment (B, T). */
export interface SftBatch extends Batch {
  readonly segments?: I32;
  readonly positions?: I32;
}

/** The id padding inputs hold. Any id in the vocabulary does: a padded position comes after the example's last in
 *  its row, so causal attention hides it from the example, and its target is ignored. */
const PAD_INPUT = 0;

function fill(rows: readonly SftRow[], pick: (r: number) => number, B: number, T: number, out?: Batch): SftBatch {
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
  return {
    seqLen: T,
    vocabSize: o.vocabSize,
    description: o.description,
    trainBatch: (step, micro, A, B, out) => {
      const first = (step * A + micro) * B;
      return fill(o.train, (r) => Number((BigInt(first + r) * BigInt(S)) % BigInt(N)), B, T, out);
    },
    valBatch: (i, B, out) => fill(o.val, (r) => (i * B + r) % o.val.length, B, T, out),
  };
}
