// A pool of f32 buffers in size classes, so that a training step reuses last step's activations and
// gradients instead of allocating new ArrayBuffers (no per-step garbage for the GC). Not here: which tensor
// owns which buffer and when it is returned (tensor.ts decides that: scopes and backward).
//
// Size classes: 16, then 4 classes per power of two (2^k · {1, 1.25, 1.5, 1.75}), so a buffer is at most
// 25% larger than asked and varying sizes (a growing KV-cache decode) still hit a small set of classes.

import { KotodamaError } from "../util/errors.js";

/** Capacity (elements) of the size class that holds n elements. */
export function sizeClass(n: number): number {
  if (n <= 16) return 16;
  const base = 2 ** Math.floor(Math.log2(n - 1)); // base < n ≤ 2·base
  const step = base / 4;
  return base + Math.ceil((n - base) / step) * step;
}

export interface PoolStats {
  /** ArrayBuffers created since the pool was made (the number the no-garbage test watches). */
  readonly allocations: number;
  readonly bytesAllocated: number;
  /** Buffers handed out and not yet returned. */
  readonly inUse: number;
  /** Bytes sitting in free lists. */
  readonly bytesFree: number;
}

export class BufferPool {
  private readonly free: Map<number, ArrayBuffer[]> = new Map();
  private readonly lent: Set<ArrayBuffer> = new Set();
  private allocations = 0;
  private bytesAllocated = 0;
  private bytesFree = 0;

  /** A Float32Array of exactly n elements over a pooled buffer. Contents are whatever the last user left. */
  alloc(n: number): Float32Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new KotodamaError(`BufferPool.alloc: bad length ${n}`);
    const cap = sizeClass(n);
    const list = this.free.get(cap);
    let buf = list !== undefined && list.length > 0 ? list.pop() : undefined;
    if (buf === undefined) {
      buf = new ArrayBuffer(cap * 4);
      this.allocations++;
      this.bytesAllocated += cap * 4;
    } else {
      this.bytesFree -= cap * 4;
    }
    this.lent.add(buf);
    return new Float32Array(buf, 0, n);
  }

  /** Returns a buffer obtained from alloc. Returning it twice, or a foreign array, is a bug and throws. */
  release(arr: Float32Array): void {
    const buf = arr.buffer as ArrayBuffer;
    if (!this.lent.delete(buf)) throw new KotodamaError("BufferPool.release: buffer is not lent by this pool");
    const cap = buf.byteLength / 4;
    let list = this.free.get(cap);
    if (list === undefined) {
      list = [];
      this.free.set(cap, list);
    }
    list.push(buf);
    this.bytesFree += buf.byteLength;
  }

  /** Gives up ownership of a lent buffer: from now on the garbage collector manages it. */
  disown(arr: Float32Array): void {
    if (!this.lent.delete(arr.buffer as ArrayBuffer)) throw new KotodamaError("BufferPool.disown: buffer is not lent by this pool");
  }

  /** True when arr is a view over a buffer this pool has lent and not taken back. */
  owns(arr: Float32Array): boolean {
    return this.lent.has(arr.buffer as ArrayBuffer);
  }

  /** Drops every free buffer (e.g. after a change of batch shape), letting the GC reclaim them. */
  trim(): void {
    this.free.clear();
    this.bytesFree = 0;
  }

  stats(): PoolStats {
    return { allocations: this.allocations, bytesAllocated: this.bytesAllocated, inUse: this.lent.size, bytesFree: this.bytesFree };
  }
}
