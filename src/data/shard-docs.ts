// Step 3's per-document work: the held-out check of a training document, then its token ids, as one function of
// the text, so that the main thread and the shard workers (shard-pool.ts) give the same result. Not here: the
// shard files, repeats, the report's bookkeeping and the manifest (pipeline.ts), the pool itself.
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { HeldOutMatcher } from "./heldout-set.js";

export interface DocWork {
  /** Held-out n-gram hits and the positions checked; null when the document was not checked (validation
   *  documents, or held-out decontamination off). */
  readonly held: { readonly hits: number; readonly total: number } | null;
  /** false when the held-out check drops the document (then it was not tokenized). */
  readonly keep: boolean;
  /** Token ids (no BOS; the shard writer adds EOS); null without a tokenizer, when dropped, or on an error. */
  readonly ids: Uint32Array | null;
  /** The tokenizer's error message when encode threw (the document is then reported and skipped). */
  readonly tokError: string | null;
  readonly heldSeconds: number;
  readonly tokSeconds: number;
}

/** The held-out rule: a document is dropped when at least minFraction of its n-grams occur in validation. */
export const keepHeld = (m: { readonly hits: number; readonly total: number }, minFraction: number): boolean => m.hits === 0 || (m.total === 0 ? 0 : m.hits / m.total) < minFraction;

/** Held-out check (train documents, when held is set), then encode (when a tokenizer is given and the document
 *  is kept). A document is dropped when at least minFraction of its n-grams occur in validation documents. */
export function workOnDoc(text: string, split: "train" | "val", held: HeldOutMatcher | null, minFraction: number, tokenizer: Tokenizer | null): DocWork {
  let h: DocWork["held"] = null;
  let heldSeconds = 0;
  if (split === "train" && held !== null) {
    const t0 = performance.now();
    const m = held.matches(text);
    heldSeconds = (performance.now() - t0) / 1000;
    h = { hits: m.hits, total: m.total };
    if (!keepHeld(m, minFraction)) return { held: h, keep: false, ids: null, tokError: null, heldSeconds, tokSeconds: 0 };
  }
  if (tokenizer === null) return { held: h, keep: true, ids: null, tokError: null, heldSeconds, tokSeconds: 0 };
  const t1 = performance.now();
  try {
    const ids = Uint32Array.from(tokenizer.encode(text, { addBos: false }));
    return { held: h, keep: true, ids, tokError: null, heldSeconds, tokSeconds: (performance.now() - t1) / 1000 };
  } catch (e) {
    return { held: h, keep: true, ids: null, tokError: (e as Error).message, heldSeconds, tokSeconds: (performance.now() - t1) / 1000 };
  }
}
