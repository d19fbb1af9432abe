// Memory of runPipeline step by step (docs/benchmarks.md "The step-2 memory regression"): the bench data
// configuration on DIR/big-*.txt (e.g. from `bench data --big MB --input-dir D --generate-only`), WORKERS, under
// CAP (default 1G). Prints per step the peak of each process.memoryUsage() field (MB); with TRACE=1 and
// --expose-gc, every 2 s the heap after a forced GC and the V8 heap spaces.
// Usage: npm run build && TRACE=1 node --expose-gc dev/data/memprobe.mjs DIR WORKERS OUT
// per-step peak of each memoryUsage component while runPipeline runs (ROOT = worktree)
import { readFileSync } from "node:fs";
const root = process.env.ROOT ?? new URL("../..", import.meta.url).pathname;
const { runPipeline } = await import(`${root}/dist/src/data/pipeline.js`);
const { parseConfig } = await import(`${root}/dist/src/data/config.js`);
const { loadTokenizer } = await import(`${root}/dist/src/tokenizer/load.js`);
const { sha256 } = await import(`${root}/dist/src/data/files.js`);
const [dir, workers, out] = [process.argv[2], +process.argv[3], process.argv[4]];
const tokPath = process.env.TOKENIZER ?? new URL("../../../shared/reference/tokenizers/ggml-vocab-gpt-2.gguf", import.meta.url).pathname;
const tokenizer = { tokenizer: loadTokenizer(tokPath), path: tokPath, sha256: sha256(readFileSync(tokPath)) };
const cfg = parseConfig({ sources: [{ name: "big", paths: [`${dir}/big-*.txt`], format: "text", separator: "<|endoftext|>" }], workers, inputShardBytes: 4 << 20, memoryCap: process.env.CAP ?? "1G" }, "p");
let tick = 0; let step = null, t = performance.now(), peak = {};
const MB = (x) => Math.round(x / 1048576);
const mark = (s) => { if (step) console.log(JSON.stringify({ step, wall: +((performance.now() - t) / 1000).toFixed(1), ...Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, MB(v)])) })); step = s; t = performance.now(); peak = {}; };
const h = setInterval(async () => { const m = process.memoryUsage(); for (const k of Object.keys(m)) peak[k] = Math.max(peak[k] ?? 0, m[k]); if (process.env.TRACE && (tick++ % 20 === 0)) { globalThis.gc?.(); const g = process.memoryUsage(); console.log("live", step, MB(g.rss), MB(g.heapUsed), MB(g.external), (await import("node:v8")).getHeapSpaceStatistics().map((s) => s.space_name.replace("_space","") + ":" + MB(s.space_used_size)).join(" ")); } if (false) console.log(step, MB(m.rss), MB(m.heapUsed), MB(m.heapTotal), MB(m.external), MB(m.arrayBuffers)); }, Number(process.env.EVERY ?? 100));
mark("setup");
const r = await runPipeline(cfg, { outDir: out, baseDir: "/", tokenizer, force: true, onProgress: (p) => { if (p.step !== step) mark(p.step); } });
mark("end"); clearInterval(h);
console.log(JSON.stringify({ workers, total: +r.seconds.toFixed(1), train: r.manifest.splits.train.tokens }));
