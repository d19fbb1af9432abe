// Document-masked attention (AttentionArgs.segments) against independent constructions, on ref and native: a packed
// row equals attention run separately on each document (out, lse, dq, dk, dv), ids that are not runs equal the
// gathered same-id subsequence, null equals absent bit for bit. Not here: native vs ref (conformanceCasesNn.ts) or
// finite differences (kernelGradcheck.test.ts).

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import type { AttentionArgs, Backend } from "./ops.js";
import { testBackends } from "./testBackends.js";

const backends = testBackends;

/** max |a − b| / max(1, max |b|); lse −inf equal to −inf counts as 0. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

interface Geo { b: number; t: number; s: number; h: number; hKv: number; d: number; causal: boolean; window?: number; softcap?: number }
interface Result { out: Float32Array; lse: Float32Array; dq: Float32Array; dk: Float32Array; dv: Float32Array }

/** Forward then backward (gradients from zero) of contiguous (B, T, H, D) q and (B, S, Hkv, D) k, v. */
function run(be: Backend, g: Geo, q: Float32Array, k: Float32Array, v: Float32Array, dOut: Float32Array, segments?: Int32Array | null): Result {
  const args: AttentionArgs = {
    b: g.b, t: g.t, s: g.s, h: g.h, hKv: g.hKv, d: g.d, kvBatchStride: g.s * g.hKv * g.d, causal: g.causal, scale: 1 / Math.sqrt(g.d),
    q, k, v, out: new Float32Array(q.length), lse: new Float32Array(g.b * g.h * g.t),
    ...(g.window === undefined ? {} : { window: g.window }), ...(g.softcap === undefined ? {} : { softcap: g.softcap }),
    ...(segments === undefined ? {} : { segments }),
  };
  be.attention(args);
  const dq = new Float32Array(q.length);
  const dk = new Float32Array(k.length);
  const dv = new Float32Array(v.length);
  be.attentionBackward({ ...args, dOut, dq, dk, dv });
  return { out: args.out, lse: args.lse, dq, dk, dv };
}

interface PackCase { name: string; geo: Geo; docs: readonly (readonly number[])[] }

for (const tb of backends()) {
  describe(`document-masked attention (${tb.name} backend)`, () => {
    const be = tb.backend;
    if (be === null) {
      it("is skipped", (t: TestContext) => t.skip(tb.why));
      return;
    }
    const rng = new Rng(23);
    const normal = (n: number): Float32Array => rng.fillNormal(new Float32Array(n));

    const cases: PackCase[] = [
      { name: "3 documents, GQA", geo: { b: 1, t: 12, s: 12, h: 4, hKv: 2, d: 8, causal: true }, docs: [[5, 1, 6]] },
      { name: "8 documents of 16 in 128, two rows packed differently", geo: { b: 2, t: 128, s: 128, h: 2, hKv: 1, d: 16, causal: true }, docs: [new Array<number>(8).fill(16), [64, 1, 1, 62]] },
      { name: "boundaries inside and on the edges of 64-key tiles", geo: { b: 1, t: 200, s: 200, h: 2, hKv: 2, d: 8, causal: true }, docs: [[64, 37, 27, 1, 71]] },
      { name: "window and softcap", geo: { b: 1, t: 150, s: 150, h: 4, hKv: 1, d: 8, causal: true, window: 30, softcap: 2 }, docs: [[90, 1, 59]] },
      { name: "not causal", geo: { b: 1, t: 100, s: 100, h: 2, hKv: 1, d: 8, causal: false }, docs: [[33, 66, 1]] },
      { name: "decoding T=3 < S, queries in two documents", geo: { b: 1, t: 3, s: 300, h: 8, hKv: 2, d: 16, causal: true }, docs: [[150, 148, 2]] },
      { name: "chunked prefill T=70 < S", geo: { b: 1, t: 70, s: 170, h: 2, hKv: 2, d: 8, causal: true }, docs: [[120, 20, 30]] },
    ];
    for (const c of cases) {
      it(`a packed row equals each document alone: ${c.name} (out, lse, dq, dk, dv within 1e-6)`, () => {
        const g = c.geo;
        const { h, hKv, d } = g;
        const q = normal(g.b * g.t * h * d);
        const k = normal(g.b * g.s * hKv * d);
        const v = normal(k.length);
        const dOut = normal(q.length);
        const ids = new Int32Array(g.b * g.s);
        c.docs.forEach((row, bi) => {
          let j = 0;
          row.forEach((n, i) => ids.fill(100 * bi + 7 * i, bi * g.s + j, bi * g.s + (j += n)));
          assert.equal(j, g.s);
        });
        const packed = run(be, g, q, k, v, dOut, ids);
        // Each document [j0, j1) of row b alone: its keys, and the queries among the last T positions that fall in it.
        const want: Result = { out: new Float32Array(q.length), lse: new Float32Array(packed.lse.length), dq: new Float32Array(q.length), dk: new Float32Array(k.length), dv: new Float32Array(k.length) };
        c.docs.forEach((row, bi) => {
          let j0 = 0;
          for (const n of row) {
            const j1 = j0 + n;
            const first = Math.max(j0, g.s - g.t); // first query position inside the document
            const tq = j1 - first;
            if (tq > 0) {
              const t0 = first - (g.s - g.t); // its query index
              const qs = (x: Float32Array): Float32Array => x.slice((bi * g.t + t0) * h * d, (bi * g.t + t0 + tq) * h * d);
              const ks = (x: Float32Array): Float32Array => x.slice((bi * g.s + j0) * hKv * d, (bi * g.s + j1) * hKv * d);
              const alone = run(be, { ...g, b: 1, t: tq, s: n }, qs(q), ks(k), ks(v), qs(dOut));
              want.out.set(alone.out, (bi * g.t + t0) * h * d);
              want.dq.set(alone.dq, (bi * g.t + t0) * h * d);
              want.dk.set(alone.dk, (bi * g.s + j0) * hKv * d);
              want.dv.set(alone.dv, (bi * g.s + j0) * hKv * d);
              for (let hi = 0; hi < h; hi++) want.lse.set(alone.lse.subarray(hi * tq, (hi + 1) * tq), (bi * h + hi) * g.t + t0);
            }
            j0 = j1;
          }
        });
        for (const key of ["out", "lse", "dq", "dk", "dv"] as const) {
          const err = relDiff(packed[key], want[key]);
          assert.ok(err <= 1e-6, `${key}: error ${err.toExponential(2)}`);
        }
        // and the mask matters: plain causal attention over the packed row differs
        const plain = run(be, g, q, k, v, dOut);
        assert.ok(relDiff(plain.out, want.out) > 1e-2, "segments changed nothing");
      });
    }

    it("ids that are not runs (A B A …): each query attends to the gathered subsequence of its id", () => {
      const g: Geo = { b: 1, t: 140, s: 140, h: 2, hKv: 1, d: 8, causal: true };
      const { h, hKv, d } = g;
      const ids = Int32Array.from({ length: g.s }, () => rng.int(3));
      const q = normal(g.t * h * d);
      const k = normal(g.s * hKv * d);
      const v = normal(k.length);
      const dOut = normal(q.length);
      const packed = run(be, g, q, k, v, dOut, ids);
      for (let id = 0; id < 3; id++) {
        const at = Array.from(ids.keys()).filter((j) => ids[j] === id);
        const gather = (x: Float32Array, w: number): Float32Array => {
          const y = new Float32Array(at.length * w);
          at.forEach((j, n) => y.set(x.subarray(j * w, (j + 1) * w), n * w));
          return y;
        };
        const alone = run(be, { ...g, t: at.length, s: at.length }, gather(q, h * d), gather(k, hKv * d), gather(v, hKv * d), gather(dOut, h * d));
        for (const [key, w] of [["out", h * d], ["dq", h * d], ["dk", hKv * d], ["dv", hKv * d]] as const) {
          const err = relDiff(gather(packed[key], w), alone[key]);
          assert.ok(err <= 1e-6, `id ${id} ${key}: error ${err.toExponential(2)}`);
        }
        for (let hi = 0; hi < h; hi++) {
          const got = Float32Array.from(at, (j) => packed.lse[hi * g.t + j]);
          const err = relDiff(got, alone.lse.subarray(hi * at.length, (hi + 1) * at.length));
          assert.ok(err <= 1e-6, `id ${id} lse head ${hi}: error ${err.toExponential(2)}`);
        }
      }
    });

    it("segments null equals absent, and one document per row equals no segments, bit for bit", () => {
      for (const g of [
        { b: 2, t: 130, s: 130, h: 4, hKv: 2, d: 16, causal: true, window: 40 },
        { b: 1, t: 2, s: 700, h: 4, hKv: 1, d: 8, causal: true, softcap: 3 },
      ] satisfies Geo[]) {
        const q = normal(g.b * g.t * g.h * g.d);
        const k = normal(g.b * g.s * g.hKv * g.d);
        const v = normal(k.length);
        const dOut = normal(q.length);
        const absent = run(be, g, q, k, v, dOut);
        const nulled = run(be, g, q, k, v, dOut, null);
        const single = run(be, g, q, k, v, dOut, new Int32Array(g.b * g.s).fill(5));
        for (const key of ["out", "lse", "dq", "dk", "dv"] as const) {
          assert.deepEqual(nulled[key], absent[key], `null ${key}`);
          assert.deepEqual(single[key], absent[key], `single document ${key}`);
        }
      }
    });
  });
}
