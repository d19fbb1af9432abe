// The buffer pool: size classes bound the waste and the number of distinct sizes, buffers are reused, and
// misuse (double release, foreign arrays) throws. Not here: scope/backward bookkeeping (autograd.test.ts).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BufferPool, sizeClass } from "./pool.js";

describe("BufferPool", () => {
  it("size classes hold n with at most 25% waste above 16 and few distinct sizes", () => {
    const classes = new Set<number>();
    for (let n = 0; n <= 100000; n++) {
      const c = sizeClass(n);
      assert.ok(c >= n && Number.isInteger(c), `n=${n} c=${c}`);
      if (n > 16) assert.ok(c <= 1.25 * n + 1, `n=${n} c=${c}`);
      classes.add(c);
    }
    assert.ok(classes.size < 60, `${classes.size} classes`);
  });

  it("reuses released buffers and counts new ones", () => {
    const pool = new BufferPool();
    const a = pool.alloc(100);
    assert.equal(a.length, 100);
    pool.release(a);
    const b = pool.alloc(110); // same class as 100 (112)
    assert.equal(b.buffer, a.buffer);
    assert.equal(pool.stats().allocations, 1);
    const c = pool.alloc(100);
    assert.notEqual(c.buffer, b.buffer);
    assert.equal(pool.stats().allocations, 2);
    assert.equal(pool.stats().inUse, 2);
    pool.release(b);
    pool.release(c);
    assert.equal(pool.stats().inUse, 0);
    assert.equal(pool.stats().bytesFree, 2 * 112 * 4);
    pool.trim();
    assert.equal(pool.stats().bytesFree, 0);
  });

  it("rejects double release and foreign arrays", () => {
    const pool = new BufferPool();
    const a = pool.alloc(8);
    pool.release(a);
    assert.throws(() => pool.release(a), /not lent/);
    assert.throws(() => pool.release(new Float32Array(8)), /not lent/);
    const b = pool.alloc(8);
    pool.disown(b);
    assert.equal(pool.owns(b), false);
    assert.throws(() => pool.release(b), /not lent/);
  });
});
