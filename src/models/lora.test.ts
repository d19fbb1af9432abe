// Tests of LoRA on the decoder: targets chosen by module name (Llama and GPT-2 names), adapters the only trainable
// tensors and the frozen base without gradient buffers after a backward, the decoder with adapters equal to the merged
// decoder, config validation, and the PEFT folder (names, shapes, config keys; read back; the q/k lora_B rows in HF
// order, checked against the base exporter's own q/k permutation). Not here: llama.cpp (tests/lora-llamacpp.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readSafetensors, safetensorsEntries, tensorF32 } from "../formats/index.js";
import { Graph } from "../tensor/index.js";
import { testBackends } from "../engine/testBackends.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { resolveModelConfig, type ModelConfig } from "./config.js";
import { decoderLogits, decoderLoss } from "./decoder.js";
import { familyByName } from "./families/index.js";
import { attachLora, loraParameterCount, loraParameters, mergeLora, resolveLoraConfig, type LoraWeights } from "./lora.js";
import { splitStoredAdapter, storedAdapters } from "./lora-fuse.js";
import { PEFT_FILES, readPeftAdapter, writePeftAdapter } from "./lora-peft.js";
import { familyHfTensors } from "./save-family-hf.js";
import { initDecoderWeights, namedWeights, type DecoderWeights } from "./weights.js";

const LLAMA = resolveModelConfig("default", { vocabSize: 29, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 24, context: 8, tieEmbeddings: false });
const GPT2 = resolveModelConfig("tiny", { vocabSize: 23, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 4, hiddenDim: 64, context: 8 });
const ALL_LLAMA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

/** A decoder with adapters on `targets` and random non-zero B (a fresh B = 0 would make every check trivial). */
function adapted(g: Graph, c: ModelConfig, targets: readonly string[], seed = 3): LoraWeights & { base: DecoderWeights } {
  const rng = new Rng(seed);
  const w = initDecoderWeights(g, c, rng);
  for (const n of namedWeights(w)) if (n.tensor.ndim === 2) rng.fillNormal(n.tensor.data, 0, 0.3);
  const lw = attachLora(g, w, resolveLoraConfig({ rank: 4, alpha: 8, targets }, c.mlp === "gelu" ? "gpt2" : "llama"), { rng });
  for (const { adapter } of lw.adapters) rng.fillNormal(adapter.b.data, 0, 0.2);
  return { ...lw, base: w };
}

const ids = Int32Array.from([1, 5, 7, 2, 9, 11, 3, 4]);

test("lora: defaults and targets follow PEFT (q_proj, v_proj for Llama; c_attn for GPT-2); bad configs name the key", () => {
  const g = new Graph(testBackends()[0]!.backend!);
  const w = initDecoderWeights(g, LLAMA, new Rng(1));
  const lw = attachLora(g, w, resolveLoraConfig({}, "llama"), { rng: new Rng(2) });
  assert.deepEqual(lw.adapters.map((a) => a.name), ["model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight", "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.v_proj.weight"]);
  assert.equal(loraParameterCount(lw), 2 * (8 * 16 + 16 * 8) + 2 * (8 * 16 + 8 * 8)); // r 8: q (16 → 16), v (16 → 8)
  const gw = initDecoderWeights(g, GPT2, new Rng(1));
  const gl = attachLora(g, gw, resolveLoraConfig({ targets: ["c_proj"] }, "gpt2"), { rng: new Rng(2) });
  assert.deepEqual(gl.adapters.map((a) => a.name), ["transformer.h.0.attn.c_proj.weight", "transformer.h.0.mlp.c_proj.weight", "transformer.h.1.attn.c_proj.weight", "transformer.h.1.mlp.c_proj.weight"]);
  assert.throws(() => resolveLoraConfig({ rnak: 4 }, "llama"), (e: Error) => e instanceof KotodamaError && /unknown option "rnak"/.test(e.message));
  assert.throws(() => resolveLoraConfig({ targets: ["c_attn"] }, "llama"), /target "c_attn" is not a module/);
  assert.throws(() => resolveLoraConfig({ dropout: 1 }, "llama"), /dropout must be in \[0, 1\)/);
  assert.throws(() => resolveLoraConfig({ rank: 2.5 }, "llama"), /rank must be a positive integer/);
});

for (const tb of testBackends()) {
  for (const [label, c, targets] of [["llama", LLAMA, ALL_LLAMA], ["gpt2", GPT2, ["c_attn", "c_proj", "c_fc"]]] as const) {
    test(`lora [${tb.name}] ${label}: only adapters train; the frozen base gets no gradient buffer; adapter forward = merged forward`, (t) => {
      if (tb.backend === null) return t.skip(tb.why);
      const g = new Graph(tb.backend);
      const lw = adapted(g, c, targets);
      assert.equal(lw.adapters.length, c.nLayers * (label === "llama" ? 7 : 4));
      const params = loraParameters(lw);
      assert.equal(params.length, 2 * lw.adapters.length);
      g.scope(() => g.backward(decoderLoss(c, lw.weights, ids, ids, 1, 8)));
      for (const n of namedWeights(lw.weights)) {
        assert.equal(n.tensor.requiresGrad, false, `${n.name} frozen`);
        assert.equal(n.tensor._grad, null, `${n.name}: no gradient buffer`);
      }
      for (const p of params) assert.ok(p.grad !== null && p.grad.some((v) => v !== 0), `${p.name} has a gradient`);
      // merged model = adapters; and the adapters do move the logits
      const withAd = g.noGrad(() => decoderLogits(c, lw.weights, ids, 1, 8)).data;
      const merged = mergeLora(lw);
      const m = g.noGrad(() => decoderLogits(c, merged, ids, 1, 8)).data;
      const base = g.noGrad(() => decoderLogits(c, lw.base, ids, 1, 8)).data;
      let maxD = 0, maxMove = 0;
      for (let i = 0; i < m.length; i++) {
        maxD = Math.max(maxD, Math.abs(m[i]! - withAd[i]!));
        maxMove = Math.max(maxMove, Math.abs(base[i]! - withAd[i]!));
      }
      t.diagnostic(`${label}: max |adapter − merged| logit ${maxD.toExponential(2)}; adapters move logits by up to ${maxMove.toFixed(3)}`);
      assert.ok(maxD <= 1e-5, `merged differs by ${maxD}`);
      assert.ok(maxMove > 0.05, `adapters barely move the logits (${maxMove})`);
    });
  }
}

test("lora: PEFT folder: config keys, tensor names and shapes, read back equal; q/k lora_B rows in HF order", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-peft-"));
  try {
    const g = new Graph(testBackends()[0]!.backend!);
    // `llama` with adjacent-pair q/k rows (as loaded from GGUF): the file must hold HF's rotate-half order.
    const c: ModelConfig = { ...LLAMA, ropePairing: "adjacent" };
    const f = familyByName("llama")!;
    const lw = adapted(g, c, ALL_LLAMA);
    writePeftAdapter(dir, f, c, lw, "kotodama/test-base");
    const cfg = JSON.parse(readFileSync(join(dir, PEFT_FILES.config), "utf8")) as Record<string, unknown>;
    assert.deepEqual(
      { peft_type: cfg.peft_type, task_type: cfg.task_type, r: cfg.r, lora_alpha: cfg.lora_alpha, lora_dropout: cfg.lora_dropout, target_modules: cfg.target_modules, bias: cfg.bias, base: cfg.base_model_name_or_path },
      { peft_type: "LORA", task_type: "CAUSAL_LM", r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: [...ALL_LLAMA], bias: "none", base: "kotodama/test-base" },
    );
    const st = safetensorsEntries(readSafetensors(join(dir, PEFT_FILES.weights)));
    const byName = new Map(st.map((e) => [e.name, e]));
    const qa = byName.get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight");
    const kb = byName.get("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight");
    assert.deepEqual(qa?.shape, [4, 16]);
    assert.deepEqual(kb?.shape, [8, 4]);
    assert.equal(st.length, 2 * 7 * 2);
    // Independent check of the q/k row order: merge in kotodama, export the merged base with the HF exporter (which
    // permutes W's q/k rows), and compare with HF base + (α/r)·B_file·A_file computed here.
    const merged = mergeLora(lw);
    const tensorsOf = (w: typeof merged): Map<string, Float32Array> => new Map(namedWeights(w).map((n) => [n.name, n.tensor.data]));
    const hfMerged = new Map(familyHfTensors(f, c, tensorsOf(merged)).map((t) => [t.name, t]));
    const hfBase = new Map(familyHfTensors(f, c, tensorsOf(lw.weights)).map((t) => [t.name, t]));
    for (const name of ["model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight", "model.layers.0.mlp.down_proj.weight"]) {
      const stem = `base_model.model.${name.replace(/\.weight$/, "")}`;
      const A = tensorF32(byName.get(`${stem}.lora_A.weight`)!);
      const B = tensorF32(byName.get(`${stem}.lora_B.weight`)!);
      const [rows, cols] = hfBase.get(name)!.shape;
      const asF32 = (d: Uint8Array | (() => Uint8Array)): Float32Array => { const b = typeof d === "function" ? d() : d; return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
      const W0 = asF32(hfBase.get(name)!.data), W1 = asF32(hfMerged.get(name)!.data);
      let worst = 0;
      for (let o = 0; o < rows!; o++) for (let i = 0; i < cols!; i++) {
        let d = 0;
        for (let r = 0; r < 4; r++) d += B[o * 4 + r]! * A[r * cols! + i]!;
        worst = Math.max(worst, Math.abs(W0[o * cols! + i]! + 2 * d - W1[o * cols! + i]!));
      }
      assert.ok(worst < 1e-5, `${name}: HF W + (α/r)·B·A from the PEFT file ≠ HF export of the merged W (${worst})`);
    }
    // read back: same config, same values (B rows back in the adjacent order)
    const back = readPeftAdapter(dir, f, c);
    assert.deepEqual(back.config, lw.config);
    assert.equal(back.baseModel, "kotodama/test-base");
    for (const { name, adapter } of lw.adapters) {
      const v = back.values.get(name);
      assert.ok(v !== undefined, name);
      assert.deepEqual(v.a, adapter.a.data, `${name} A`);
      assert.deepEqual(v.b, adapter.b.data, `${name} B`);
    }
    // and attached again, it computes the same logits
    const g2 = new Graph(testBackends()[0]!.backend!);
    const w2 = initDecoderWeights(g2, c, new Rng(0));
    namedWeights(w2).forEach((n, i) => n.tensor.data.set(namedWeights(lw.weights)[i]!.tensor.data));
    const lw2 = attachLora(g2, w2, back.config, { values: back.values });
    const l1 = g.noGrad(() => decoderLogits(c, lw.weights, ids, 1, 8)).data;
    const l2 = g2.noGrad(() => decoderLogits(c, lw2.weights, ids, 1, 8)).data;
    assert.deepEqual(l2, l1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lora: Phi-3's fused q|k|v and gate|up adapters are stacked block-diagonally with the scale kept, and split back exactly; a non-block-diagonal one is refused", () => {
  const g = new Graph(testBackends()[0]!.backend!);
  const phi3 = familyByName("phi3")!;
  const lw = adapted(g, LLAMA, ["q_proj", "v_proj", "gate_proj", "up_proj", "o_proj"]);
  const stored = storedAdapters(phi3, LLAMA, lw);
  const qkv = stored.find((s) => s.name === "model.layers.0.self_attn.qkv_proj.weight")!;
  const gateUp = stored.find((s) => s.name === "model.layers.0.mlp.gate_up_proj.weight")!;
  const o = stored.find((s) => s.name === "model.layers.0.self_attn.o_proj.weight")!;
  assert.deepEqual([qkv.stacked, qkv.rank, qkv.outF, gateUp.stacked, gateUp.rank, o.stacked, o.rank], [3, 12, 16 + 8 + 8, 2, 8, 1, 4]);
  // B_f·A_f scaled by (3α)/(3r) equals the separate updates (α/r)·B_j·A_j stacked in rows (k_proj's rows zero).
  const delta = (b: Float32Array, a: Float32Array, rows: number, r: number, inF: number, s: number): Float64Array => {
    const d = new Float64Array(rows * inF);
    for (let i = 0; i < rows; i++) for (let j = 0; j < inF; j++) for (let k = 0; k < r; k++) d[i * inF + j] += s * b[i * r + k]! * a[k * inF + j]!;
    return d;
  };
  const fused = delta(qkv.b, qkv.a, qkv.outF, qkv.rank, qkv.inF, (3 * 8) / 12);
  const ad = (m: string) => lw.adapters.find((x) => x.name === `model.layers.0.self_attn.${m}.weight`)!.adapter;
  const q = delta(ad("q_proj").b.data, ad("q_proj").a.data, 16, 4, 16, 2), v = delta(ad("v_proj").b.data, ad("v_proj").a.data, 8, 4, 16, 2);
  for (let i = 0; i < fused.length; i++) {
    const want = i < 16 * 16 ? q[i]! : i < 24 * 16 ? 0 : v[i - 24 * 16]!;
    assert.ok(Math.abs(fused[i]! - want) <= 1e-5 * (1 + Math.abs(want)), `ΔW_qkv[${i}]`);
  }
  const back = splitStoredAdapter(phi3, LLAMA, qkv.name, qkv.a, qkv.b, qkv.rank, "adapter.safetensors");
  assert.deepEqual(back.get("model.layers.0.self_attn.q_proj.weight")!.b, ad("q_proj").b.data);
  assert.deepEqual(back.get("model.layers.0.self_attn.v_proj.weight")!.a, ad("v_proj").a.data);
  assert.ok(back.get("model.layers.0.self_attn.k_proj.weight")!.b.every((x) => x === 0), "k_proj was not a target: a zero block");
  const dense = qkv.b.slice();
  dense[20 * 12 + 1] = 0.5; // a k row reading a q column
  assert.throws(() => splitStoredAdapter(phi3, LLAMA, qkv.name, qkv.a, dense, qkv.rank, "adapter.safetensors"), /adapter\.safetensors: .*not block-diagonal \(B row 20, column 1\)/);
});
