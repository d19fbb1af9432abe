// `kotodama bench rag-ann --through-index`: the dense store measured through an index folder rather than the raw
// store — a `rag index` of N one-line passages whose dense vectors are rag-ann's synthetic ones (an embedder that
// looks a passage's or query's vector up by its text), `buildDense` writing INDEX/dense, `syncLanceStore` writing
// the LanceDB table (IVF-PQ, √N partitions, C/16 sub-vectors), then ModeIndex in dense mode over exact search and
// over the table (openLanceStore: nprobes 20 with refine ×10 and ×100, nprobes 64 with ×10), timed per query including the chunk read (k = 10, and k = 100: the depth hybrid
// search asks of the dense side), recall against exact. Not here: the raw-store rows and the FTS (rag-ann.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsyncDenseRetriever, buildDense, DenseRetriever, ModeIndex, openDenseVectors, readDenseManifest } from "../src/rag/dense-index.js";
import { openLanceStore, syncLanceStore } from "../src/rag/dense-lance.js";
import type { Embedder } from "../src/rag/embedder.js";
import { INDEX_DEFAULTS, updateIndex } from "../src/rag/indexer.js";
import { LexicalIndex } from "../src/rag/lexical.js";
import type { AnnConfig } from "../src/rag/lance-store.js";
import { dirMb, percentile } from "./rag.js";

export interface IndexPathRow {
  chunks: number;
  store: string;
  k: number;
  buildSeconds: number;
  diskMb: number;
  p50Ms: number;
  p99Ms: number;
  recall: number;
}

/** vectors (N·C) and queries (Q·C) behind an index of N passages "c0"… and queries "q0"…. */
export async function indexPathRows(vectors: Float32Array, queries: readonly Float32Array[], C: number, partitions: number | undefined, say: (row: IndexPathRow) => void): Promise<IndexPathRow[]> {
  const N = vectors.length / C;
  const dir = mkdtempSync(join(tmpdir(), "kotodama-bench-ann-index-"));
  try {
    const embedder: Embedder = {
      spec: { model: "synthetic", pooling: "mean", maxTokens: 16 },
      dim: C,
      truncated: 0,
      embed(text) {
        const n = Number(text.slice(1));
        return text[0] === "c" ? vectors.slice(n * C, (n + 1) * C) : queries[n]!;
      },
    };
    const file = join(dir, "p.jsonl");
    writeFileSync(file, Array.from({ length: N }, (_, i) => `{"id":"c${i}","text":"c${i}"}`).join("\n") + "\n");
    const idx = join(dir, "idx");
    updateIndex(idx, [file], { ...INDEX_DEFAULTS, ingest: { field: "text", idField: "id" } });
    buildDense(idx, embedder, "synthetic");
    const ann: AnnConfig = { kind: "ivf_pq", nprobes: 20, refineFactor: 10, ...(partitions === undefined ? {} : { partitions }) };
    let t = performance.now();
    await syncLanceStore(idx, { ann });
    const buildSeconds = (performance.now() - t) / 1000;
    const lex = new LexicalIndex(idx);
    const m = readDenseManifest(idx)!;
    const exact = new ModeIndex(lex, "dense", new DenseRetriever(embedder, openDenseVectors(idx, lex).vectors));
    const rows: IndexPathRow[] = [];
    const time = async (mi: ModeIndex, k: number): Promise<{ lat: number[]; ids: string[][] }> => {
      const lat: number[] = [];
      const ids: string[][] = [];
      for (let q = 0; q < queries.length; q++) {
        t = performance.now();
        const hits = await mi.searchChunks(`q${q}`, k);
        lat.push(performance.now() - t);
        ids.push(hits.map((h) => h.docId));
      }
      return { lat: lat.sort((a, b) => a - b), ids };
    };
    for (const k of [10, 100]) {
      const ex = await time(exact, k);
      const push = (store: string, r: { lat: number[]; ids: string[][] }, build: number, disk: number): void => {
        const recall = r.ids.reduce((s, g, i) => s + g.filter((id) => ex.ids[i]!.includes(id)).length / Math.max(1, ex.ids[i]!.length), 0) / r.ids.length;
        const row = { chunks: N, store, k, buildSeconds: build, diskMb: disk, p50Ms: percentile(r.lat, 0.5), p99Ms: percentile(r.lat, 0.99), recall };
        rows.push(row);
        say(row);
      };
      push("index, exact", ex, 0, (N * C * 4) / 1e6);
      for (const [nprobes, refineFactor] of [[20, 10], [20, 100], [64, 10]] as const) {
        const store = await openLanceStore(idx, m, lex.manifest.generation, { nprobes, refineFactor });
        push(`index, LanceDB IVF-PQ nprobes ${nprobes} refine ×${refineFactor}`, await time(new ModeIndex(lex, "dense", new AsyncDenseRetriever(embedder, store)), k), k === 10 && refineFactor === 10 && nprobes === 20 ? buildSeconds : 0, dirMb(join(idx, "dense", "lance")));
      }
    }
    lex.close();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
