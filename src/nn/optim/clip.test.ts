// Global gradient-norm clipping: the norm equals a direct double-precision computation, gradients are scaled
// to maxNorm when above it and untouched otherwise. Not here: the optimizer (adamw.test.ts).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../util/rng.js";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { withValidation } from "../../engine/validate.js";
import { Graph, type Tensor } from "../../tensor/tensor.js";
import * as T from "../../tensor/index.js";
import { clipGradNorm, gradNorm } from "./clip.js";

function setup(): { params: Tensor[]; direct: () => number } {
  const g = new Graph(withValidation(createRefBackend()));
  const rng = new Rng(11);
  const a = g.parameter(rng.fillNormal(new Float32Array(6)), [2, 3], "a");
  const b = g.parameter(rng.fillNormal(new Float32Array(3)), [3], "b");
  const unused = g.parameter(new Float32Array(4), [4], "unused");
  const x = g.randn([5, 3], rng);
  g.backward(T.sum(T.square(T.add(T.linear(x, a), T.reshape(T.sum(b), [1])))));
  const params = [a, b, unused];
  const direct = (): number => {
    let s = 0;
    for (const p of params) for (const v of p.grad ?? []) s += v * v;
    return Math.sqrt(s);
  };
  return { params, direct };
}

describe("clipGradNorm", () => {
  it("returns the global norm and scales gradients down to maxNorm", () => {
    const { params, direct } = setup();
    const before = direct();
    assert.ok(before > 1);
    assert.ok(Math.abs(gradNorm(params) - before) <= 1e-9 * before);
    const ratios = params[0].grad?.slice();
    const norm = clipGradNorm(params, 1);
    assert.ok(Math.abs(norm - before) <= 1e-9 * before);
    assert.ok(Math.abs(direct() - 1) < 1e-5, `norm after clipping ${direct()}`);
    const scale = 1 / (before + 1e-6);
    params[0].grad?.forEach((v, i) => assert.ok(Math.abs(v - (ratios?.[i] ?? 0) * scale) < 1e-6));
  });

  it("leaves gradients alone below maxNorm or when the norm is not finite", () => {
    const { params, direct } = setup();
    const before = params.map((p) => Float32Array.from(p.grad ?? []));
    assert.equal(clipGradNorm(params, direct() * 2), direct());
    params.forEach((p, i) => assert.deepEqual(Array.from(p.grad ?? []), Array.from(before[i])));
    (params[1].grad as Float32Array)[0] = Infinity;
    assert.equal(clipGradNorm(params, 1), Infinity);
    assert.equal((params[0].grad as Float32Array)[0], before[0][0]);
    assert.throws(() => clipGradNorm(params, 0), /maxNorm/);
  });
});
