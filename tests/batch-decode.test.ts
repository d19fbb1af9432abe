// Batched decode (forward.ts decodeBatch/prefillBatch, generate-batch.ts) against batch-1 decode of the same
// sequences (decodeStep/prefill, generate): greedy ids, sampled ids with per-sequence seeds, log-probabilities and
// logits, on random-weight family fixtures (tests/fixtures/families.ts) in F32 and Q8_0, mixed prompt lengths and
// sequences that end at different steps and join mid-run; on the native and the ref backends.
// Why the tolerances: quantMatmul sums each output row the same way for any number of rows N, so a Q8_0 model's
// logits are bitwise batch-independent; f32 gemm takes the matrix-vector path at N = 1 and, for 2 ≤ N ≤ 32 on
// AVX-512, the skinny GEMM that sums each row alike (bitwise too, tests/batch-decode-bitwise.test.ts), elsewhere
// the blocked path (a different summation order): there f32 logits agree within rounding with batch 1.
// Not here: the oracles for the forward itself (src/infer/forward.test.ts, tests/families.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBackends } from "../src/engine/testBackends.js";
import type { Backend } from "../src/engine/ops.js";
import type { FamilyName } from "../src/models/families/index.js";
import {
  createInferState, createKvCache, decodeBatch, decodeStep, generateBatch, generateText, KvCachePool, openInferModel, prefill, prefillBatch,
  type InferModel,
} from "../src/infer/index.js";
import { Rng } from "../src/util/rng.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-batch-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// llama: plain GQA; qwen3: q/k norms, explicit head size; gemma2: sliding window, soft-caps, post-norms; gpt2:
// learned positions, LayerNorm, biases.
const FAMILIES: readonly FamilyName[] = ["llama", "qwen3", "gemma2", "gpt2"];
const paths = new Map<string, string>();
function model(name: FamilyName, type: "f32" | "q8_0", backend: Backend): InferModel {
  const key = `${name}-${type}`;
  if (!paths.has(key)) paths.set(key, writeFixture(dir, name, type, 3).path);
  return openInferModel(paths.get(key)!, { backend });
}

/** Prompts of mixed lengths (1 … 40 tokens) of ordinary ids. */
function prompts(V: number, lengths: readonly number[]): number[][] {
  const rng = new Rng(5);
  return lengths.map((n) => Array.from({ length: n }, () => 1 + Math.floor(rng.next() * (V - 1))));
}
const LENGTHS = [7, 1, 23, 40, 3, 12];
/** Different max tokens, and EOS honoured for some, so that sequences end at different steps. */
const MAX_TOKENS = [9, 17, 4, 12, 20, 6];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const be of testBackends()) {
  test(`${be.name}: batched greedy and sampled generation give batch-1 generate's ids and log-probabilities`, async (t) => {
    if (be.backend === null) return t.skip(be.why);
    // (ref: one family and type, for time; its kernels sum alike for any N, so it is bitwise there.)
    for (const name of be.name === "ref" ? (["gemma2"] as const) : FAMILIES) {
      for (const type of be.name === "ref" ? (["f32"] as const) : (["f32", "q8_0"] as const)) {
        const m = model(name, type, be.backend);
        const ps = prompts(m.config.vocabSize, LENGTHS);
        for (const sampled of [false, true]) {
          const opts: Record<string, unknown>[] = ps.map((_, i) => ({
            temperature: sampled ? 0.9 : 0, topK: sampled ? 40 : 0, topP: sampled ? 0.95 : 1, minP: 0, seed: 100 + i,
            maxTokens: MAX_TOKENS[i]!, ignoreEos: i % 2 === 0, topLogprobs: 0,
          }));
          // Stop strings for two sequences: a piece from the middle of what they generate without one.
          for (const i of [0, 3]) {
            const text = (await generateText(m, ps[i]!, opts[i]!)).text;
            if (text.length >= 8) opts[i] = { ...opts[i], stop: [text.slice(4, 6)] };
          }
          // batch 4 < 6 prompts: two sequences join when the first ones end.
          const batched = generateBatch(m, ps, opts, { batch: 4 });
          let worst = 0;
          for (let i = 0; i < ps.length; i++) {
            const one = await generateText(m, ps[i]!, opts[i]!);
            const got = batched.sequences[i]!;
            const what = `${name} ${type} ${sampled ? "sampled" : "greedy"} prompt ${i} (${ps[i]!.length} tokens)`;
            assert.deepEqual(got.ids, one.ids, `${what}: ids`);
            assert.equal(got.finishReason, one.finishReason, `${what}: finish reason`);
            assert.equal(got.text, one.text, `${what}: text`);
            one.tokens.forEach((tok, j) => (worst = Math.max(worst, Math.abs(tok.logprob - got.logprobs[j]!))));
          }
          // Log-probabilities: the engine's f32 log-softmax vs generate's float64 one (plus, native f32, the logits'
          // last-bit differences; the logits themselves are compared in the next test).
          assert.ok(worst < (type === "q8_0" ? 1e-5 : 1e-4), `${name} ${type}: log-probabilities within tolerance (got ${worst})`);
          if (!sampled) assert.ok(batched.sequences.some((x) => x.finishReason === "stop"), `${name} ${type}: a stop string ends a sequence`);
          const ends = new Set(batched.sequences.map((s) => s.ids.length));
          assert.ok(ends.size > 2, "sequences end at different steps");
          if (sampled) t.diagnostic(`${be.name} ${name} ${type}: ${batched.generatedTokens} tokens in ${batched.steps} batched steps, max |Δ logprob| vs batch 1 ${worst.toExponential(1)}`);
        }
      }
    }
  });

  test(`${be.name}: decodeBatch logits equal decodeStep's per sequence; prefillBatch equals prefill`, (t) => {
    if (be.backend === null) return t.skip(be.why);
    for (const name of be.name === "ref" ? (["qwen3"] as const) : (["qwen3", "gemma2"] as const)) {
      for (const type of ["f32", "q8_0"] as const) {
        const m = model(name, type, be.backend);
        const V = m.config.vocabSize;
        const ps = prompts(V, LENGTHS);
        const B = ps.length;
        // Batch 1: each sequence on its own, teacher-forced through 6 more tokens.
        const forced = prompts(V, Array<number>(B).fill(6));
        const single: Float32Array[] = ps.map((p, b) => {
          const s = createInferState(m.weights, m.backend, 8);
          const cache = createKvCache(m.config, 64);
          const out = new Float32Array(7 * V);
          out.set(prefill(s, cache, p), 0);
          for (let j = 0; j < 6; j++) out.set(decodeStep(s, cache, forced[b]![j]!), (j + 1) * V);
          return out;
        });
        // Batched: prompts packed into forwards of 16 rows (prompts span forwards), then 6 batched steps.
        const s = createInferState(m.weights, m.backend, 16);
        const caches = ps.map(() => createKvCache(m.config, 64));
        const batched = ps.map(() => new Float32Array(7 * V));
        const first = prefillBatch(s, caches, ps);
        for (let b = 0; b < B; b++) batched[b]!.set(first.subarray(b * V, (b + 1) * V), 0);
        for (let j = 0; j < 6; j++) {
          const l = decodeBatch(s, caches, forced.map((f) => f[j]!));
          for (let b = 0; b < B; b++) batched[b]!.set(l.subarray(b * V, (b + 1) * V), (j + 1) * V);
        }
        let worstPrefill = 0, worstDecode = 0;
        for (let b = 0; b < B; b++) {
          worstPrefill = Math.max(worstPrefill, maxAbsDiff(single[b]!.subarray(0, V), batched[b]!.subarray(0, V)));
          worstDecode = Math.max(worstDecode, maxAbsDiff(single[b]!.subarray(V), batched[b]!.subarray(V)));
        }
        t.diagnostic(`${be.name} ${name} ${type}: max |Δ logit| vs batch 1: prefill ${worstPrefill.toExponential(1)}, decode ${worstDecode.toExponential(1)}`);
        // ref sums every product in one order for any N; native quantMatmul too; native f32 gemm at N = 1 does not.
        if (be.name === "ref" || type === "q8_0") {
          assert.equal(worstDecode, 0, `${name} ${type}: decode logits bitwise`);
        } else assert.ok(worstDecode < 1e-4, `${name} ${type}: decode logits within 1e-4 (got ${worstDecode})`);
        assert.ok(worstPrefill < 1e-4, `${name} ${type}: prefill logits within 1e-4 (got ${worstPrefill})`);

        // Among batches of N > 1, a sequence's logits do not depend on its companions: bitwise, f32 included (the
        // first 3 prompts pack into the same forwards of ≥ 2 rows as before).
        const again = ps.slice(0, 3).map(() => createKvCache(m.config, 64));
        prefillBatch(s, again, ps.slice(0, 3));
        const three = decodeBatch(s, again, forced.slice(0, 3).map((f) => f[0]!));
        for (let b = 0; b < 3; b++) {
          assert.equal(maxAbsDiff(three.subarray(b * V, (b + 1) * V), batched[b]!.subarray(V, 2 * V)), 0, `${name} ${type}: sequence ${b} in a batch of 3 vs of ${B}`);
        }
      }
    }
  });
}

test("batched decode refuses a cache twice, more sequences than rows, a full pool, and mismatched inputs", () => {
  const be = testBackends()[0]!.backend!;
  const m = model("llama", "f32", be);
  const s = createInferState(m.weights, m.backend, 2);
  const a = createKvCache(m.config, 8), b = createKvCache(m.config, 8), c = createKvCache(m.config, 8);
  assert.throws(() => decodeBatch(s, [a, a], [1, 2]), /a KV cache appears twice/);
  assert.throws(() => decodeBatch(s, [a, b, c], [1, 2, 3]), /3 sequences exceed the state's maxRows of 2/);
  assert.throws(() => decodeBatch(s, [a, b], [1]), /expected one id per cache, got 1 ids for 2 caches/);
  assert.throws(() => prefillBatch(s, [a, b], [[1], []]), /prompt 1 has no tokens/);
  assert.throws(() => prefillBatch(s, [a], [Array<number>(9).fill(1)]), /9 positions exceed the KV cache's capacity of 8/);
  const pool = new KvCachePool(m.config, 2, 8);
  const x = pool.acquire();
  pool.acquire();
  assert.throws(() => pool.acquire(), /all 2 caches are in use/);
  pool.release(x);
  assert.throws(() => pool.release(x), /not in use/);
  assert.equal(pool.acquire(), x, "a released cache is reused");
  assert.throws(() => generateBatch(m, [[1], [2]], [{}], {}), /1 option sets for 2 prompts/);
  assert.throws(() => generateBatch(m, [[1]], { temprature: 1 }), /unknown option 'temprature'/);
});

test("one option set: sequence i samples with seed + i, whatever the batch size", (t) => {
  const be = testBackends()[1]!.backend ?? testBackends()[0]!.backend!;
  const m = model("llama", "q8_0", be);
  const ps = prompts(m.config.vocabSize, [5, 9, 2, 14]);
  const o = { temperature: 1, topK: 0, topP: 1, minP: 0, seed: 7, maxTokens: 10, ignoreEos: true };
  const all = generateBatch(m, ps, o, { batch: 4 });
  const pairs = generateBatch(m, ps, o, { batch: 2 });
  const perSeed = generateBatch(m, ps, ps.map((_, i) => ({ ...o, seed: 7 + i })), { batch: 1 });
  assert.deepEqual(pairs.sequences.map((s) => s.ids), all.sequences.map((s) => s.ids));
  assert.deepEqual(perSeed.sequences.map((s) => s.ids), all.sequences.map((s) => s.ids));
  assert.notDeepEqual(all.sequences[0]!.ids, generateBatch(m, ps, { ...o, seed: 8 }, { batch: 4 }).sequences[0]!.ids, "the seed matters");
  t.diagnostic(`${all.generatedTokens} tokens, ${all.steps} steps at batch 4, ${pairs.steps} at batch 2`);
});

test("a pool kept across generateBatch calls gives the ids and log-probabilities of a fresh pool per call; a pool too small or in use is refused", () => {
  const be = testBackends()[1]!.backend ?? testBackends()[0]!.backend!;
  const m = model("qwen3", "f32", be);
  const ps = prompts(m.config.vocabSize, [5, 9, 2, 14, 7]);
  const o = { temperature: 0.9, topK: 20, topP: 0.9, minP: 0, seed: 3, maxTokens: 12, ignoreEos: true, context: 40 };
  const fresh = generateBatch(m, ps, o, { batch: 3 });
  const pool = new KvCachePool(m.config, 4, 48);
  for (let round = 0; round < 2; round++) {
    // The second round decodes over caches the first one filled: stale rows must never be read.
    const kept = generateBatch(m, round === 0 ? ps : [...ps].reverse(), o, { batch: 3, pool });
    const seqs = round === 0 ? kept.sequences : [...kept.sequences].reverse();
    const want = round === 0 ? fresh.sequences : generateBatch(m, [...ps].reverse(), o, { batch: 3 }).sequences.slice().reverse();
    assert.deepEqual(seqs.map((s) => s.ids), want.map((s) => s.ids), `round ${round}: ids`);
    assert.deepEqual(seqs.map((s) => s.logprobs), want.map((s) => s.logprobs), `round ${round}: log-probabilities`);
    assert.equal(pool.inUse, 0, "every cache goes back to the pool");
  }
  assert.throws(() => generateBatch(m, ps, o, { batch: 3, pool: new KvCachePool(m.config, 2, 48) }), /the given pool has 2 slots of 48 positions \(0 in use\); this call needs 3 free slots of 40 positions/);
  assert.throws(() => generateBatch(m, ps, o, { batch: 3, pool: new KvCachePool(m.config, 3, 39) }), /3 slots of 39 positions .* needs 3 free slots of 40 positions/);
  const busy = new KvCachePool(m.config, 3, 48);
  busy.acquire();
  assert.throws(() => generateBatch(m, ps, o, { batch: 3, pool: busy }), /\(1 in use\)/);
});

for (const type of ["q8_0", "f32"] as const) {
  test(`${type}: prompts shared by several sequences (GRPO groups) are prefilled once; ids and log-probabilities equal those without sharing and those of batch 1`, () => {
    // ref backend: f32 bitwise whatever the packing; native Q8_0: bitwise for any number of rows.
    const be = type === "f32" ? testBackends()[0]!.backend! : testBackends()[1]!.backend ?? testBackends()[0]!.backend!;
    const m = model("llama", type, be);
    const [a, b, c] = prompts(m.config.vocabSize, [6, 11, 3]) as [number[], number[], number[]];
    const ps = [a, a, b, a, c, b, b, a];
    const o = { temperature: 0.9, topK: 20, topP: 0.95, minP: 0, seed: 5, maxTokens: 6, ignoreEos: true, context: 24 };
    const shared = generateBatch(m, ps, o, { batch: 5 });
    const apart = generateBatch(m, ps, o, { batch: 5, sharePrompts: false });
    const one = generateBatch(m, ps, o, { batch: 1 });
    for (const other of [apart, one]) {
      assert.deepEqual(shared.sequences.map((s) => s.ids), other.sequences.map((s) => s.ids));
      assert.deepEqual(shared.sequences.map((s) => s.logprobs), other.sequences.map((s) => s.logprobs));
    }
    // Same prompt, different seeds: the group's samples differ (their caches are copies, not one shared cache).
    assert.ok(new Set([0, 1, 3, 7].map((i) => shared.sequences[i]!.ids.join(","))).size > 1, "a group's samples differ");
    assert.equal(shared.promptTokens, apart.promptTokens);
  });
}
