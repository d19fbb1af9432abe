// The KV cache: the only mutable state of generation (STYLE.md principle 3), passed in explicitly. Per layer
// one key and one value buffer of `capacity` positions, written at the positions being decoded.
// Not here: the attention that reads it (engine attention with kvBatchStride) or who decides the capacity.
import type { ModelConfig } from "../models/config.js";
import { kvDim } from "../models/config.js";
import { KotodamaError } from "../util/errors.js";

export interface KvCache {
  /** Positions the buffers hold (S max). */
  readonly capacity: number;
  /** Hkv·D floats per position. */
  readonly kvDim: number;
  /** Per layer: keys (capacity, Hkv, D), values likewise. */
  readonly k: readonly Float32Array[];
  readonly v: readonly Float32Array[];
  /** Positions filled so far: the next token goes to position `length`. */
  length: number;
}

/** An empty cache of `capacity` positions for a model of this config. */
export function createKvCache(config: ModelConfig, capacity: number): KvCache {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new KotodamaError(`createKvCache: capacity must be a positive integer, got ${capacity}`);
  const kv = kvDim(config);
  const bytes = 2 * config.nLayers * capacity * kv * 4;
  if (bytes > 2 ** 32) throw new KotodamaError(`createKvCache: ${capacity} positions need ${(bytes / 2 ** 30).toFixed(1)} GiB of KV cache; use a shorter context`);
  const alloc = (): Float32Array[] => Array.from({ length: config.nLayers }, () => new Float32Array(capacity * kv));
  return { capacity, kvDim: kv, k: alloc(), v: alloc(), length: 0 };
}

/** Forgets positions from `length` on (keeps a shared prompt prefix, or clears with 0). */
export function truncateKvCache(cache: KvCache, length = 0): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > cache.length) {
    throw new KotodamaError(`truncateKvCache: length must be an integer in [0, ${cache.length}], got ${length}`);
  }
  cache.length = length;
}
