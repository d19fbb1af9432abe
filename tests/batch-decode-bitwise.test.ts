// Batched decode on the native backend is bitwise decoding one sequence at a time: decodeBatch of B = 1, 3, 16, 17
// and 33 sequences (mixed prompt lengths, teacher-forced steps), in separate caches (attention per sequence) and in
// slots of one KvCachePool (one attention call per step), against decodeStep per sequence on the same random
// Llama fixture, F32 (the skinny AVX-512 GEMM sums each row as the matrix-vector path does, for B ≤ 32; B = 33
// takes the blocked GEMM, within rounding) and Q8_0 (quantMatmul is row-independent for any B), and greedy ids
// equal for every B. Not here: sampling, stop handling, joins (tests/batch-decode.test.ts), the kernels
// themselves (tests/gemm-skinny.test.ts, tests/quant-q8-batch.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAddon } from "../src/engine/backends/native/index.js";
import { loadBackend } from "../src/engine/backend.js";
import { argmax, createInferState, createKvCache, decodeBatch, decodeStep, KvCachePool, openInferModel, prefill, type KvCache } from "../src/infer/index.js";
import { Rng } from "../src/util/rng.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-bitwise-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const addon = loadAddon();

for (const [type, pooled] of [["f32", false], ["q8_0", false], ["f32", true], ["q8_0", true]] as const) {
  const where = pooled ? "caches of one KvCachePool (one attention call per step)" : "separate caches";
  test(`native ${type}, ${where}: decodeBatch at B = 1, 3, 16, 17, 33 gives each sequence decodeStep's logits and greedy ids`, (t) => {
    if (!addon.ok) return t.skip(`native addon unavailable: ${addon.reason}`);
    const avx512 = addon.addon.isa() === "avx512";
    const m = openInferModel(writeFixture(dir, "llama", type, 4).path, { backend: loadBackend({ kind: "native", threads: 1 }) });
    const V = m.config.vocabSize, steps = 4;
    const rng = new Rng(9);
    const ids = (n: number): number[] => Array.from({ length: n }, () => 1 + Math.floor(rng.next() * (V - 1)));
    for (const B of [1, 3, 16, 17, 33]) {
      const prompts = Array.from({ length: B }, (_, b) => ids(1 + ((b * 7) % 13)));
      const forced = Array.from({ length: B }, () => ids(steps));
      // One at a time: prefill, then decodeStep through the forced tokens; and greedy from the prompt.
      const one = createInferState(m.weights, m.backend, 16);
      const single = prompts.map((p, b) => {
        const cache = createKvCache(m.config, 32);
        prefill(one, cache, p);
        return forced[b]!.map((id) => decodeStep(one, cache, id).slice());
      });
      const greedy = prompts.map((p) => {
        const cache = createKvCache(m.config, 32);
        const out = [argmax(prefill(one, cache, p))];
        for (let j = 0; j < steps; j++) out.push(argmax(decodeStep(one, cache, out[out.length - 1]!)));
        return out;
      });
      // Batched: the same prefills one by one (prefill is not under test), then decodeBatch steps.
      const many = createInferState(m.weights, m.backend, 40);
      // Pooled: sequence b takes slot 7b mod B (7 is prime to every B here), so rows and slots differ.
      const slots = (n: number): KvCache[] => {
        const pool = new KvCachePool(m.config, n, 32), all = Array.from({ length: n }, () => pool.acquire());
        return all.map((_, b) => all[(7 * b) % n]!);
      };
      const poolA = slots(B), poolG = slots(B);
      const caches = prompts.map((p, b) => {
        const cache = pooled ? poolA[b]! : createKvCache(m.config, 32);
        prefill(one, cache, p);
        return cache;
      });
      const gCaches = prompts.map((p, b) => {
        const cache = pooled ? poolG[b]! : createKvCache(m.config, 32);
        prefill(one, cache, p);
        return cache;
      });
      const gIds = gCaches.map((_, b) => [greedy[b]![0]!]);
      let worst = 0;
      for (let j = 0; j < steps; j++) {
        const l = decodeBatch(many, caches, forced.map((f) => f[j]!));
        for (let b = 0; b < B; b++) {
          const got = l.subarray(b * V, (b + 1) * V), want = single[b]![j]!;
          for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        }
        const g = decodeBatch(many, gCaches, gIds.map((x) => x[x.length - 1]!));
        gIds.forEach((x, b) => x.push(argmax(g.subarray(b * V, (b + 1) * V))));
      }
      t.diagnostic(`${type} B = ${B}: max |Δ logit| vs one at a time ${worst.toExponential(1)}`);
      assert.deepEqual(gIds, greedy, `${type} B = ${B}: greedy ids`);
      if (type === "q8_0" || (avx512 && B <= 32)) assert.equal(worst, 0, `${type} B = ${B}: logits bitwise`);
      else assert.ok(worst < 1e-4, `${type} B = ${B}: logits within 1e-4 (got ${worst})`);
    }
  });
}
