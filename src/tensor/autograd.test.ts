// Autograd mechanics on the ref and native backends: accumulation, noGrad, zeroGrad, views, scopes and the buffer pool
// (no new buffers after warm-up), spent graphs, determinism, half conversion, and ShapeErrors.
// Not here: per-op gradient correctness (gradcheck.test.ts).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { KotodamaError, ShapeError } from "../util/errors.js";
import { f32ToBf16, f32ToF16 } from "../engine/dtype.js";
import { Graph, type Tensor } from "./tensor.js";
import { testBackends } from "../engine/testBackends.js";
import * as T from "./index.js";

/** A tiny model: embedding → layerNorm → linear(+bias) → gelu → attention → linear → cross-entropy. */
function tinyModel(g: Graph, seed: number) {
  const rng = new Rng(seed);
  const p = (shape: number[], std = 0.3): Tensor => {
    const t = g.randn(shape, rng, { std });
    return g.parameter(t.data, shape);
  };
  const params = { wte: p([11, 8]), ln: p([8]), lnb: p([8]), w1: p([8, 8]), b1: p([8]), w2: p([11, 8]) };
  const ids = Int32Array.from({ length: 12 }, () => rng.int(11));
  const targets = Int32Array.from({ length: 12 }, () => rng.int(11));
  targets[3] = -100;
  const loss = (): Tensor => {
    const x = T.embedding(params.wte, ids, [2, 6]); // (B, T, C)
    const h = T.gelu(T.linear(T.layerNorm(x, params.ln, params.lnb), params.w1, params.b1));
    const a = T.attention(T.reshape(h, [2, 6, 2, 4]), T.reshape(x, [2, 6, 2, 4]), T.reshape(h, [2, 6, 2, 4]), { causal: true });
    const logits = T.linear(T.add(x, T.reshape(a, [2, 6, 8])), params.w2); // (B, T, V)
    return T.crossEntropy(logits, targets);
  };
  return { params: Object.values(params), loss };
}

const gradsOf = (ps: readonly Tensor[]): Float32Array[] => ps.map((p) => Float32Array.from(p.grad ?? []));

for (const tb of testBackends()) {
  describe(`autograd (${tb.name} backend)`, () => {
    const backend = tb.backend;
    if (backend === null) {
      it("is skipped", (t) => t.skip(tb.why));
      return;
    }
    const newGraph = (): Graph => new Graph(backend);
    it("accumulates gradients across backward calls until zeroGrad, reusing the same buffers", () => {
      const g = newGraph();
      const m = tinyModel(g, 1);
      g.scope(() => g.backward(m.loss()));
      const once = gradsOf(m.params);
      const buffers = m.params.map((p) => p.grad);
      g.scope(() => g.backward(m.loss()));
      m.params.forEach((p, i) => {
        assert.equal(p.grad, buffers[i], "grad buffer is persistent");
        const gr = p.grad as Float32Array;
        for (let j = 0; j < gr.length; j++) assert.ok(Math.abs(gr[j] - 2 * once[i][j]) <= 1e-6 * (1 + Math.abs(gr[j])));
      });
      g.zeroGrad(m.params);
      m.params.forEach((p, i) => {
        assert.equal(p.grad, buffers[i]);
        assert.ok((p.grad as Float32Array).every((v) => v === 0));
      });
      g.scope(() => g.backward(m.loss()));
      assert.deepEqual(gradsOf(m.params), once);
      assert.ok(once.some((gr) => gr.some((v) => v !== 0)));
    });

    it("noGrad records nothing; backward then refuses", () => {
      const g = newGraph();
      const x = g.tensor([1, 2, 3], [3], { requiresGrad: true });
      const y = g.noGrad(() => T.sum(T.square(x)));
      assert.equal(y.requiresGrad, false);
      assert.equal(g.tapeLength(), 0);
      assert.equal(y.item(), 14);
      assert.throws(() => g.backward(y), KotodamaError);
      assert.equal(g.isGradEnabled(), true);
      const z = T.sum(T.square(x));
      assert.equal(g.tapeLength(), 2);
      g.backward(z);
      assert.deepEqual(Array.from(x.grad ?? []), [2, 4, 6]);
      assert.equal(g.tapeLength(), 0);
    });

    it("a spent graph cannot be back-propagated twice; unrelated pending ops survive a backward", () => {
      const g = newGraph();
      const x = g.tensor([1, 2], [2], { requiresGrad: true });
      const a = T.sum(T.exp(x));
      const b = T.sum(T.square(x));
      g.backward(a);
      assert.equal(g.tapeLength(), 2); // b's ops are still pending
      g.backward(b);
      assert.ok(Math.abs((x.grad as Float32Array)[1] - (Math.exp(2) + 4)) < 1e-5);
      const c = T.exp(x);
      const s = T.sum(c);
      g.backward(s);
      assert.throws(() => g.backward(T.sum(T.mul(c, c))), /already back-propagated/);
    });

    it("views share data and route gradients into their base", () => {
      const g = newGraph();
      const x = g.tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
      const v = T.reshape(x, [3, 2]);
      assert.equal(v.data.buffer, x.data.buffer);
      const row = T.narrow(x, 0, 1, 1);
      assert.deepEqual(row.toArray(), [4, 5, 6]);
      g.backward(T.add(T.sum(T.square(v)), T.sum(row)));
      assert.deepEqual(Array.from(x.grad ?? []), [2, 4, 6, 9, 11, 13]);
      assert.deepEqual(Array.from(row.grad ?? []), [9, 11, 13]);
      x.data[0] = 7;
      assert.equal(v.data[0], 7);
    });

    it("scopes release intermediates (access then throws) and keep returned tensors", () => {
      const g = newGraph();
      const x = g.tensor([1, 2, 3], [3]);
      const inner: Tensor[] = [];
      const kept = g.scope(() => {
        inner.push(T.exp(x));
        return T.scale(inner[0], 2);
      });
      assert.throws(() => inner[0].data, /released/);
      assert.ok(Math.abs(kept.data[1] - 2 * Math.exp(2)) < 1e-5);
      assert.equal(g.pool.stats().inUse, 0); // the kept buffer now belongs to the GC
      const nested = g.scope(() => {
        const a = g.scope(() => ({ y: T.neg(x) }));
        return T.add(a.y, x);
      });
      assert.deepEqual(nested.toArray(), [0, 0, 0]);
      assert.equal(g.pool.stats().inUse, 0);
      // ops recorded in a scope must be back-propagated in it: losing their gradients silently is an error
      const w = g.tensor([1, 2, 3], [3], { requiresGrad: true });
      assert.throws(() => g.scope(() => T.sum(T.mul(w, x)).item()), /2 recorded op\(s\) were not back-propagated/);
      assert.equal(g.tapeLength(), 0);
      assert.equal(g.noGrad(() => g.scope(() => T.sum(T.mul(w, x)).item())), 14);
      assert.equal(g.pool.stats().inUse, 0);
      // an exception inside a scope still releases everything
      assert.throws(() => g.scope(() => T.add(T.exp(x), g.zeros([4]))), ShapeError);
      assert.equal(g.pool.stats().inUse, 0);
    });

    it("a training step allocates no new buffers after warm-up", () => {
      const g = newGraph();
      const m = tinyModel(g, 2);
      const allocs: number[] = [];
      for (let step = 0; step < 6; step++) {
        g.zeroGrad(m.params);
        for (let micro = 0; micro < 2; micro++) {
          const lossValue = g.scope(() => {
            const loss = m.loss();
            g.backward(loss);
            return loss.item();
          });
          assert.ok(Number.isFinite(lossValue));
        }
        allocs.push(g.pool.stats().allocations);
        assert.equal(g.pool.stats().inUse, 0);
      }
      assert.ok(allocs[0] > 0);
      assert.equal(allocs[5], allocs[1], `pool allocations per step: ${allocs.join(", ")}`);
      if (process.env.KOTODAMA_GRADCHECK_LOG) console.log(`pool allocations after each step: ${allocs.join(", ")}`);
    });

    it("two graphs in one process (policy and reference model) do not interfere", () => {
      const policy = newGraph();
      const reference = newGraph();
      const p = policy.tensor([1, 2], [2], { requiresGrad: true });
      const r = reference.tensor([3, 4], [2], { requiresGrad: true });
      const lp = T.sum(T.square(p));
      reference.noGrad(() => {
        assert.equal(policy.isGradEnabled(), true);
        const lr = T.sum(T.square(r));
        assert.equal(lr.requiresGrad, false);
      });
      const lr2 = T.sum(T.exp(r));
      policy.backward(lp);
      assert.equal(reference.tapeLength(), 2);
      assert.equal(r.grad, null);
      reference.backward(lr2);
      assert.deepEqual(Array.from(p.grad ?? []), [2, 4]);
      const rg = reference.noGrad(() => r.grad);
      assert.ok(rg !== null && Math.abs(rg[0] - Math.exp(3)) < 1e-4);
      assert.throws(() => policy.backward(lr2), /another graph/);
    });

    it("is deterministic for a given seed", () => {
      const run = (): number[] => {
        const g = newGraph();
        const m = tinyModel(g, 7);
        const l = g.scope(() => {
          const loss = m.loss();
          g.backward(loss);
          return loss.item();
        });
        return [l, ...gradsOf(m.params).flatMap((a) => Array.from(a))];
      };
      assert.deepEqual(run(), run());
    });

    it("converts f16 and bf16 storage with the backend", () => {
      const g = newGraph();
      const vals = [0, 1, -2.5, 65504, 1e-7, 3.140625];
      const f16 = Uint16Array.from(vals.map(f32ToF16));
      const t = g.fromHalf("f16", f16, [2, 3]);
      assert.deepEqual(t.toArray(), [0, 1, -2.5, 65504, Math.fround(1.1920928955078125e-7), 3.140625]);
      assert.deepEqual(Array.from(g.toHalf(t, "f16")), Array.from(f16));
      const bf = Uint16Array.from(vals.map(f32ToBf16));
      const tb = g.fromHalf("bf16", bf, [6]);
      assert.equal(tb.data[2], -2.5);
      assert.deepEqual(Array.from(g.toHalf(tb, "bf16")), Array.from(bf));
      assert.throws(() => g.fromHalf("f16", f16, [7]), /fromHalf: 6 f16 values/);
    });

    it("rejects bad shapes with a ShapeError naming the op and the shapes", () => {
      const g = newGraph();
      const a = g.zeros([2, 3]);
      const b = g.zeros([4, 5]);
      const cases: [() => unknown, RegExp][] = [
        [() => T.matmul(a, b), /matmul: a \(2, 3\) and b \(4, 5\): inner dims 3 and 4/],
        [() => T.add(a, b), /add: shapes \(2, 3\) and \(4, 5\) do not broadcast/],
        [() => T.linear(a, b), /linear: x \(2, 3\) .*weight \(4, 5\)/],
        [() => T.reshape(a, [4, 2]), /reshape: cannot reshape \(2, 3\)/],
        [() => T.embedding(b, Int32Array.from([0, 4])), /embedding: id 4 .* outside \[0, 4\)/],
        [() => T.crossEntropy(a, Int32Array.from([0, 3])), /crossEntropy: target 3 at row 1/],
        [() => T.crossEntropy(a, Int32Array.from([0])), /crossEntropy: 1 targets for 2 rows/],
        [() => T.attention(g.zeros([1, 2, 3, 4]), g.zeros([1, 2, 2, 4]), g.zeros([1, 2, 2, 4]), { causal: true }), /attention: q \(1, 2, 3, 4\).*H = 3 is not a multiple of Hkv = 2/],
        [() => T.rope(g.zeros([1, 2, 1, 6]), { positions: Int32Array.from([0, 1]), pairing: "half", theta: 1e4, rotaryDim: 3 }), /rope: rotaryDim 3/],
        [() => T.layerNorm(a, g.zeros([2]), null), /layerNorm: weight \(2\) must be \(3\)/],
        [() => T.swiglu(a, b), /swiglu: gate \(2, 3\) and up \(4, 5\)/],
        [() => T.concat([a, b], 0), /concat: \(4, 5\) does not match \(2, 3\)/],
        [() => T.permute(a, [0, 0]), /permute/],
        [() => g.tensor([1, 2, 3], [2, 2]), /tensor: 3 values do not fill shape \(2, 2\)/],
      ];
      for (const [f, re] of cases) assert.throws(f, (e: unknown) => e instanceof ShapeError && re.test(e.message), String(re));
      const other = newGraph();
      assert.throws(() => T.add(a, other.zeros([2, 3])), /add: inputs belong to different graphs/);
    });
  });
}
