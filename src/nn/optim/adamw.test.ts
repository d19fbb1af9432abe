// AdamW against a hand-computed update (scalar formulas in double), per-group weight decay, state export and
// import (resume gives identical weights), config validation, and a loss that goes down.
// Not here: the kernel's agreement across backends (engine conformance suite).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../util/rng.js";
import { KotodamaError, ShapeError } from "../../util/errors.js";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { withValidation } from "../../engine/validate.js";
import { Graph } from "../../tensor/tensor.js";
import * as T from "../../tensor/index.js";
import { AdamW } from "./adamw.js";

const newGraph = (): Graph => new Graph(withValidation(createRefBackend()));

describe("AdamW", () => {
  it("matches a hand-computed two-step update", () => {
    const g = newGraph();
    const p = g.parameter(Float32Array.from([1, -2, 0.5]), [3], "w");
    const opt = new AdamW([p], { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
    const grads = [[0.5, -0.1, 0], [-0.2, 0.3, 0.4]];
    // Independent scalar reference, in double: PyTorch's AdamW written out.
    const ref = [1, -2, 0.5];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((gr, s) => {
      const step = s + 1;
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i] + 0.1 * gr[i];
        v[i] = 0.99 * v[i] + 0.01 * gr[i] * gr[i];
        const mh = m[i] / (1 - 0.9 ** step);
        const vh = v[i] / (1 - 0.99 ** step);
        ref[i] = ref[i] * (1 - 0.1 * 0.1) - 0.1 * (mh / (Math.sqrt(vh) + 1e-8));
      }
      p.zeroGrad();
      g.backward(T.sum(T.mul(p, g.tensor(gr, [3])))); // d/dp Σ p·gr = gr
      assert.deepEqual(Array.from(p.grad ?? []), gr.map(Math.fround));
      opt.step();
    });
    // After step 1 the Adam part is exactly sign(g) (0 where g = 0): p = p(1 − lr·wd) − lr·sign(g).
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(p.data[i] - ref[i]) < 1e-6, `param ${i}: ${p.data[i]} vs ${ref[i]}`);
    assert.equal(opt.stepCount, 2);
  });

  it("applies weight decay per group only", () => {
    const g = newGraph();
    const w = g.parameter(Float32Array.from([2, -4]), [2], "w");
    const b = g.parameter(Float32Array.from([2, -4]), [2], "b");
    const opt = new AdamW([{ params: [w] }, { params: [b], weightDecay: 0 }], { lr: 0.5, weightDecay: 0.1 });
    g.backward(T.sum(T.scale(T.add(w, b), 0))); // zero gradients: only decay moves the weights
    opt.step();
    assert.deepEqual(Array.from(w.data), [2 * (1 - 0.05), -4 * (1 - 0.05)].map(Math.fround));
    assert.deepEqual(Array.from(b.data), [2, -4]);
  });

  it("resumes bit-exactly from exported state", () => {
    const make = (): { g: Graph; w: ReturnType<Graph["parameter"]>; x: Float32Array; y: Float32Array } => {
      const g = newGraph();
      const rng = new Rng(3);
      const w = g.parameter(rng.fillNormal(new Float32Array(12)), [3, 4], "w");
      return { g, w, x: rng.fillNormal(new Float32Array(20)), y: rng.fillNormal(new Float32Array(15)) };
    };
    const train = (s: ReturnType<typeof make>, opt: AdamW, steps: number): void => {
      for (let i = 0; i < steps; i++) {
        opt.zeroGrad();
        s.g.scope(() => {
          const pred = T.linear(s.g.tensor(s.x, [5, 4]), s.w);
          s.g.backward(T.mean(T.square(T.sub(pred, s.g.tensor(s.y, [5, 3])))));
        });
        opt.step(0.05);
      }
    };
    const a = make();
    const optA = new AdamW([a.w], { lr: 0.05 });
    train(a, optA, 3);
    const saved = optA.exportState();
    const copy = { step: saved.step, m: saved.m.map((x) => x.slice()), v: saved.v.map((x) => x.slice()) };
    const b = make();
    b.w.data.set(a.w.data);
    const optB = new AdamW([b.w], { lr: 0.05 });
    optB.importState(copy);
    train(a, optA, 2);
    train(b, optB, 2);
    assert.deepEqual(Array.from(b.w.data), Array.from(a.w.data));
    assert.equal(optB.stepCount, 5);
    assert.throws(() => optB.importState({ step: 1, m: [new Float32Array(3)], v: [new Float32Array(12)] }), ShapeError);
  });

  it("rejects unknown options and bad values", () => {
    const g = newGraph();
    const w = g.parameter(new Float32Array(2), [2]);
    assert.throws(() => new AdamW([w], { lr: 0.1, wieghtDecay: 0.1 } as unknown as { lr: number }), /unknown option "wieghtDecay"/);
    assert.throws(() => new AdamW([w], { lr: 0.1, beta2: 1 }), KotodamaError);
    assert.throws(() => new AdamW([w, w], { lr: 0.1 }), /appears twice/);
    assert.throws(() => new AdamW([g.zeros([2])], { lr: 0.1 }), /not a trainable leaf/);
  });

  it("drives a regression loss down", () => {
    const g = newGraph();
    const rng = new Rng(5);
    const w = g.parameter(rng.fillNormal(new Float32Array(8), 0, 0.1), [2, 4], "w");
    const bias = g.parameter(new Float32Array(2), [2], "b");
    const x = g.randn([16, 4], rng);
    const target = g.noGrad(() => T.linear(x, g.randn([2, 4], rng), g.tensor([0.5, -1], [2])));
    const opt = new AdamW([{ params: [w] }, { params: [bias], weightDecay: 0 }], { lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 150; i++) {
      opt.zeroGrad();
      losses.push(g.scope(() => {
        const loss = T.mean(T.square(T.sub(T.linear(x, w, bias), target)));
        g.backward(loss);
        return loss.item();
      }));
      opt.step();
    }
    assert.ok(losses[149] < 0.05 * losses[0], `loss ${losses[0]} → ${losses[149]}`);
  });
});
