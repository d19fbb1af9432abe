// Tests of canaries: made reproducibly from the seed with distinct names, controls kept out of the data, and each
// copy written after the separator inside one training window of the stream, never across a window boundary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MINHASH_DEFAULTS } from "./minhash.js";
import { canaryText, dedupedRepeats, groupDigits, insertCanaries, makeCanaries } from "./canaries.js";

test("canaries: reproducible, distinct, half of them controls; digits grouped by three", () => {
  const a = makeCanaries({ count: 3, repeats: 5, digits: 9, seed: 1 });
  assert.deepEqual(a, makeCanaries({ count: 3, repeats: 5, digits: 9, seed: 1 }));
  assert.equal(a.length, 6);
  assert.deepEqual(a.map((c) => c.repeats), [5, 5, 5, 0, 0, 0]);
  assert.equal(new Set(a.map((c) => c.prefix)).size, 6);
  for (const c of a) assert.match(canaryText(c), /^The secret code of [A-Z][a-z]+ [A-Z][a-z]+ is \d{3} \d{3} \d{3}\.$/);
  assert.equal(groupDigits("0123456"), "0 123 456");
  assert.throws(() => makeCanaries({ count: 0, repeats: 5, digits: 9, seed: 1 }), /count must be a positive integer/);
});

test("canaries: each copy lies after the separator inside its own window; too many copies are refused", () => {
  const T = 16;
  const stream = new Uint16Array(40 * T + 1).fill(7);
  const copies = [{ ids: [100, 101, 102, 103], repeats: 6 }, { ids: [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214], repeats: 4 }];
  const starts = insertCanaries(stream, T, copies, 1, 3);
  const windows = new Set<number>();
  starts.forEach((s, i) => {
    assert.equal(s.length, copies[i]!.repeats);
    for (const at of s) {
      const len = copies[i]!.ids.length + 1;
      assert.equal(Math.floor(at / T), Math.floor((at + len - 1) / T), `copy at ${at} crosses a window boundary`);
      windows.add(Math.floor(at / T));
      assert.equal(stream[at], 1);
      assert.deepEqual([...stream.subarray(at + 1, at + len)], copies[i]!.ids);
    }
  });
  assert.equal(windows.size, 10, "one copy per window");
  assert.equal(stream.reduce((n, x) => n + (x === 7 ? 1 : 0), 0), stream.length - 6 * 5 - 4 * 16, "nothing else changed");
  assert.throws(() => insertCanaries(new Uint16Array(10 * T + 1), T, copies, 1, 3), /10 copies need at least 20 training windows of 16 tokens; the stream has 10/);
});

test("canaries: the pipeline's deduplication keeps one copy of each canary (exact duplicates)", () => {
  const a = makeCanaries({ count: 3, repeats: 20, digits: 9, seed: 2 });
  const kept = dedupedRepeats(a);
  assert.deepEqual(kept.slice(3), [0, 0, 0], "controls have no copies");
  assert.deepEqual(kept.slice(0, 3), [1, 1, 1], "only the first copy survives; different canaries are not near-duplicates of each other");
  assert.deepEqual(dedupedRepeats(a, { exact: false, near: false, minhash: MINHASH_DEFAULTS }).slice(0, 3), [20, 20, 20], "without dedup every copy stays");
});
