// LoRA SFT end to end on a family fixture (Qwen2 flags, ChatML): only the adapters train (the base's tensors get
// no gradient and keep their values), the response loss falls, the run directory holds the merged model plus the
// adapter in PEFT and llama.cpp form, and llama.cpp itself — base GGUF + our adapter.gguf — computes the logits of
// the merged model kotodama saved. Not here: LoRA's own tests (src/models/lora.test.ts, tests/lora-llamacpp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { openInferModel } from "../src/infer/index.js";
import { readMetrics } from "../src/train/metrics.js";
import { runSft } from "../src/train/sft/index.js";
import { maxRelativeDiff, ourLogits } from "./support/agree.js";
import { writeFixture } from "./fixtures/families.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-sft-lora-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("sft --lora-rank on a Qwen2 fixture: adapters train, the merged run equals llama.cpp with our adapter.gguf", async (t) => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const data = join(dir, "d.jsonl");
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
  writeFileSync(data, words.map((w, i) => JSON.stringify({ prompt: `Word ${i}?`, completion: `${w}.` })).join("\n"));
  const out = join(dir, "run");
  const res = runSft({
    model: fx.path, data: [data], outDir: out, backend: loadBackend({ threads: 2 }),
    settings: { maxSteps: 30, lr: 1e-2, batchSize: 4, seed: 4, lora: { rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "up_proj"] } },
  });
  assert.equal(res.steps, 30);
  for (const f of ["model.safetensors", "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "adapter.gguf"]) assert.ok(existsSync(join(out, f)), f);
  const m = readMetrics(join(out, "metrics.jsonl"));
  const first = m.slice(0, 3).reduce((s, r) => s + r.train_loss, 0) / 3, last = m.slice(-3).reduce((s, r) => s + r.train_loss, 0) / 3;
  assert.ok(last < first / 2, `response loss fell from ${first} to ${last}`);
  const peft = JSON.parse(readFileSync(join(out, "adapter", "adapter_config.json"), "utf8")) as { r: number; lora_alpha: number; target_modules: string[] };
  assert.deepEqual([peft.r, peft.lora_alpha, [...peft.target_modules].sort()], [4, 8, ["q_proj", "up_proj", "v_proj"]]);
  // The base stayed frozen: a weight the adapters do not target is the fixture's own.
  const base = openInferModel(fx.path), merged = openInferModel(out);
  assert.deepEqual(merged.weights.layers[0]!.wo, base.weights.layers[0]!.wo, "o_proj (untargeted) unchanged");
  assert.notDeepEqual(merged.weights.layers[0]!.wqkv, base.weights.layers[0]!.wqkv, "q/v moved by the merged adapters");

  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  const ids = Array.from({ length: 24 }, (_, i) => (i * 29 + 5) % 400);
  const theirs = await openLlamaCppModel(llama, fx.path, { contextSize: 64, lora: join(out, "adapter.gguf") });
  try {
    const worst = maxRelativeDiff(ourLogits(merged, ids), await theirs.logits(ids));
    t.diagnostic(`llama.cpp (base + adapter.gguf) vs kotodama's merged run: max relative |Δlogit| ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `differ by ${worst.toExponential(2)}`);
  } finally {
    await theirs.dispose();
  }
});
