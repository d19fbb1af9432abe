// Packed examples at the nn layer, on ref and native: packedPositions restarts at document starts, ropeForward with
// per-row positions equals rotating each row alone, and attentionForward over a packed batch (segments + packed
// positions) equals each document run alone — values, input gradients and weight gradients.
// Not here: the kernel-level property (engine/attentionSegments.test.ts) or the training decoder (models/, train/).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { ShapeError } from "../util/errors.js";
import { Graph, type Tensor } from "../tensor/index.js";
import { testBackends } from "../engine/testBackends.js";
import { attentionForward, type AttentionShape, type AttentionWeights } from "./attention.js";
import { createLinear, f32Weight } from "./linear.js";
import { packedPositions, positions, ropeForward, type RopeSettings } from "./rope.js";

/** max |a − b| / max(1, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

describe("packedPositions", () => {
  it("counts from 0 at each row start and wherever the id changes", () => {
    assert.deepEqual(packedPositions(Int32Array.from([0, 0, 0, 1, 1, 2]), 6), Int32Array.from([0, 1, 2, 0, 1, 0]));
    // rows restart even when the id carries on; a returning id (A B A) starts a new count
    assert.deepEqual(packedPositions(Int32Array.from([3, 3, 3, 3, 3, 7, 3, 3]), 4), Int32Array.from([0, 1, 2, 3, 0, 0, 0, 1]));
    assert.throws(() => packedPositions(new Int32Array(5), 2), ShapeError);
  });
});

for (const tb of testBackends()) {
  describe(`packed examples through nn (${tb.name} backend)`, () => {
    if (tb.backend === null) {
      it("is skipped", (t) => t.skip(tb.why));
      return;
    }
    const g = new Graph(tb.backend);
    const rng = new Rng(31);
    const rope: RopeSettings = { theta: 10000, pairing: "half" };

    it("ropeForward with B·T positions rotates each row at its own positions", () => {
      const [B, T, H, D] = [2, 5, 2, 8];
      const x = g.randn([B, T, H, D], rng);
      const pos = Int32Array.from([0, 1, 2, 0, 1, 4, 0, 1, 2, 3]);
      const both = ropeForward(x, pos, rope);
      for (let b = 0; b < B; b++) {
        const row = g.tensor(x.data.slice(b * T * H * D, (b + 1) * T * H * D), [1, T, H, D]);
        const alone = ropeForward(row, pos.slice(b * T, (b + 1) * T), rope);
        assert.ok(relDiff(both.data.subarray(b * T * H * D, (b + 1) * T * H * D), alone.data) < 1e-7, `row ${b}`);
      }
      assert.ok(relDiff(both.data, ropeForward(x, pos.slice(0, T), rope).data) > 1e-3, "per-row positions changed nothing");
    });

    it("attentionForward over a packed batch equals each document alone (values, dh, weight gradients)", () => {
      const [B, T, C] = [2, 40, 16];
      const shape: AttentionShape = { nHeads: 4, nKvHeads: 2, headDim: 4, window: 12 };
      const docs = [[9, 1, 30], [20, 20]];
      const lin = (out: number, name: string) => createLinear(g, rng, C, out, { name, bias: false, std: 0.3 });
      const w: AttentionWeights = {
        qkv: { kind: "split", q: lin(16, "q.weight"), k: lin(8, "k.weight"), v: lin(8, "v.weight") },
        o: createLinear(g, rng, 16, C, { name: "o.weight", bias: false, std: 0.3 }), qNorm: null, kNorm: null,
      };
      const params: Tensor[] = w.qkv.kind === "split" ? [w.qkv.q, w.qkv.k, w.qkv.v, w.o].map(f32Weight) : [];
      const ids = new Int32Array(B * T);
      docs.forEach((row, b) => {
        let j = 0;
        row.forEach((n, i) => ids.fill(i, b * T + j, b * T + (j += n))); // ids repeat across rows: rows stay apart
      });
      const hData = rng.fillNormal(new Float32Array(B * T * C));
      const r = rng.fillNormal(new Float32Array(B * T * C));
      const grads = (): Float32Array[] => params.map((p) => Float32Array.from(p.grad ?? new Float32Array(p.size)));

      params.forEach((p) => p.zeroGrad());
      const h = g.tensor(hData, [B, T, C], { requiresGrad: true });
      const packed = g.scope(() => {
        const y = attentionForward(w, h, shape, { settings: rope, pos: packedPositions(ids, T) }, ids);
        g.backward(y, r);
        return Float32Array.from(y.data);
      });
      const packedDh = Float32Array.from(h.grad ?? []);
      const packedGrads = grads();

      params.forEach((p) => p.zeroGrad()); // the separate runs accumulate into the same weight gradients
      const want = new Float32Array(B * T * C);
      const wantDh = new Float32Array(B * T * C);
      docs.forEach((row, b) => {
        let j0 = 0;
        for (const n of row) {
          const span = [(b * T + j0) * C, (b * T + j0 + n) * C] as const;
          const hd = g.tensor(hData.slice(...span), [1, n, C], { requiresGrad: true });
          g.scope(() => {
            const y = attentionForward(w, hd, shape, { settings: rope, pos: positions(n) });
            g.backward(y, r.slice(...span));
            want.set(y.data, span[0]);
          });
          wantDh.set(hd.grad ?? [], span[0]);
          j0 += n;
        }
      });
      assert.ok(relDiff(packed, want) < 1e-5, `out error ${relDiff(packed, want).toExponential(2)}`);
      assert.ok(relDiff(packedDh, wantDh) < 1e-5, `dh error ${relDiff(packedDh, wantDh).toExponential(2)}`);
      grads().forEach((gw, i) => assert.ok(relDiff(packedGrads[i], gw) < 1e-5, `weight ${i} gradient error ${relDiff(packedGrads[i], gw).toExponential(2)}`));
      // and without the masks the packed batch differs
      const unmasked = g.noGrad(() => Float32Array.from(attentionForward(w, h, shape, { settings: rope, pos: packedPositions(ids, T) }).data));
      assert.ok(relDiff(unmasked, want) > 1e-3, "segments changed nothing");
    });
  });
}
