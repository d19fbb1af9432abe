// The dense half of an index folder, round trip: rag index → buildDense with a deterministic embedder (character
// counts hashed into 16 dimensions, so equal texts get equal vectors) → reopen → search; a changed file re-embeds
// only its new chunks; stale vectors are refused. Not here: model embeddings (infer/embed.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalize } from "./dense-store.js";
import { buildDense, DenseRetriever, ModeIndex, openDenseVectors, readDenseManifest } from "./dense-index.js";
import type { Embedder } from "./embedder.js";
import { INDEX_DEFAULTS, updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";

function charEmbedder(): Embedder & { calls: number } {
  let calls = 0;
  return {
    spec: { model: "chars", pooling: "mean", maxTokens: 1000 },
    dim: 16,
    truncated: 0,
    get calls() {
      return calls;
    },
    embed(text) {
      calls++;
      const v = new Float32Array(16);
      for (const ch of text) v[(ch.codePointAt(0)! * 2654435761) % 16]! += 1;
      return normalize(v);
    },
  };
}

test("dense index: build, reopen, search, incremental re-embed, stale generation refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-dense-"));
  try {
    const file = join(dir, "p.jsonl");
    const texts = ["梅雨は北海道にない。", "富士山は日本一高い山である。", "The cat sat on the mat.", "東京は日本の首都である。"];
    writeFileSync(file, texts.map((t, i) => JSON.stringify({ id: `p${i}`, text: t })).join("\n") + "\n");
    const cfg = { ...INDEX_DEFAULTS, ingest: { field: "text", idField: "id" } };
    const idx = join(dir, "idx");
    updateIndex(idx, [file], cfg);
    const e = charEmbedder();
    const r1 = buildDense(idx, e, "sha-a");
    assert.deepEqual([r1.chunks, r1.embedded, r1.reused], [4, 4, 0]);
    const lex = new LexicalIndex(idx);
    const { manifest, vectors } = openDenseVectors(idx, lex);
    assert.deepEqual([manifest.generation, manifest.chunks, manifest.dim, manifest.embedder.model], [1, 4, 16, "chars"]);
    const dense = new DenseRetriever(e, vectors);
    texts.forEach((t, i) => {
      const top = dense.search(t, 1)[0]!;
      assert.equal(lex.chunk(top.chunk).docId, `p${i}`);
      assert.ok(Math.abs(top.score - 1) < 1e-5);
    });
    // Modes: hybrid ranks the exact-text chunk first; answering gets BM25 scores in that order.
    const mi = new ModeIndex(lex, "hybrid", dense);
    assert.equal((await mi.searchChunks("富士山は日本一高い山である。", 1))[0]!.docId, "p1");
    const forAnswer = await mi.searchForAnswer("富士山は日本一高い山である。", 2);
    assert.equal(forAnswer[0]!.score, lex.search("富士山は日本一高い山である。", 1)[0]!.score);
    assert.throws(() => new ModeIndex(lex, "dense", null), /needs dense vectors/);
    lex.close();
    // Same generation and embedder: nothing embedded.
    const calls = e.calls;
    assert.equal(buildDense(idx, e, "sha-a").embedded, 0);
    assert.equal(e.calls, calls);
    // One passage changed: the index moves to generation 2; only the new text is embedded.
    writeFileSync(file, [...texts.slice(0, 3), "大阪は日本第二の都市である。"].map((t, i) => JSON.stringify({ id: `p${i}`, text: t })).join("\n") + "\n");
    updateIndex(idx, [file], cfg);
    const lex2 = new LexicalIndex(idx);
    assert.throws(() => openDenseVectors(idx, lex2), /dense vectors are for generation 1 but the index is at 2/);
    const r2 = buildDense(idx, e, "sha-a");
    assert.deepEqual([r2.embedded, r2.reused], [1, 3]);
    assert.equal(readDenseManifest(idx)?.generation, 2);
    const d2 = new DenseRetriever(e, openDenseVectors(idx, lex2).vectors);
    assert.equal(lex2.chunk(d2.search("大阪は日本第二の都市である。", 1)[0]!.chunk).docId, "p3");
    lex2.close();
    // Another model: everything re-embedded.
    assert.equal(buildDense(idx, e, "sha-b").embedded, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
