// LoRA on a quantized base (Q8_0 and Q4_0 GGUF fixtures of the Qwen2 family): the Linear weights stay quantized and
// frozen, and the loss and every adapter gradient equal LoRA's on the same base dequantized to f32 (the same
// weights, up to summation order); `sft --lora-rank` on the quantized GGUF trains only the adapters, the response
// loss falls, and the run directory holds the adapter (PEFT, llama.cpp GGUF) and the merged model in f32.
// Not here: the kernels (src/engine/quantT.test.ts), linearQ's gradcheck (src/tensor/linearQ.test.ts), LoRA on an
// f32 base (tests/sft-lora.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { openInferModel } from "../src/infer/index.js";
import { decoderLoss, quantizedWeights, attachLora, resolveLoraConfig } from "../src/models/index.js";
import { decoderWeightsOf, loadModel } from "../src/models/load.js";
import { Graph } from "../src/tensor/index.js";
import { readMetrics } from "../src/train/metrics.js";
import { runSft } from "../src/train/sft/index.js";
import { Rng } from "../src/util/rng.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-qlora-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

for (const type of ["q8_0", "q4_0"] as const) {
  test(`LoRA on a ${type} base: the Linears stay quantized; loss and adapter gradients equal LoRA on the dequantized base`, () => {
    const fx = writeFixture(dir, "qwen2", type);
    const g = new Graph(loadBackend({ threads: 2 }));
    const c = fx.config;
    const wq = decoderWeightsOf(loadModel(fx.path, { keepQuantized: true }), { graph: g, keepQuantized: true });
    const wf = decoderWeightsOf(loadModel(fx.path), { graph: g });
    const kept = quantizedWeights(wq);
    assert.equal(kept.length, 7 * c.nLayers, "every Linear of every layer kept quantized");
    assert.ok(kept.every((q) => q.type === type));
    assert.equal(quantizedWeights(wf).length, 0);
    // Adapters with nonzero A and B (a fresh B = 0 would leave A without gradient), the same values on both bases.
    const rng = new Rng(9);
    const lc = resolveLoraConfig({ rank: 4, alpha: 8, targets: [...ALL] }, "llama");
    const values = new Map(kept.map((q) => {
      const [out, inF] = q.shape;
      return [q.name ?? "", { a: rng.fillNormal(new Float32Array(4 * inF), 0, 0.1), b: rng.fillNormal(new Float32Array(out * 4), 0, 0.1) }] as const;
    }));
    const copy = new Map([...values].map(([k, v]) => [k, { a: v.a.slice(), b: v.b.slice() }]));
    const lq = attachLora(g, wq, lc, { values });
    const lf = attachLora(g, wf, lc, { values: copy });
    const [B, T] = [2, 16];
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 37 + 11) % c.vocabSize);
    const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 53 + 2) % c.vocabSize);
    const run = (lw: typeof lq): { loss: number; grads: Float32Array[] } => {
      const loss = g.scope(() => {
        const l = decoderLoss(c, lw.weights, ids, targets, B, T);
        g.backward(l);
        return l.data[0]!;
      });
      return { loss, grads: lw.adapters.flatMap((a) => [a.adapter.a.grad!.slice(), a.adapter.b.grad!.slice()]) };
    };
    const q = run(lq), f = run(lf);
    assert.ok(Math.abs(q.loss - f.loss) <= 1e-5 * Math.abs(f.loss), `loss ${q.loss} vs ${f.loss} on the dequantized base`);
    let worst = 0;
    for (let i = 0; i < f.grads.length; i++) {
      let scale = 0;
      for (const v of f.grads[i]!) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 0, `adapter gradient ${i} is nonzero`);
      for (let j = 0; j < f.grads[i]!.length; j++) worst = Math.max(worst, Math.abs(q.grads[i]![j]! - f.grads[i]![j]!) / scale);
    }
    assert.ok(worst < 1e-4, `adapter gradients differ by ${worst.toExponential(2)} of their size`);
  });
}

test("sft --lora-rank on a Q4_0 GGUF: adapters train on the quantized base, loss falls, adapter and f32 merged model saved", () => {
  const fx = writeFixture(dir, "qwen2", "q4_0");
  const data = join(dir, "d.jsonl");
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
  writeFileSync(data, words.map((w, i) => JSON.stringify({ prompt: `Word ${i}?`, completion: `${w}.` })).join("\n"));
  const out = join(dir, "run");
  const lines: string[] = [];
  const res = runSft({
    model: fx.path, data: [data], outDir: out, backend: loadBackend({ threads: 2 }), log: (l) => lines.push(l),
    settings: { maxSteps: 30, lr: 1e-2, batchSize: 4, seed: 4, lora: { rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "up_proj"] } },
  });
  assert.equal(res.steps, 30);
  assert.ok(lines.some((l) => l.includes("base: Q4_0 ×21 Linear weights kept quantized")), lines.join("\n"));
  for (const f of ["model.safetensors", "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "adapter.gguf"]) assert.ok(existsSync(join(out, f)), f);
  const m = readMetrics(join(out, "metrics.jsonl"));
  const first = m.slice(0, 3).reduce((s, r) => s + r.train_loss, 0) / 3, last = m.slice(-3).reduce((s, r) => s + r.train_loss, 0) / 3;
  assert.ok(last < first / 2, `response loss fell from ${first} to ${last}`);
  // The merged model is f32: an untargeted weight is the base's dequantized values exactly, a targeted one moved.
  const base = openInferModel(fx.path, { keepQuantized: false }), merged = openInferModel(out);
  assert.deepEqual(merged.weights.layers[0]!.wo, base.weights.layers[0]!.wo, "o_proj (untargeted) = dequantized base");
  assert.notDeepEqual(merged.weights.layers[0]!.wqkv, base.weights.layers[0]!.wqkv, "q/v moved by the merged adapters");
});
