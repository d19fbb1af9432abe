// The worker's batch slots: a FIFO semaphore of `size` places, one per generating sequence (a choice of a
// completion or chat job). Sequences take places in the order they ask (jobs arrive in the queue's FIFO order, a
// job's choices in index order), so admission into the continuous batch stays first come, first served.
// Not here: the batch itself (infer/decode-batcher.ts), the queue in front of the worker (queue.ts).
export class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves when a place is held; give it back with release(). */
  acquire(): Promise<void> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}
