// Tests of the sequence head: scores read the last real token (equal to an unpadded batch-1 forward's hidden state
// · Wᵀ computed by hand, whatever the padding after it), finite-difference gradients through the gather into the
// decoder and the head, and the head's files read back (and a mismatched one refused naming the file).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { testBackends } from "../engine/testBackends.js";
import { Graph, gradCheck, sum } from "../tensor/index.js";
import { Rng } from "../util/rng.js";
import { resolveModelConfig } from "./config.js";
import { decoderHidden } from "./decoder.js";
import { createSeqHead, loadSeqHead, saveSeqHead, SEQ_HEAD_FILES, sequenceScores } from "./seq-head.js";
import { initDecoderWeights, namedWeights } from "./weights.js";

const C = resolveModelConfig("default", { vocabSize: 31, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 24, context: 8 });

for (const { name, backend } of testBackends()) {
  test(`seq-head [${name}]: scores are the last real token's hidden state · Wᵀ, unchanged by what pads the row`, () => {
    const g = new Graph(backend!);
    const rng = new Rng(5);
    const w = initDecoderWeights(g, C, rng);
    const head = createSeqHead(g, rng, C, ["a", "b", "c"], 0.5);
    const seqs = [[3, 7, 1, 9, 2], [4, 4, 8], [1, 2, 3, 4, 5, 6, 7, 8]];
    const T = 8;
    const pad = (fill: number): Int32Array => Int32Array.from(seqs.flatMap((s) => [...s, ...Array<number>(T - s.length).fill(fill)]));
    const lengths = seqs.map((s) => s.length);
    const scores = g.noGrad(() => sequenceScores(C, w, head, pad(0), lengths, 3, T)).data.slice();
    const other = g.noGrad(() => sequenceScores(C, w, head, pad(17), lengths, 3, T)).data;
    assert.deepEqual(other, scores, "causal attention: padding after the last token changes nothing");
    seqs.forEach((s, b) => {
      const h = g.noGrad(() => decoderHidden(C, w, Int32Array.from(s), 1, s.length)).data;
      const last = h.subarray((s.length - 1) * C.dim, s.length * C.dim);
      for (let k = 0; k < 3; k++) {
        let want = 0;
        for (let j = 0; j < C.dim; j++) want += last[j]! * head.weight.data[k * C.dim + j]!;
        assert.ok(Math.abs(scores[b * 3 + k]! - want) <= 1e-4 * (1 + Math.abs(want)), `sequence ${b} output ${k}: ${scores[b * 3 + k]} vs ${want}`);
      }
    });
    assert.throws(() => sequenceScores(C, w, head, pad(0), [5, 0, 8], 3, T), /sequence 1 has length 0, expected 1 … 8/);
  });
}

test("seq-head: finite-difference gradients through the gather reach the head and the decoder", () => {
  const g = new Graph(testBackends()[0]!.backend!);
  const rng = new Rng(9);
  const w = initDecoderWeights(g, C, rng);
  const head = createSeqHead(g, rng, C, ["reward"], 0.5);
  const ids = Int32Array.from([3, 7, 1, 9, 0, 0, 4, 4, 8, 2, 6, 1]);
  const lastNorm = namedWeights(w).find((n) => n.name === "model.norm.weight")!.tensor;
  const r = gradCheck(g, () => sum(sequenceScores(C, w, head, ids, [4, 6], 2, 6)), [head.weight, lastNorm], { seed: 2 });
  assert.ok(r.ok, JSON.stringify(r.inputs));
});

test("seq-head: written and read back; a head of the wrong width is refused naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-head-"));
  try {
    const g = new Graph(testBackends()[0]!.backend!);
    const head = createSeqHead(g, new Rng(1), C, ["safe", "harmful"]);
    saveSeqHead(dir, head, { task: "test" });
    const back = loadSeqHead(g, dir, C);
    assert.deepEqual(back.labels, ["safe", "harmful"]);
    assert.deepEqual(back.weight.data, head.weight.data);
    assert.equal(back.meta.task, "test");
    assert.throws(() => loadSeqHead(g, dir, { ...C, dim: 32 }), (e: Error) => e.message.includes(SEQ_HEAD_FILES.weights) && /expected \[2, 32\]/.test(e.message));
    writeFileSync(join(dir, SEQ_HEAD_FILES.meta), "{\"labels\": []}");
    assert.throws(() => loadSeqHead(g, dir, C), /head\.json.*labels must be a non-empty list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
