// Per-op CPU split of a 16-sequence rollout's phases (prefill one by one vs packed, decode one at a time vs batched)
// on one model: the kernels timed through bench/op-profile.js around the unvalidated native table.
// Usage: node dev/rollout/op-split.mjs MODEL.gguf [phase]   (after npx tsc; phase: prefill | decode | rollout | all)
import { loadBackend, unvalidated } from "../../dist/src/engine/backend.js";
import { profiledBackend, profileTable } from "../../dist/bench/op-profile.js";
import { argmax, createInferState, decodeBatch, decodeStep, generateBatch, KvCachePool, openInferModel, prefill, prefillBatch } from "../../dist/src/infer/index.js";
import { Rng } from "../../dist/src/util/rng.js";

const path = process.argv[2], phase = process.argv[3] ?? "all";
const native = loadBackend({ threads: 1 });
const { backend, times } = profiledBackend({ ...unvalidated(native), name: "profiled", threads: () => 1, setThreads: () => {} });
const m = openInferModel(path, { backend });
const c = m.config, V = c.vocabSize, B = 16, n = 64;
const rng = new Rng(1);
const prompts = Array.from({ length: B }, (_, b) => Array.from({ length: 8 + 4 * b }, () => 1 + Math.floor(rng.next() * (V - 1))));
const pool = new KvCachePool(c, B, 68 + n + 1);
const caches = prompts.map(() => pool.acquire());
const one = createInferState(m.weights, backend, 128), many = createInferState(m.weights, backend, 128);
const out = new Float32Array(B * V);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
function timed(label, reps, f) {
  f();
  times.clear();
  const t0 = cpu();
  for (let r = 0; r < reps; r++) f();
  const ms = cpu() - t0;
  console.log(`\n== ${label}: ${(ms / reps).toFixed(1)} CPU ms per run`);
  for (const l of profileTable(times, reps, ms, 14)) console.log(l);
}
if (phase === "all" || phase === "prefill") {
  timed("prefill one by one", 5, () => caches.forEach((cache, b) => ((cache.length = 0), prefill(one, cache, prompts[b]))));
  timed("prefill packed", 5, () => { for (const cache of caches) cache.length = 0; prefillBatch(many, caches, prompts, out); });
}
if (phase === "all" || phase === "decode") {
  timed("decode one at a time (64 steps × 16)", 2, () => caches.forEach((cache, b) => {
    cache.length = 0;
    let id = argmax(prefill(one, cache, prompts[b]));
    for (let i = 0; i < n; i++) id = argmax(decodeStep(one, cache, id));
  }));
  timed("decode batched (64 steps)", 2, () => {
    for (const cache of caches) cache.length = 0;
    const first = prefillBatch(many, caches, prompts);
    const ids = prompts.map((_, b) => argmax(first.subarray(b * V, (b + 1) * V)));
    for (let i = 0; i < n; i++) {
      decodeBatch(many, caches, ids, out);
      for (let b = 0; b < B; b++) ids[b] = argmax(out.subarray(b * V, (b + 1) * V));
    }
  });
}
if (phase === "all" || phase === "rollout") {
  // generateBatch as bench rollout's rollout_pool row calls it (sampling, log-probabilities, pools kept).
  const o = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, seed: 1, maxTokens: n, ignoreEos: true, context: 68 + n + 1 };
  for (const batch of [1, B]) {
    const kept = new KvCachePool(c, batch, 68 + n + 1);
    timed(`generateBatch, batch ${batch}`, 2, () => generateBatch(m, prompts, o, { batch, pool: kept }));
  }
}
