// The KV cache: the only mutable state of generation (STYLE.md principle 3), passed in explicitly. Per layer
// one key and one value buffer of `capacity` positions, written at the positions being decoded; a slab holds several
// caches in one buffer per layer, so that batched decode attends them in one call.
// Not here: the attention that reads it (engine attention with kvBatchStride) or who decides the capacity.
import { nativeAdviseHugePages } from "../engine/index.js";
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
  /** When the cache is slot `slot` of a pooled buffer (createKvSlab): batched decode attends every slot of a step
   *  in one call (attention's kvRows) instead of one call per sequence. */
  readonly slab?: KvSlab;
  readonly slot?: number;
}

/** Per layer one key and one value buffer holding `slots` caches of `capacity` positions each, slot i at
 *  i·capacity·kvDim. */
export interface KvSlab {
  readonly slots: number;
  readonly capacity: number;
  readonly k: readonly Float32Array[];
  readonly v: readonly Float32Array[];
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

/** `slots` empty caches of `capacity` positions each, views of one slab per layer (KvCachePool's), or null when a
 *  layer's slab would not fit one typed array (then callers make separate caches). */
export function createKvSlab(config: ModelConfig, slots: number, capacity: number): KvCache[] | null {
  if (!Number.isSafeInteger(slots) || slots < 1) throw new KotodamaError(`createKvSlab: slots must be a positive integer, got ${slots}`);
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new KotodamaError(`createKvSlab: capacity must be a positive integer, got ${capacity}`);
  const kv = kvDim(config), per = capacity * kv, L = config.nLayers, layer = slots * per;
  if (layer * 4 > 2 ** 31) return null;
  // Every layer's keys and values in one buffer when it fits one typed array, advised onto huge pages before its
  // first touch: a 16-slot pool of the start model is 13 MB, ~3,300 4 KiB page faults (~30 ms of CPU on this VM)
  // for a new pool per call, ~7 faults of 2 MiB instead (docs/inference.md). Else one buffer per layer, as before.
  const all = 2 * L * layer * 4 <= 2 ** 31 ? new Float32Array(2 * L * layer) : null;
  if (all !== null) nativeAdviseHugePages()?.(all);
  const alloc = (first: number): Float32Array[] =>
    Array.from({ length: L }, (_, l) => (all !== null ? all.subarray((first + l) * layer, (first + l + 1) * layer) : new Float32Array(layer)));
  const slab: KvSlab = { slots, capacity, k: alloc(0), v: alloc(L) };
  return Array.from({ length: slots }, (_, i) => ({
    capacity, kvDim: kv, length: 0, slab, slot: i,
    k: slab.k.map((x) => x.subarray(i * per, (i + 1) * per)), v: slab.v.map((x) => x.subarray(i * per, (i + 1) * per)),
  }));
}

/** Forgets positions from `length` on (keeps a shared prompt prefix, or clears with 0). */
export function truncateKvCache(cache: KvCache, length = 0): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > cache.length) {
    throw new KotodamaError(`truncateKvCache: length must be an integer in [0, ${cache.length}], got ${length}`);
  }
  cache.length = length;
}
