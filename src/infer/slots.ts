// A pool of KV caches ("slots") for batched decoding: a sequence takes a cleared cache when it joins a batch and
// gives it back when it ends, so that sequences join and leave between decode steps (rollouts now, continuous
// batching in a server later) without reallocating. The caches are slots of one slab per layer (kv-cache.ts
// createKvSlab), made on first use, so that a batched decode step attends all of them in one call.
// Not here: the forward that fills them (forward.ts decodeBatch/prefillBatch) or who is scheduled when.
import type { ModelConfig } from "../models/config.js";
import { KotodamaError } from "../util/errors.js";
import { createKvCache, createKvSlab, type KvCache } from "./kv-cache.js";

export class KvCachePool {
  private readonly free: KvCache[] = [];
  private readonly busy = new Set<KvCache>();
  private made = 0;

  /** Up to `size` caches of `capacity` positions each for a model of this config. */
  constructor(
    private readonly config: ModelConfig,
    readonly size: number,
    readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw new KotodamaError(`KvCachePool: size must be a positive integer, got ${size}`);
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new KotodamaError(`KvCachePool: capacity must be a positive integer, got ${capacity}`);
  }

  /** Caches in use. */
  get inUse(): number {
    return this.busy.size;
  }

  /** An empty cache (length 0) for a joining sequence; an error when all `size` are in use. */
  acquire(): KvCache {
    if (this.made === 0) {
      // All slots in one slab per layer (batched decode then attends them in one call); separate caches when a
      // layer's slab would be too large for one typed array.
      const slab = createKvSlab(this.config, this.size, this.capacity);
      if (slab !== null) {
        this.free.push(...slab.reverse());
        this.made = this.size;
      }
    }
    let cache = this.free.pop();
    if (cache === undefined) {
      if (this.made === this.size) throw new KotodamaError(`KvCachePool: all ${this.size} caches are in use`);
      cache = createKvCache(this.config, this.capacity);
      this.made++;
    }
    cache.length = 0;
    this.busy.add(cache);
    return cache;
  }

  /** Gives a cache back when its sequence ends. */
  release(cache: KvCache): void {
    if (!this.busy.delete(cache)) throw new KotodamaError("KvCachePool: released a cache that is not in use from this pool");
    this.free.push(cache);
  }
}
