// PieceCache against a Map<string, ids> doing the same gets and sets: random spans of a text with repeats, growth
// past the first table, clearing when full, and clear() between. Not here: the encoder that uses it (bpe.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { PieceCache } from "./piece-cache.js";

test("PieceCache: same answers as a Map of span text → ids, across growth, full-cache clears and clear()", () => {
  const rng = new Rng(17);
  const alphabet = "abcあい漢字 \u{20000}";
  let text = "";
  for (let i = 0; i < 20000; i++) text += alphabet[rng.int(alphabet.length)];
  for (const maxEntries of [5, 3000, 65536]) {
    const cache = new PieceCache(maxEntries);
    let want = new Map<string, number[]>();
    for (let op = 0; op < 40000; op++) {
      if (op % 15000 === 14999) {
        cache.clear();
        want = new Map();
      }
      const s = rng.int(text.length - 30);
      const e = s + 1 + rng.int(rng.int(3) === 0 ? 24 : 3);
      const key = text.slice(s, e);
      const hit = cache.get(text, s, e);
      const expected = want.get(key);
      if (expected === undefined) {
        assert.equal(hit, -1, `${JSON.stringify(key)} should miss`);
        const ids = Int32Array.from({ length: 1 + rng.int(72) }, () => rng.int(200000));
        if (want.size >= maxEntries) want = new Map(); // the cache clears itself when full
        cache.set(text, s, e, ids, 0, ids.length);
        want.set(key, [...ids]);
        assert.equal(cache.size, want.size);
      } else {
        assert.ok(hit >= 0, `${JSON.stringify(key)} should hit`);
        assert.deepEqual([...cache.ids.subarray(hit >>> 7, (hit >>> 7) + (hit & 127))], expected);
      }
    }
  }
});
