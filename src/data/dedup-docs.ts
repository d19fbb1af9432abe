// Step 2's per-document work after the dedup verdict: parse the clean line, then, for a document dedup kept, the
// evaluation-set check and the train/validation split, as one function of the line, so that the main thread and
// the dedup workers (dedup-pool.ts) give the same answers. Not here: the verdicts (dedup-spill.ts), the report's
// bookkeeping and the train/val files (pipeline.ts), the pool itself.
import type { CleanDoc } from "./clean.js";
import type { EvalNgrams } from "./userevals.js";
import { isValidation, type SplitConfig } from "./split.js";

export interface DedupDocWork {
  readonly id: string;
  /** The text's UTF-16 length and UTF-8 bytes (the report's counts), so that the caller need not parse the line. */
  readonly chars: number;
  readonly bytes: number;
  /** The evaluation label the document matched; null: no match, not checked (dropped by dedup, or no sets). */
  readonly evalLabel: string | null;
  /** Validation split (checked only for a kept document that no evaluation set matched). */
  readonly isVal: boolean;
  readonly evalSeconds: number;
  readonly splitSeconds: number;
}

/** The work on one clean JSONL line; keep: dedup's verdict (only kept documents are checked and split). */
export function workOnLine(line: string, keep: boolean, evalSet: EvalNgrams | null, split: SplitConfig): DedupDocWork {
  const d = JSON.parse(line) as CleanDoc;
  const chars = d.text.length;
  const bytes = Buffer.byteLength(d.text, "utf8");
  if (!keep) return { id: d.id, chars, bytes, evalLabel: null, isVal: false, evalSeconds: 0, splitSeconds: 0 };
  let evalSeconds = 0;
  if (evalSet !== null) {
    const t0 = performance.now();
    const m = evalSet.set.matches(d.text, 1);
    evalSeconds = (performance.now() - t0) / 1000;
    if (m.hits > 0) return { id: d.id, chars, bytes, evalLabel: evalSet.labels[m.tag]!, isVal: false, evalSeconds, splitSeconds: 0 };
  }
  const t1 = performance.now();
  const isVal = isValidation(d.text, split);
  return { id: d.id, chars, bytes, evalLabel: null, isVal, evalSeconds, splitSeconds: (performance.now() - t1) / 1000 };
}
