// Query latency of an index's dense store through the CLI's own path: opens INDEX with openModeIndex (as `rag search`
// does: the embedding model named in the manifest, the LanceDB table unless --exact) and times searchChunks per
// question (query embedding + search + chunk read), p50/p99, then recall@k of the hits against the same index
// searched with --exact. Not here: library code; the synthetic 10k–100k vectors (bench rag-ann --through-index).
//
// node dev/rag/store-latency.mjs --index INDEX --queries queries.jsonl [--mode dense|hybrid] [--k 10] [--threads N]
//   [--nprobes N] [--refine-factor N]     (queries.jsonl: {"query": ...} lines, as rag search --batch reads)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openModeIndex } from "../../dist/src/cli/commands/rag.js";

const { values } = parseArgs({ options: { index: { type: "string" }, queries: { type: "string" }, mode: { type: "string", default: "dense" }, k: { type: "string", default: "10" }, threads: { type: "string" }, nprobes: { type: "string" }, "refine-factor": { type: "string" } } });
if (values.index === undefined || values.queries === undefined) throw new Error("store-latency: --index INDEX --queries FILE are required");
const queries = readFileSync(values.queries, "utf8").trim().split("\n").map((l) => JSON.parse(l).query);
const k = Number(values.k);
const threads = values.threads === undefined ? undefined : Number(values.threads);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function run(flags) {
  const idx = await openModeIndex("store-latency", values.index, values.mode, "mode", flags, {}, threads);
  const lat = [];
  const ids = [];
  await idx.searchChunks(queries[0], k); // warm-up (first call loads kernels and opens files)
  for (const q of queries) {
    const t = performance.now();
    const hits = await idx.searchChunks(q, k);
    lat.push(performance.now() - t);
    ids.push(hits.map((h) => h.docId + ":" + h.start));
  }
  idx.lexical.close();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), ids };
}

const exact = await run({ exact: true });
const lance = await run({ ...(values.nprobes === undefined ? {} : { nprobes: values.nprobes }), ...(values["refine-factor"] === undefined ? {} : { "refine-factor": values["refine-factor"] }) });
const recall = lance.ids.reduce((s, g, i) => s + g.filter((x) => exact.ids[i].includes(x)).length / Math.max(1, exact.ids[i].length), 0) / queries.length;
console.log(`${values.mode} k=${k}, ${queries.length} queries: exact p50 ${exact.p50.toFixed(1)} ms p99 ${exact.p99.toFixed(1)} ms; store p50 ${lance.p50.toFixed(1)} ms p99 ${lance.p99.toFixed(1)} ms; recall@${k} vs exact ${recall.toFixed(3)}`);
