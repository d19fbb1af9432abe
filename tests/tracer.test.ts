// The forward's tracer: every named intermediate appears once per layer and chunk, and the attention maps it
// recomputes are the ones the fused kernel used — each traced probability row times the cached values equals the
// kernel's attention output (with the family's window and soft-cap), rows sum to 1 and respect causality and the
// window. Not here: agreement with llama.cpp (tests/families.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInferState, createKvCache, openInferModel, prefill } from "../src/infer/index.js";
import { headDim, isSlidingLayer, kvDim } from "../src/models/config.js";
import type { FamilyName } from "../src/models/families/index.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-tracer-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of ["qwen3", "gemma2"] as FamilyName[]) {
  test(`tracer (${name}): named intermediates, and attention maps that reproduce the kernel's output`, () => {
    const fx = writeFixture(dir, name, "f32");
    const m = openInferModel(fx.path);
    const c = m.config;
    const rec = new Map<string, { data: Float32Array; shape: readonly number[] }>();
    const s = createInferState(m.weights, m.backend, 128, { attention: true, record: (n, data, shape) => rec.set(n, { data: data.slice(), shape }) });
    const cache = createKvCache(c, 64);
    const T = 24;
    prefill(s, cache, Array.from({ length: T }, (_, i) => (i * 37) % 300), () => {});
    for (const n of ["embed", "final_norm", "logits"]) assert.ok(rec.has(n), n);
    const H = c.nHeads, Hkv = c.nKvHeads, D = headDim(c), kv = kvDim(c);
    for (let l = 0; l < c.nLayers; l++) {
      for (const part of ["attn_in", "q", "k", "attn", "ffn_in", "out", "attn_probs"]) assert.ok(rec.has(`layers.${l}.${part}`), `layers.${l}.${part}`);
      const probs = rec.get(`layers.${l}.attn_probs`)!;
      assert.deepEqual(probs.shape, [H, T, T]);
      const att = rec.get(`layers.${l}.attn`)!.data;
      const window = isSlidingLayer(c, l) ? c.slidingWindow : 0;
      let worst = 0;
      for (let h = 0; h < H; h++) {
        const hk = Math.floor((h * Hkv) / H);
        for (let t = 0; t < T; t++) {
          const row = probs.data.subarray((h * T + t) * T, (h * T + t + 1) * T);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, "a row sums to 1");
          for (let j = 0; j < T; j++) if (j > t || (window > 0 && j <= t - window)) assert.equal(row[j], 0, `layer ${l}: key ${j} hidden from query ${t}`);
          for (let x = 0; x < D; x++) {
            let o = 0;
            for (let j = 0; j < T; j++) o += row[j]! * cache.v[l]![j * kv + hk * D + x]!;
            worst = Math.max(worst, Math.abs(o - att[(t * H + h) * D + x]!));
          }
        }
      }
      assert.ok(worst < 1e-4, `layer ${l}: traced probabilities × V equal the kernel's output (max |Δ| ${worst.toExponential(2)})`);
    }
  });
}
