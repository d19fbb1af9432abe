// The worker's batch slots: a FIFO semaphore of `size` places, one per generating sequence (a choice of a
// completion or chat job, or a beam of a beam-search job, which takes all its places at once). Sequences take
// places in the order they ask (jobs arrive in the queue's FIFO order, a job's choices in index order), so admission
// into the continuous batch stays first come, first served; a request for several places waits at the head of the
// line until they are all free (no partial holds, so two beam jobs cannot deadlock each holding half).
// Not here: the batch itself (infer/decode-batcher.ts), the queue in front of the worker (queue.ts).
export class Slots {
  private free: number;
  private readonly waiters: { readonly k: number; readonly resolve: () => void }[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves when `k` places (1 ≤ k ≤ size) are held; give them back with release(k). */
  acquire(k = 1): Promise<void> {
    if (!Number.isSafeInteger(k) || k < 1 || k > this.size) throw new RangeError(`slots: asked for ${k} places of ${this.size}`);
    if (this.free >= k && this.waiters.length === 0) {
      this.free -= k;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ k, resolve }));
  }

  release(k = 1): void {
    this.free += k;
    for (let w = this.waiters[0]; w !== undefined && this.free >= w.k; w = this.waiters[0]) {
      this.waiters.shift();
      this.free -= w.k;
      w.resolve();
    }
  }
}
