// Interleaved in one process: two trees' generateBatch (each tree's own dist and addon: a baseline checkout and this
// one) on bench rollout's inputs (16 prompts of 8 … 68 random ids, 64 tokens, temperature 0.8, top-k 40, top-p 0.95,
// 1 thread), batch 1 vs 16, a new pool per call ("new") and a kept pool ("kept"); CPU ms per call, medians over rounds after one
// warm-up, and whether every sequence's ids agree across trees and batch sizes.
// Usage: node dev/rollout/ab-inproc.mjs MODEL.gguf BASE_DIST [ROUNDS]   e.g. BASE_DIST = ../main-copy/dist (built with
// npx tsc, its addon in ../main-copy/build/Release), after npx tsc here.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
const [model, base, roundsArg] = process.argv.slice(2);
if (model === undefined || base === undefined) throw new Error("usage: node dev/rollout/ab-inproc.mjs MODEL.gguf BASE_DIST [ROUNDS]");
const rounds = Number(roundsArg ?? 5);
const trees = { base: resolve(base), this: fileURLToPath(new URL("../../dist", import.meta.url)) };
const libs = {};
for (const [name, d] of Object.entries(trees)) {
  const be = await import(`${d}/src/engine/backend.js`), inf = await import(`${d}/src/infer/index.js`), rng = await import(`${d}/src/util/rng.js`);
  const m = inf.openInferModel(model, { backend: be.loadBackend({ threads: 1 }) });
  libs[name] = { inf, m, Rng: rng.Rng };
}
const V = libs.base.m.config.vocabSize, B = 16, n = 64, cap = 68 + n + 1;
const r0 = new libs.base.Rng(1);
const prompts = Array.from({ length: B }, (_, b) => Array.from({ length: 8 + 4 * b }, () => 1 + Math.floor(r0.next() * (V - 1))));
const o = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, seed: 1, maxTokens: n, ignoreEos: true, context: cap };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const times = {}, ids = {};
const kept = {};
for (const t of Object.keys(trees)) for (const b of [1, B]) kept[`${t}${b}`] = new libs[t].inf.KvCachePool(libs[t].m.config, b, cap);
for (let r = 0; r <= rounds; r++) {
  for (const t of Object.keys(trees)) {
    for (const mode of ["new", "kept"]) for (const b of [1, B]) {
      const c0 = cpu();
      const res = libs[t].inf.generateBatch(libs[t].m, prompts, o, mode === "new" ? { batch: b } : { batch: b, pool: kept[`${t}${b}`] });
      const ms = cpu() - c0;
      const key = `${t} ${mode} b${b}`;
      if (r > 0) (times[key] ??= []).push(ms);
      ids[key] = res.sequences.map((s) => s.ids.join(",")).join(";");
    }
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const same = new Set(Object.values(ids)).size === 1;
const { loadavg } = await import("node:os");
console.log(`${model.split("/").pop()}: ${rounds} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; all trees and batches give the same ids: ${same}`);
for (const t of Object.keys(trees)) for (const mode of ["new", "kept"]) {
  const a = med(times[`${t} ${mode} b1`]), b = med(times[`${t} ${mode} b${B}`]);
  console.log(`  ${t.padEnd(9)} ${mode.padEnd(5)} batch 1 ${a.toFixed(0)} ms, batch 16 ${b.toFixed(0)} ms → ${(a / b).toFixed(2)}×   (batch 16 rounds: ${times[`${t} ${mode} b${B}`].map((x) => x.toFixed(0)).join(" ")})`);
}
