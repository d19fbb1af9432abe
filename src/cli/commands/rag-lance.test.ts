// `rag index --store lance` end to end (compiled CLI in a child process), dense vectors from the qwen2 family
// fixture (a random-weight GGUF: what matters is that the exact and the LanceDB search see the same vectors): with
// --ann none `rag search --json` returns the exact index's ids and scores (within 1e-5) in dense and hybrid modes;
// with IVF-PQ (16 partitions, nprobes 8, refine ×10) on 400 chunks recall@10 against --exact is measured
// (0.987–0.995 over runs: LanceDB's k-means is not seeded) and bounded (≥ 0.95; every partition probed ≥ 0.98,
// measured 1.000; one partition without refine loses recall, 0.70–0.78); a changed file re-indexed refreshes the
// table (new table, old one dropped, the changed chunk found); chat --rag through the table; the flag errors.
// Not here: stale tables and the rebuild rules in the library (src/rag/dense-lance.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../../tests/support/cli-process.js";
import { writeFixture } from "../../../tests/fixtures/families.js";
import { Rng } from "../../util/rng.js";

const WORDS = "apple river mountain cat dog king queen ship sea star moon sun tree bird fish rain snow wind stone gold silver castle forest road city bridge lake flower book song".split(" ");
const sentence = (rng: Rng, n: number): string => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!).join(" ");

interface Result { id: string; score: number }
const results = (out: string): Result[][] => out.trim().split("\n").map((l) => (JSON.parse(l) as { results: Result[] }).results);

test("rag index --store lance: same results as exact (--ann none), IVF-PQ recall@10, refresh on change, flag errors", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-rag-lance-"));
  try {
    const rng = new Rng(5);
    const passages = Array.from({ length: 400 }, (_, i) => ({ pid: `p${i}`, context: `${sentence(rng, 12)} number ${i}.` }));
    const file = join(dir, "p.jsonl");
    writeFileSync(file, passages.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const model = writeFixture(dir, "qwen2", "f32").path;
    const index = join(dir, "idx");
    const ix = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--quiet", "--dense", model, "--store", "lance", "--ann", "none", file]);
    assert.equal(ix.rc, 0, ix.err);
    const manifest = (): { generation: number; store?: { kind: string; table: string; generation: number; ann: Record<string, unknown> } } => JSON.parse(readFileSync(join(index, "dense", "manifest.json"), "utf8"));
    assert.deepEqual([manifest().store?.kind, manifest().store?.generation, manifest().store?.ann], ["lance", 1, { kind: "none" }]);
    const queries = Array.from({ length: 40 }, () => sentence(rng, 6));
    const batch = queries.map((q) => JSON.stringify({ query: q })).join("\n");
    const search = (...extra: string[]): Result[][] => {
      const r = runCli(["rag", "search", "--index", index, "--k", "10", "--batch", ...extra], batch);
      assert.equal(r.rc, 0, r.err);
      return results(r.out);
    };
    // --ann none: LanceDB's exact scan — the same ids in the same order, scores within 1e-5, dense and hybrid.
    for (const mode of ["dense", "hybrid"]) {
      const exact = search("--mode", mode, "--exact");
      const lance = search("--mode", mode);
      assert.deepEqual(lance.map((l) => l.map((h) => h.id)), exact.map((l) => l.map((h) => h.id)), mode);
      lance.forEach((l, i) => l.forEach((h, j) => assert.ok(Math.abs(h.score - exact[i]![j]!.score) <= 1e-5, `${mode} ${h.score} vs ${exact[i]![j]!.score}`)));
      assert.ok(exact.every((l) => l.length === 10));
    }
    // IVF-PQ, 16 partitions, 8 probed, refine ×10 (the default): recall@10 against exact search.
    const ivf = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--store", "lance", "--ann", "ivf_pq", "--partitions", "16", "--nprobes", "8", file]);
    assert.equal(ivf.rc, 0, ivf.err);
    assert.match(ivf.err, /0 chunks embedded, 400 reused/);
    assert.match(ivf.err, /dense store lance \(ivf_pq, partitions 16, nprobes 8, refine-factor 10\): table chunks_gen1_\w+ at .*, written \(400 vectors\)/);
    assert.deepEqual(manifest().store?.ann, { kind: "ivf_pq", refineFactor: 10, partitions: 16, nprobes: 8 });
    const exact = search("--mode", "dense", "--exact").map((l) => l.map((h) => h.id));
    const recall = (got: string[][]): number => got.reduce((s, g, i) => s + g.filter((id) => exact[i]!.includes(id)).length / 10, 0) / got.length;
    const r8 = recall(search("--mode", "dense").map((l) => l.map((h) => h.id)));
    const r16 = recall(search("--mode", "dense", "--nprobes", "16", "--refine-factor", "40").map((l) => l.map((h) => h.id)));
    const r1 = recall(search("--mode", "dense", "--nprobes", "1", "--refine-factor", "1").map((l) => l.map((h) => h.id)));
    t.diagnostic(`IVF-PQ recall@10 on 400 chunks: nprobes 8 refine ×10 ${r8.toFixed(3)}; nprobes 16 refine ×40 ${r16.toFixed(3)}; nprobes 1 refine ×1 ${r1.toFixed(3)}`);
    assert.ok(r8 >= 0.95, `recall@10 ${r8}`);
    assert.ok(r16 >= 0.98, `recall@10 every partition ${r16}`);
    assert.ok(r1 < r8, `probing 1 partition without refine (${r1}) must lose recall, or the query-time flags do nothing`);
    // A rerun with nothing changed keeps the table.
    const again = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", file]);
    assert.equal(again.rc, 0, again.err);
    assert.match(again.err, /dense store lance \(ivf_pq, .*\): table .* unchanged/);
    // One passage changed: generation 2, a new table (the old one dropped), the changed chunk found through it.
    const table1 = manifest().store!.table;
    const changed = "the purple elephant juggles seven lanterns above the harbour";
    writeFileSync(file, passages.map((p, i) => JSON.stringify(i === 123 ? { pid: p.pid, context: changed } : p)).join("\n") + "\n");
    const re = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", file]);
    assert.equal(re.rc, 0, re.err);
    assert.match(re.err, /1 chunks embedded, 399 reused/);
    assert.deepEqual([manifest().generation, manifest().store?.generation], [2, 2]);
    assert.notEqual(manifest().store!.table, table1);
    assert.deepEqual(readdirSync(join(index, "dense", "lance")), [`${manifest().store!.table}.lance`]);
    const found = runCli(["rag", "search", "--index", index, "--mode", "dense", "--k", "1", "--json", changed]);
    assert.equal(found.rc, 0, found.err);
    const top = (JSON.parse(found.out) as { results: Result[] }).results[0]!;
    assert.equal(top.id, "p123");
    assert.ok(Math.abs(top.score - 1) < 1e-4, `${top.score}`);
    // --store exact: back to brute force, the table gone from the manifest and the folder.
    const ex = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--store", "exact", file]);
    assert.equal(ex.rc, 0, ex.err);
    assert.equal(manifest().store, undefined);
    assert.ok(!readdirSync(join(index, "dense")).includes("lance"));
    // Flag errors name the flag.
    const small = join(dir, "small.jsonl");
    writeFileSync(small, passages.slice(0, 20).map((p) => JSON.stringify(p)).join("\n") + "\n");
    const idx2 = join(dir, "idx2");
    for (const [args, re2] of [
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lanc", file], /--store must be one of exact, lance, got "lanc"/],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lance", "--ann", "ivf", file], /--ann must be one of ivf_pq, hnsw_sq, none, got "ivf"/],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--ann", "none", file], /--ann goes with --store lance/],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lance", "--nprobes", "0", file], /--nprobes expects an integer in \[1, /],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lance", "--ef", "50", file], /--ef is for a LanceDB store with --ann hnsw_sq; this one is ivf_pq/],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lance", "--ann", "none", "--refine-factor", "5", file], /--refine-factor is for a LanceDB store with --ann ivf_pq or hnsw_sq; this one is none/],
      [["rag", "index", "--out", idx2, "--field", "context", "--store", "lance", small], /--store lance is where the dense vectors are searched; .* has none \(add --dense MODEL\)/],
      [["rag", "index", "--out", idx2, "--field", "context", "--dense", model, "--store", "lance", small], /--ann ivf_pq needs at least 256 chunks to train its product quantizer, the index has 20; use --ann none/],
      [["rag", "search", "--index", index, "--nprobes", "4", "cat"], /--nprobes needs an index with a LanceDB store \(rag index --store lance\); this one searches exactly/],
      [["rag", "search", "--index", index, "--refine-factor", "x", "cat"], /--refine-factor needs an index with a LanceDB store/],
      [["chat", "--model", model, "--exact", "--message", "hi"], /--exact, --nprobes, --refine-factor, --ef, --rerank and --rerank-model need --rag INDEX/],
      [["chat", "--model", model, "--rag", index, "--nprobes", "4", "--message", "hi"], /--nprobes needs an index with a LanceDB store/],
    ] as const) {
      const bad = runCli(args);
      assert.notEqual(bad.rc, 0, args.join(" "));
      assert.match(bad.err, re2);
    }
    // Query-time flags on a LanceDB index: a bad value, --ef on IVF-PQ, --exact with --nprobes.
    assert.equal(runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--quiet", "--store", "lance", "--ann", "ivf_pq", "--partitions", "8", file]).rc, 0);
    for (const [args, re2] of [
      [["--nprobes", "0"], /--nprobes expects an integer in \[1, /],
      [["--ef", "20"], /--ef is for a LanceDB store with --ann hnsw_sq; this one is ivf_pq/],
      [["--exact", "--nprobes", "4"], /--nprobes sets a LanceDB store's search; --exact searches without it/],
      [["--mode", "lexical", "--nprobes", "4"], /--nprobes sets the dense search; mode lexical has none/],
    ] as const) {
      const bad = runCli(["rag", "search", "--index", index, ...args, "cat"]);
      assert.notEqual(bad.rc, 0, args.join(" "));
      assert.match(bad.err, re2);
    }
    // chat --rag answers through the table: sources in the order of rag search on the same store.
    const q = "cat king ship";
    const want = (JSON.parse(runCli(["rag", "search", "--index", index, "--mode", "dense", "--k", "3", "--json", q]).out) as { results: Result[] }).results.map((h) => h.id);
    const c = runCli(["chat", "--model", model, "--rag", index, "--retrieval", "dense", "--mode", "extract", "--scorer", "lexical", "--threshold", "0", "--k", "3", "--message", q, "--json"]);
    assert.equal(c.rc, 0, c.err);
    assert.deepEqual((JSON.parse(c.out) as { sources: { id: string }[] }).sources.map((x) => x.id), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
