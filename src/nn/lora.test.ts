// Tests of the LoRA module: forward against f64 loops (W·x + b + (α/r)·B·A·x), dropout masks reproduced from the same
// seeded stream and applied to the adapter path only, PEFT's initial distributions, and finite-difference gradients of
// the LoRA path with a frozen base that gets no gradient buffer, on every backend. Not here: attaching to a decoder
// (models/lora.test.ts), files, llama.cpp (tests/lora-llamacpp.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph, gradCheck } from "../tensor/index.js";
import { testBackends } from "../engine/testBackends.js";
import { Rng } from "../util/rng.js";
import { createLoraAdapter, loraForward, type LoraDropout } from "./lora.js";

const IN = 12, OUT = 10, R = 4, N = 6;

/** f64 reference of base + (α/r)·B·A·(mask ⊙ x); mask null = no dropout. */
function reference(x: Float32Array, w: Float32Array, bias: Float32Array, a: Float32Array, b: Float32Array, s: number, mask: Float64Array | null): Float64Array {
  const y = new Float64Array(N * OUT);
  for (let n = 0; n < N; n++) {
    const xd = Array.from({ length: IN }, (_, i) => x[n * IN + i]! * (mask === null ? 1 : mask[n * IN + i]!));
    const ax = Array.from({ length: R }, (_, r) => xd.reduce((acc, v, i) => acc + a[r * IN + i]! * v, 0));
    for (let o = 0; o < OUT; o++) {
      let base = bias[o]!;
      for (let i = 0; i < IN; i++) base += w[o * IN + i]! * x[n * IN + i]!;
      let d = 0;
      for (let r = 0; r < R; r++) d += b[o * R + r]! * ax[r]!;
      y[n * OUT + o] = base + s * d;
    }
  }
  return y;
}

function setup(g: Graph, dropout: LoraDropout) {
  const rng = new Rng(5);
  const w = g.tensor(rng.fillNormal(new Float32Array(OUT * IN), 0, 0.3), [OUT, IN]);
  const bias = g.tensor(rng.fillNormal(new Float32Array(OUT), 0, 0.1), [OUT]);
  const x = g.tensor(rng.fillNormal(new Float32Array(N * IN)), [N, IN], { requiresGrad: true });
  const ad = createLoraAdapter(g, rng, IN, OUT, { name: "m.q_proj.weight", rank: R, alpha: 6, init: "kaiming-uniform", dropout });
  return { rng, w, bias, x, ad };
}

for (const tb of testBackends()) {
  test(`lora [${tb.name}]: forward equals W·x + b + (α/r)·B·A·x in f64; a fresh adapter (B = 0) changes nothing`, (t) => {
    if (tb.backend === null) return t.skip(tb.why);
    const g = new Graph(tb.backend);
    const { rng, w, bias, x, ad } = setup(g, { p: 0, rng: null });
    assert.equal(ad.scale, 6 / R);
    assert.equal(ad.a.name, "m.q_proj.lora_A.weight");
    const fresh = g.noGrad(() => loraForward(w, bias, ad, x)).data;
    const plain = reference(x.data, w.data, bias.data, ad.a.data, ad.b.data, 0, null);
    fresh.forEach((v, i) => assert.ok(Math.abs(v - plain[i]!) < 1e-5, `fresh adapter: ${v} vs ${plain[i]}`));
    rng.fillNormal(ad.b.data, 0, 0.5);
    const y = g.noGrad(() => loraForward(w, bias, ad, x)).data;
    const want = reference(x.data, w.data, bias.data, ad.a.data, ad.b.data, ad.scale, null);
    let moved = 0;
    y.forEach((v, i) => {
      assert.ok(Math.abs(v - want[i]!) < 1e-5, `${i}: ${v} vs ${want[i]}`);
      moved = Math.max(moved, Math.abs(v - plain[i]!));
    });
    assert.ok(moved > 0.1, `the update must move the output (moved ${moved})`);
  });

  test(`lora [${tb.name}]: dropout masks the adapter input only (mask from the same seeded stream), off when rng is null`, (t) => {
    if (tb.backend === null) return t.skip(tb.why);
    const g = new Graph(tb.backend);
    const dropout: LoraDropout = { p: 0.4, rng: null };
    const { rng, w, bias, x, ad } = setup(g, dropout);
    rng.fillNormal(ad.b.data, 0, 0.5);
    const evalY = g.noGrad(() => loraForward(w, bias, ad, x)).data.slice();
    dropout.rng = new Rng(99);
    const y = g.noGrad(() => loraForward(w, bias, ad, x)).data;
    // The mask torch.nn.Dropout would draw: u < p → 0, else 1/(1 − p), u from the same stream.
    const u = new Rng(99).fillUniform(new Float32Array(N * IN), 0, 1);
    const mask = Float64Array.from(u, (v) => (v < 0.4 ? 0 : 1 / 0.6));
    const want = reference(x.data, w.data, bias.data, ad.a.data, ad.b.data, ad.scale, mask);
    y.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `${i}: ${v} vs ${want[i]}`));
    assert.ok(y.some((v, i) => Math.abs(v - evalY[i]!) > 1e-3), "dropout changed nothing");
    dropout.rng = null;
    assert.deepEqual(g.noGrad(() => loraForward(w, bias, ad, x)).data, evalY, "eval (rng null) is deterministic and dropout-free");
  });

  test(`lora [${tb.name}]: finite-difference gradients of x, A and B; the frozen W and b get no gradient buffer`, (t) => {
    if (tb.backend === null) return t.skip(tb.why);
    const g = new Graph(tb.backend);
    const { rng, w, bias, x, ad } = setup(g, { p: 0, rng: null });
    rng.fillNormal(ad.b.data, 0, 0.5);
    const r = gradCheck(g, () => loraForward(w, bias, ad, x), [x, ad.a, ad.b], { h: 1e-2, tol: 1e-2 });
    assert.ok(r.ok, `worst relative error ${r.worst} (${JSON.stringify(r.inputs)})`);
    assert.equal(w.grad, null, "frozen weight has no gradient");
    assert.equal(bias.grad, null, "frozen bias has no gradient");
    assert.equal(w._grad, null, "no gradient buffer was allocated for the frozen weight");
  });
}

test("lora: PEFT's initial distributions: A ~ U(±1/√in) (kaiming_uniform_, a=√5) or N(0, 1/r); B = 0", () => {
  const g = new Graph(testBackends()[0]!.backend!);
  const drop = { p: 0, rng: null };
  const ku = createLoraAdapter(g, new Rng(1), 400, 3, { name: "x.weight", rank: 16, alpha: 16, init: "kaiming-uniform", dropout: drop });
  const bound = 1 / Math.sqrt(400);
  const a = ku.a.data;
  assert.ok(a.every((v) => Math.abs(v) <= bound), "inside the bound");
  const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(std - bound / Math.sqrt(3)) < 0.05 * bound, `uniform std ${std} vs ${bound / Math.sqrt(3)}`);
  assert.ok(ku.b.data.every((v) => v === 0));
  const gs = createLoraAdapter(g, new Rng(1), 400, 3, { name: "x.weight", rank: 16, alpha: 16, init: "gaussian", dropout: drop });
  const s2 = Math.sqrt(gs.a.data.reduce((s, v) => s + v * v, 0) / gs.a.size);
  assert.ok(Math.abs(s2 - 1 / 16) < 0.05 / 16, `gaussian std ${s2} vs 1/r`);
});
