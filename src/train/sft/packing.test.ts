// Packing is exact: examples packed into rows with document-masked attention and restarting positions give the
// same loss and the same gradient for every weight as the same examples one per padded row (to 1e-5), for Llama
// flags (RoPE, GQA) and for Gemma-like flags (sliding window, soft-cap, post-norms); and packing keeps the epoch's
// order. Not here: the attention kernel's own packed-vs-separate checks (src/engine/attentionSegments.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../../engine/backend.js";
import { MODEL_PRESETS, NEUTRAL_FLAGS, type ModelConfig } from "../../models/config.js";
import { initDecoderWeights, namedWeights } from "../../models/weights.js";
import { Graph } from "../../tensor/index.js";
import { Rng } from "../../util/rng.js";
import { IGNORE_INDEX } from "../data.js";
import { batchLoss } from "../loop.js";
import { packRows, sftBatchSource } from "./batches.js";
import type { SftRow } from "./examples.js";

const LLAMA: ModelConfig = { ...MODEL_PRESETS.default, ...NEUTRAL_FLAGS, vocabSize: 97, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 64, context: 64 };
const GEMMA: ModelConfig = { ...LLAMA, ropePairing: "half", mlp: "geglu", postNorms: true, embedScale: true, qkNorm: true, attnSoftcap: 20, slidingWindow: 6, swaPeriod: 2 };

function rows(rng: Rng, n: number): SftRow[] {
  return Array.from({ length: n }, (_, k) => {
    const len = 4 + rng.int(14);
    const inputs = Int32Array.from({ length: len }, () => rng.int(97));
    // a prompt of a few positions without loss, then a response; the last position has no next token
    const targets = Int32Array.from({ length: len }, (_, t) => (t < 2 + (k % 3) || t === len - 1 ? IGNORE_INDEX : rng.int(97)));
    return { inputs, targets, where: `example ${k}` };
  });
}

for (const [name, c] of [["llama", LLAMA], ["gemma-like", GEMMA]] as const) {
  test(`packing (${name}): packed rows give the padded batch's loss and gradients within 1e-5`, () => {
    const ex = rows(new Rng(3), 7);
    const maxLen = Math.max(...ex.map((r) => r.inputs.length));
    const g = new Graph(loadBackend({ threads: 1 }));
    const rng = new Rng(9);
    const w = initDecoderWeights(g, c, rng);
    for (const n of namedWeights(w)) if (n.tensor.shape.length === 2) rng.fillNormal(n.tensor.data, 0, 0.2);
    const run = (layout: "pad" | "pack", T: number): { loss: number; grads: Float32Array[] } => {
      const src = sftBatchSource({ train: ex, val: ex, seqLen: T, vocabSize: 97, description: "t", layout: { kind: layout } });
      const B = layout === "pad" ? ex.length : packRows(ex, ex.map((_, i) => i), T).length;
      const b = src.valBatch(0, B);
      const loss = g.scope(() => {
        const l = batchLoss(c, w, b, B, T);
        g.backward(l);
        return l.item();
      });
      const grads = namedWeights(w).map((n) => n.tensor.grad!.slice());
      for (const n of namedWeights(w)) n.tensor.grad!.fill(0);
      return { loss, grads };
    };
    const pad = run("pad", maxLen);
    const pack = run("pack", 40);
    assert.ok(packRows(ex, ex.map((_, i) => i), 40).length < ex.length, "several examples share a row");
    assert.ok(Math.abs(pad.loss - pack.loss) <= 1e-5 * Math.abs(pad.loss), `loss ${pad.loss} vs ${pack.loss}`);
    pad.grads.forEach((ga, i) => {
      const gb = pack.grads[i]!;
      const scale = Math.max(...ga.map(Math.abs));
      const d = Math.max(...ga.map((v, j) => Math.abs(v - gb[j]!)));
      assert.ok(scale > 0 && d <= 1e-5 * Math.max(1, scale), `${namedWeights(w)[i]!.name}: max |Δgrad| ${d} (scale ${scale})`);
    });
  });
}

test("packRows keeps the order and opens a row only when the next example does not fit", () => {
  const ex = [5, 9, 3, 12, 4, 4].map((n, k): SftRow => ({ inputs: new Int32Array(n), targets: new Int32Array(n), where: `${k}` }));
  assert.deepEqual(packRows(ex, [0, 1, 2, 3, 4, 5], 17), [[0, 1, 2], [3, 4], [5]]);
  assert.deepEqual(packRows(ex, [3, 0, 5], 12), [[3], [0, 5]]);
});
