// The reference model's log-probabilities of every pair's two answers, computed once before training (no
// gradients) and cached in the run directory as reference-logps.json, keyed by the run's config, so a resumed run
// reads them instead of running the reference again — and never needs a second model in memory while training.
// Not here: the policy's log-probabilities during training (loss.ts), batching (pairs.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DecoderWeights, ModelConfig } from "../../models/index.js";
import type { Graph } from "../../tensor/index.js";
import { FormatError } from "../../util/errors.js";
import { writeAtomic } from "../checkpoint.js";
import { sequenceLogps } from "./loss.js";
import { fillPairs, type PairRows } from "./pairs.js";

export const REFERENCE_FILE = "reference-logps.json";

/** Summed answer log-probabilities (2N: the N chosen answers, then the N rejected ones), B pairs at a time. */
export function pairLogps(g: Graph, c: ModelConfig, w: DecoderWeights, p: PairRows, B: number, T: number): Float32Array {
  const N = p.chosen.length;
  const out = new Float32Array(2 * N);
  for (let i = 0; i < N; i += B) {
    const Bi = Math.min(B, N - i);
    const b = fillPairs(p, null, (r) => i + r, Bi, T);
    const lp = g.noGrad(() => g.scope(() => Float32Array.from(sequenceLogps(c, w, b, 2 * Bi, T).data)));
    for (let r = 0; r < Bi; r++) {
      out[i + r] = lp[r]!;
      out[N + i + r] = lp[Bi + r]!;
    }
  }
  return out;
}

export interface ReferenceLogps {
  readonly train: Float32Array;
  readonly val: Float32Array;
  /** True when read from the run directory's cache. */
  readonly cached: boolean;
}

interface CacheFile {
  readonly version: 1;
  /** The run's identity (sha256 of its config.json text): a cache of another run is never used. */
  readonly key: string;
  readonly train: readonly number[];
  readonly val: readonly number[];
}

/** The cached values of `dir` when they belong to `key` and have the expected lengths, else computed (and, with a
 *  directory, written through a temp file and a rename). */
export function referenceLogps(dir: string | null, key: string, sizes: { train: number; val: number }, compute: () => { train: Float32Array; val: Float32Array }): ReferenceLogps {
  const file = dir === null ? null : join(dir, REFERENCE_FILE);
  if (file !== null && existsSync(file)) {
    let v: CacheFile;
    try {
      v = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
    } catch (e) {
      throw new FormatError(file, `not JSON (${(e as Error).message}); delete it to recompute the reference`);
    }
    if (v.version === 1 && v.key === key && Array.isArray(v.train) && Array.isArray(v.val) && v.train.length === 2 * sizes.train && v.val.length === 2 * sizes.val) {
      return { train: Float32Array.from(v.train), val: Float32Array.from(v.val), cached: true };
    }
  }
  const r = compute();
  if (dir !== null && file !== null) {
    mkdirSync(dir, { recursive: true });
    const c: CacheFile = { version: 1, key, train: Array.from(r.train), val: Array.from(r.val) };
    writeAtomic(file, (tmp) => writeFileSync(tmp, `${JSON.stringify(c)}\n`));
  }
  return { ...r, cached: false };
}
