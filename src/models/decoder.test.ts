// Tests of the decoder: logits equal an independent hand-composed forward (plain f64 loops over the same
// weights) for GPT-2 and Llama flags on every backend; finite-difference gradient check of a tiny decoder;
// HF weight names and parameter counts; clear errors for bad input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph, gradCheck } from "../tensor/index.js";
import { testBackends } from "../engine/testBackends.js";
import { Rng } from "../util/rng.js";
import { KotodamaError } from "../util/errors.js";
import { parameterCountOf, resolveModelConfig, headDim, type ModelConfig } from "./config.js";
import { decoderLogits, decoderLoss } from "./decoder.js";
import { initDecoderWeights, namedWeights, parameterCount, parameters, type DecoderWeights } from "./weights.js";
import type { LinearWeights, NormWeights } from "../nn/index.js";
import { f32Weight } from "../nn/index.js";

const GPT2_TEST = resolveModelConfig("tiny", { vocabSize: 23, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 4, hiddenDim: 64, context: 8 });
const LLAMA_TEST = resolveModelConfig("default", { vocabSize: 29, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 24, context: 8, tieEmbeddings: false });

// ---- the independent reference: f64 loops, no kotodama kernels ----------------------------------------------

type M = Float64Array;
const f64 = (t: { data: Float32Array }): M => Float64Array.from(t.data);

function refLinear(x: M, rows: number, l: LinearWeights): M {
  const [nOut, nIn] = l.weight.shape;
  const w = f64(f32Weight(l));
  const b = l.bias === null ? null : f64(l.bias);
  const y = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < nOut; o++) {
      let s = b === null ? 0 : b[o];
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i] * w[o * nIn + i];
      y[r * nOut + o] = s;
    }
  }
  return y;
}

function refNorm(x: M, rows: number, C: number, n: NormWeights): M {
  const w = f64(n.weight);
  const b = n.bias === null ? null : f64(n.bias);
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * C, (r + 1) * C);
    let mean = 0;
    if (n.kind === "layer") mean = row.reduce((a, v) => a + v, 0) / C;
    let v2 = 0;
    for (const v of row) v2 += (v - mean) ** 2;
    const rstd = 1 / Math.sqrt(v2 / C + n.eps);
    for (let i = 0; i < C; i++) y[r * C + i] = (row[i] - mean) * rstd * w[i] + (b === null ? 0 : b[i]);
  }
  return y;
}

function refRope(x: M, B: number, T: number, H: number, D: number, theta: number): void {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) {
    const o = ((b * T + t) * H + h) * D;
    for (let i = 0; i < D / 2; i++) {
      const a = t * theta ** ((-2 * i) / D);
      const [x0, x1] = [x[o + 2 * i], x[o + 2 * i + 1]];
      x[o + 2 * i] = x0 * Math.cos(a) - x1 * Math.sin(a);
      x[o + 2 * i + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
    }
  }
}

const gelu = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const silu = (v: number): number => v / (1 + Math.exp(-v));

function refLogits(c: ModelConfig, w: DecoderWeights, ids: Int32Array, B: number, T: number): M {
  const C = c.dim, H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), N = B * T;
  const emb = f64(w.tokEmb);
  const pos = w.posEmb === null ? null : f64(w.posEmb);
  let x = new Float64Array(N * C);
  for (let n = 0; n < N; n++) for (let i = 0; i < C; i++) x[n * C + i] = emb[ids[n] * C + i] + (pos === null ? 0 : pos[(n % T) * C + i]);
  for (const l of w.layers) {
    const h = refNorm(x, N, C, l.attnNorm);
    let q: M, k: M, v: M;
    if (l.attn.qkv.kind === "fused") {
      const all = refLinear(h, N, l.attn.qkv.qkv);
      const W = H * D + 2 * Hkv * D;
      q = new Float64Array(N * H * D); k = new Float64Array(N * Hkv * D); v = new Float64Array(N * Hkv * D);
      for (let n = 0; n < N; n++) {
        for (let i = 0; i < H * D; i++) q[n * H * D + i] = all[n * W + i];
        for (let i = 0; i < Hkv * D; i++) k[n * Hkv * D + i] = all[n * W + H * D + i];
        for (let i = 0; i < Hkv * D; i++) v[n * Hkv * D + i] = all[n * W + H * D + Hkv * D + i];
      }
    } else {
      q = refLinear(h, N, l.attn.qkv.q); k = refLinear(h, N, l.attn.qkv.k); v = refLinear(h, N, l.attn.qkv.v);
    }
    if (c.pos === "rope") {
      refRope(q, B, T, H, D, c.ropeTheta);
      refRope(k, B, T, Hkv, D, c.ropeTheta);
    }
    const y = new Float64Array(N * H * D);
    for (let b = 0; b < B; b++) for (let hh = 0; hh < H; hh++) {
      const kv = Math.floor((hh * Hkv) / H);
      for (let t = 0; t < T; t++) {
        const sc: number[] = [];
        for (let s = 0; s <= t; s++) {
          let d = 0;
          for (let i = 0; i < D; i++) d += q[((b * T + t) * H + hh) * D + i] * k[((b * T + s) * Hkv + kv) * D + i];
          sc.push(d / Math.sqrt(D));
        }
        const mx = Math.max(...sc);
        const e = sc.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b2) => a + b2, 0);
        for (let i = 0; i < D; i++) {
          let acc = 0;
          for (let s = 0; s <= t; s++) acc += (e[s] / z) * v[((b * T + s) * Hkv + kv) * D + i];
          y[((b * T + t) * H + hh) * D + i] = acc;
        }
      }
    }
    const a = refLinear(y, N, l.attn.o);
    x = x.map((val, i) => val + a[i]);
    const h2 = refNorm(x, N, C, l.mlpNorm);
    let mid: M;
    if (l.mlp.kind === "gelu") mid = refLinear(h2, N, l.mlp.up).map(gelu);
    else {
      const gte = refLinear(h2, N, l.mlp.gate);
      const up = refLinear(h2, N, l.mlp.up);
      mid = gte.map((gv, i) => silu(gv) * up[i]);
    }
    const m = refLinear(mid, N, l.mlp.down);
    x = x.map((val, i) => val + m[i]);
  }
  const hf = refNorm(x, N, C, w.finalNorm);
  return refLinear(hf, N, { weight: w.lmHead, bias: null });
}

/** Weights with non-trivial norms and biases (init leaves them at 1 and 0, which would hide bugs). */
function perturbedWeights(g: Graph, c: ModelConfig, seed: number): DecoderWeights {
  const rng = new Rng(seed);
  const w = initDecoderWeights(g, c, rng);
  for (const n of namedWeights(w)) {
    const d = n.tensor.data;
    for (let i = 0; i < d.length; i++) d[i] = n.decay ? rng.normal() * 0.3 : 1 + rng.normal() * 0.2 - (n.name.endsWith("bias") ? 1 : 0);
  }
  return w;
}

for (const { name, backend, why } of testBackends()) {
  for (const [family, c] of [["gpt2", GPT2_TEST], ["llama", LLAMA_TEST]] as const) {
    test(`decoder logits equal the hand-composed forward: ${family}, ${name}`, (t) => {
      if (backend === null) return t.skip(why);
      const g = new Graph(backend);
      const w = perturbedWeights(g, c, 7);
      const B = 2, T = 7;
      const rng = new Rng(3);
      const ids = Int32Array.from({ length: B * T }, () => rng.int(c.vocabSize));
      const got = g.noGrad(() => decoderLogits(c, w, ids, B, T)).data;
      const want = refLogits(c, w, ids, B, T);
      assert.equal(got.length, want.length);
      let worst = 0;
      let scaleMax = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(got[i] - want[i]));
        scaleMax = Math.max(scaleMax, Math.abs(want[i]));
      }
      assert.ok(scaleMax > 0.5, "logits are not trivially small");
      assert.ok(worst < 2e-4 * Math.max(1, scaleMax), `max |diff| ${worst} (logit scale ${scaleMax})`);
    });
  }
}

test("gradient check of a tiny decoder (both families, every parameter kind)", () => {
  const backend = testBackends()[0].backend;
  assert.ok(backend !== null);
  for (const base of [GPT2_TEST, LLAMA_TEST]) {
    const c = { ...base, nLayers: 1, dim: 8, nHeads: 2, nKvHeads: base === LLAMA_TEST ? 1 : 2, hiddenDim: 12, vocabSize: 11, context: 5 };
    const g = new Graph(backend);
    const w = perturbedWeights(g, c, 11);
    const B = 2, T = 5;
    const rng = new Rng(5);
    const ids = Int32Array.from({ length: B * T }, () => rng.int(c.vocabSize));
    const targets = Int32Array.from({ length: B * T }, () => rng.int(c.vocabSize));
    const res = gradCheck(g, () => decoderLoss(c, w, ids, targets, B, T), parameters(w), { h: 1e-2, tol: 2e-2, maxElements: 12 });
    assert.ok(res.ok, `${c.norm}/${c.pos}: worst relative error ${res.worst} (${JSON.stringify(res.inputs.filter((r) => r.relError > 2e-2))})`);
  }
});

test("gradient check with every family flag on (q/k/v biases, q/k norms, post-norms, GeGLU, embedding scale, soft-caps, a sliding window, RoPE factors, explicit head size)", () => {
  const backend = testBackends()[0].backend;
  assert.ok(backend !== null);
  const c: ModelConfig = {
    ...LLAMA_TEST, nLayers: 2, dim: 8, nHeads: 2, nKvHeads: 1, headSize: 6, hiddenDim: 12, vocabSize: 11, context: 6,
    ropePairing: "half", mlp: "geglu", qkvBias: true, qkNorm: true, postNorms: true, embedScale: true, attnSoftcap: 3,
    finalSoftcap: 4, slidingWindow: 3, swaPeriod: 2, ropeThetaLocal: 100, ropeScale: 2, tieEmbeddings: true,
  };
  const g = new Graph(backend);
  const w = perturbedWeights(g, c, 13);
  const B = 2, T = 6;
  const rng = new Rng(6);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(c.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(c.vocabSize));
  assert.ok(namedWeights(w).some((n) => n.name.endsWith("q_norm.weight")) && namedWeights(w).some((n) => n.name.endsWith("post_ffn_norm.weight")));
  assert.equal(parameterCount(w), parameterCountOf(c));
  const res = gradCheck(g, () => decoderLoss(c, w, ids, targets, B, T), parameters(w), { h: 1e-2, tol: 2e-2, maxElements: 12 });
  assert.ok(res.ok, `worst relative error ${res.worst} (${JSON.stringify(res.inputs.filter((r) => r.relError > 2e-2))})`);
});

test("weights carry the Hugging Face names of their family, and the parameter count matches the config", () => {
  const backend = testBackends()[0].backend;
  assert.ok(backend !== null);
  const g = new Graph(backend);
  const gpt = initDecoderWeights(g, GPT2_TEST, new Rng(1));
  const names = namedWeights(gpt).map((n) => n.name);
  assert.deepEqual(names.slice(0, 14), [
    "transformer.wte.weight", "transformer.wpe.weight",
    "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
    "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
    "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
    "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
    "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
    "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
  ]);
  assert.deepEqual(names.slice(-2), ["transformer.ln_f.weight", "transformer.ln_f.bias"]);
  assert.ok(namedWeights(gpt).filter((n) => n.hfTransposed).every((n) => /c_attn|c_proj|c_fc/.test(n.name)));
  const llama = initDecoderWeights(g, LLAMA_TEST, new Rng(1));
  const ln = namedWeights(llama).map((n) => n.name);
  assert.deepEqual(ln.slice(0, 10), [
    "model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
    "model.layers.0.self_attn.o_proj.weight", "model.layers.0.post_attention_layernorm.weight",
    "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight",
  ]);
  assert.deepEqual(ln.slice(-2), ["model.norm.weight", "lm_head.weight"]);
  assert.deepEqual(llama.layers[0].attn.qkv.kind === "split" ? llama.layers[0].attn.qkv.k.weight.shape : [], [8, 16]);
  for (const [c, w] of [[GPT2_TEST, gpt], [LLAMA_TEST, llama]] as const) assert.equal(parameterCount(w), parameterCountOf(c));
  // nanoGPT's shakespeare_char model (n_layer 4, n_head 4, n_embd 128, block 64, vocab 65, bias): 0.80M + wpe
  assert.equal(parameterCountOf(resolveModelConfig("tiny")), 809856);
});

test("standard init: N(0, 0.02) matrices, residual projections scaled by 1/sqrt(2L), norms one", () => {
  const backend = testBackends()[0].backend;
  assert.ok(backend !== null);
  const c = resolveModelConfig("tiny");
  const w = initDecoderWeights(new Graph(backend), c, new Rng(42));
  const std = (d: Float32Array): number => Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
  assert.ok(Math.abs(std(w.tokEmb.data) - 0.02) < 0.001);
  const l0 = w.layers[0];
  assert.ok(Math.abs(std(f32Weight(l0.attn.o).data) - 0.02 / Math.sqrt(8)) < 0.0005);
  assert.ok(Math.abs(std(f32Weight(l0.mlp.down).data) - 0.02 / Math.sqrt(8)) < 0.0005);
  assert.ok(l0.attnNorm.weight.data.every((v) => v === 1));
  assert.equal(w.lmHead, w.tokEmb, "tied head shares the embedding tensor");
});

test("bad input: sequences longer than the context and out-of-vocabulary ids are clear errors", () => {
  const backend = testBackends()[0].backend;
  assert.ok(backend !== null);
  const g = new Graph(backend);
  const w = initDecoderWeights(g, GPT2_TEST, new Rng(1));
  assert.throws(() => g.noGrad(() => decoderLogits(GPT2_TEST, w, new Int32Array(9), 1, 9)), (e: Error) => e instanceof KotodamaError && /exceeds the model's context 8/.test(e.message));
  assert.throws(() => g.noGrad(() => decoderLogits(GPT2_TEST, w, Int32Array.from([1, 2, 23]), 1, 3)), /outside the vocabulary \[0, 23\)/);
  assert.throws(() => resolveModelConfig("huge"), /unknown preset 'huge'/);
  assert.throws(() => resolveModelConfig("tiny", { dimm: 3 }), /unknown key 'dimm'/);
});
