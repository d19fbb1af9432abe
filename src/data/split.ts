// Deterministic per-document decisions by hash: the train/validation split and the mixture-weight repeat count.
// Not here: any state; the same text and seed always give the same answer, whatever the order or the machine.
import { createHash } from "node:crypto";

export interface SplitConfig {
  /** Fraction of documents that go to validation. */
  readonly valFraction: number;
  readonly seed: number;
}

export const SPLIT_DEFAULTS: SplitConfig = { valFraction: 0.01, seed: 20260101 };

/** Two uniform numbers in [0, 1) from the document text and a seed. */
function uniforms(text: string, seed: number): [number, number] {
  const d = createHash("sha1").update(`${seed}\u0000`).update(text).digest();
  return [d.readUInt32LE(0) / 4294967296, d.readUInt32LE(4) / 4294967296];
}

export function isValidation(text: string, cfg: SplitConfig): boolean {
  return uniforms(text, cfg.seed)[0] < cfg.valFraction;
}

/** How many times a training document of a source with this mixture weight is written: floor(w), plus one more
 *  with probability frac(w) decided by the text's hash (so a weight of 0.5 keeps about half the documents). */
export function repeats(text: string, weight: number, seed: number): number {
  const base = Math.floor(weight);
  const frac = weight - base;
  return base + (frac > 0 && uniforms(text, seed)[1] < frac ? 1 : 0);
}
