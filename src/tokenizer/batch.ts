// Batch encoding: many texts through one tokenizer (its encode cache is shared across them), optionally padded
// into a rectangle for a model. Not here: shard writing (data/), attention masks (models/).

import { KotodamaError } from "../util/errors.js";
import type { EncodeOptions, Tokenizer } from "./tokenizer.js";

/** One array of ids per text, in order. */
export function encodeBatch(tokenizer: Tokenizer, texts: readonly string[], options?: EncodeOptions): number[][] {
  return texts.map((t) => tokenizer.encode(t, options));
}

/** Encodes and right-pads to the longest sequence with the tokenizer's PAD id: ids (B, T) row-major and
 *  lengths (B). Throws when the tokenizer has no PAD token. */
export function encodePadded(tokenizer: Tokenizer, texts: readonly string[], options?: EncodeOptions): { ids: Int32Array; lengths: Int32Array; T: number } {
  const pad = tokenizer.special.pad;
  if (pad === undefined) throw new KotodamaError(`encodePadded: tokenizer ${tokenizer.kind} has no PAD token`);
  const rows = encodeBatch(tokenizer, texts, options);
  const T = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ids = new Int32Array(rows.length * T).fill(pad); // (B, T)
  const lengths = new Int32Array(rows.length);
  rows.forEach((r, b) => {
    ids.set(r, b * T);
    lengths[b] = r.length;
  });
  return { ids, lengths, T };
}
