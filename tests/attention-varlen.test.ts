// Attention over sequences of different lengths in one call (AttentionArgs seqLens and kvRows: batched decoding over
// a pooled KV cache): on the native backend each batch row is bitwise the call for that row alone (b = 1,
// s = seqLens[b], its slot's k and v), which is what makes one attention call per decode step bitwise decoding one
// sequence at a time; for 1 and 2 threads, rows long enough to split their key range (S ≥ 512), windows and
// soft-capping; both backends within rounding of each other; and the errors for bad lengths or slots.
// Not here: the same ops against the ref backend case by case (engine conformance, attention cases), the decode
// that calls it (tests/batch-decode-bitwise.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadAddon } from "../src/engine/backends/native/index.js";
import { loadBackend } from "../src/engine/backend.js";
import type { AttentionArgs } from "../src/engine/ops.js";
import { Rng } from "../src/util/rng.js";

const addon = loadAddon();

interface Spec {
  readonly h: number;
  readonly hKv: number;
  readonly d: number;
  readonly cap: number;
  readonly lens: readonly number[];
  readonly rows: readonly number[];
  readonly window?: number;
  readonly softcap?: number;
}
const SPECS: readonly Spec[] = [
  { h: 8, hKv: 4, d: 32, cap: 140, lens: [8, 70, 140, 1, 99, 33], rows: [4, 0, 5, 2, 1, 3] },
  { h: 8, hKv: 8, d: 64, cap: 64, lens: [64, 5, 17], rows: [2, 0, 1], window: 16 },
  { h: 4, hKv: 2, d: 16, cap: 1100, lens: [1100, 600, 513, 40], rows: [1, 3, 0, 2], softcap: 20 },
];

function inputs(sp: Spec, rng: Rng): AttentionArgs {
  const B = sp.lens.length, kv = sp.hKv * sp.d, slots = Math.max(...sp.rows) + 1;
  const f = (n: number): Float32Array => rng.fillUniform(new Float32Array(n));
  return {
    q: f(B * sp.h * sp.d), k: f(slots * sp.cap * kv), v: f(slots * sp.cap * kv), b: B, t: 1, s: sp.cap, h: sp.h, hKv: sp.hKv, d: sp.d,
    kvBatchStride: sp.cap * kv, causal: true, scale: 1 / Math.sqrt(sp.d), out: new Float32Array(B * sp.h * sp.d), lse: new Float32Array(B * sp.h),
    window: sp.window ?? 0, softcap: sp.softcap ?? 0, seqLens: Int32Array.from(sp.lens), kvRows: Int32Array.from(sp.rows),
  };
}

for (const threads of [1, 2]) {
  test(`native attention, ${threads} thread(s): each row of a seqLens/kvRows call is bitwise that row's own call`, (t) => {
    if (!addon.ok) return t.skip(`native addon unavailable: ${addon.reason}`);
    const native = loadBackend({ kind: "native", threads }), ref = loadBackend({ kind: "ref" });
    const rng = new Rng(5);
    for (const sp of SPECS) {
      const a = inputs(sp, rng), HD = sp.h * sp.d, kv = sp.hKv * sp.d;
      native.attention(a);
      const want = { out: new Float32Array(a.out.length), lse: new Float32Array(a.lse.length) };
      ref.attention({ ...a, out: want.out, lse: want.lse });
      let worst = 0;
      for (let i = 0; i < a.out.length; i++) worst = Math.max(worst, Math.abs(a.out[i]! - want.out[i]!));
      assert.ok(worst < 2e-6, `${JSON.stringify(sp.lens)}: native vs ref ${worst}`);
      sp.lens.forEach((S, b) => {
        const slot = sp.rows[b]! * sp.cap * kv;
        const out = new Float32Array(HD), lse = new Float32Array(sp.h);
        native.attention({
          q: a.q.subarray(b * HD, (b + 1) * HD), k: a.k.subarray(slot, slot + S * kv), v: a.v.subarray(slot, slot + S * kv), b: 1, t: 1, s: S,
          h: sp.h, hKv: sp.hKv, d: sp.d, kvBatchStride: S * kv, causal: true, scale: a.scale, out, lse, window: a.window, softcap: a.softcap,
        });
        assert.deepEqual(a.out.subarray(b * HD, (b + 1) * HD), out, `row ${b} (S = ${S}) out`);
        assert.deepEqual(a.lse.subarray(b * sp.h, (b + 1) * sp.h), lse, `row ${b} (S = ${S}) lse`);
      });
    }
  });
}

test("attention: seqLens and kvRows are checked (both backends)", (t) => {
  const backends = [loadBackend({ kind: "ref" })];
  if (addon.ok) backends.push(loadBackend({ kind: "native", threads: 1 }));
  else t.diagnostic(`native addon unavailable: ${addon.reason}`);
  const sp = SPECS[0]!;
  for (const be of backends) {
    const a = inputs(sp, new Rng(1));
    assert.throws(() => be.attention({ ...a, seqLens: Int32Array.from([8, 70, 141, 1, 99, 33]) }), /seqLens\[2\]=141 must lie in \[1, s=140\]/);
    assert.throws(() => be.attention({ ...a, seqLens: Int32Array.from([8, 0, 1, 1, 1, 1]) }), /seqLens\[1\]=0 must lie in \[1, s=140\]/);
    assert.throws(() => be.attention({ ...a, kvRows: Int32Array.from([4, 0, 6, 2, 1, 3]) }), /kvRows\[2\]=6: its slot ends past k\/v/);
    assert.throws(() => be.attention({ ...a, kvRows: Int32Array.from([-1, 0, 5, 2, 1, 3]) }), /kvRows\[0\]=-1/);
    assert.throws(() => be.attention({ ...a, seqLens: Int32Array.from([1, 2]) }), /seqLens has 2 elements, expected at least 6/);
    assert.throws(() => be.attention({ ...a, segments: new Int32Array(6 * 140) }), /seqLens and kvRows do not combine with segments/);
  }
});
