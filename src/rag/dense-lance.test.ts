// The LanceDB store of an index's dense part (dense-lance.ts) with a deterministic embedder (character counts hashed
// into 16 dimensions): the table answers as exact search does (--ann none), a rerun with the same vectors keeps
// it, new query defaults alone rewrite only the manifest, and a table left behind by an interrupted re-index (new
// generation, or the same generation re-embedded by another model) is refused until the store is synced, while
// exact search works meanwhile; a store moved to another --store-uri (its tables named with the index's id, what an
// interrupted build left there dropped, other indexes' tables kept) and back; removing the store returns the
// manifest to exact; a malformed store record is a FormatError naming the field. Not here: the CLI flags and ANN recall (cli/commands/rag-lance.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalize } from "./dense-store.js";
import { AsyncDenseRetriever, buildDense, DenseRetriever, ModeIndex, openDenseVectors, readDenseManifest } from "./dense-index.js";
import { openLanceStore, removeLanceStore, syncLanceStore } from "./dense-lance.js";
import { LanceVectorStore } from "./lance-store.js";
import type { Embedder } from "./embedder.js";
import { INDEX_DEFAULTS, updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";

const charEmbedder = (mult = 2654435761): Embedder => ({
  spec: { model: "chars", pooling: "mean", maxTokens: 1000 },
  dim: 16,
  truncated: 0,
  embed(text) {
    const v = new Float32Array(16);
    for (const ch of text) v[(ch.codePointAt(0)! * mult) % 16]! += 1;
    return normalize(v);
  },
});

test("dense LanceDB store: same hits as exact, kept when unchanged, stale tables refused, removed back to exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-dense-lance-"));
  try {
    const file = join(dir, "p.jsonl");
    const texts = ["梅雨は北海道にない。", "富士山は日本一高い山である。", "The cat sat on the mat.", "東京は日本の首都である。", "琵琶湖は滋賀県にある。"];
    const write = (ts: readonly string[]): void => writeFileSync(file, ts.map((t, i) => JSON.stringify({ id: `p${i}`, text: t })).join("\n") + "\n");
    write(texts);
    const cfg = { ...INDEX_DEFAULTS, ingest: { field: "text", idField: "id" } };
    const idx = join(dir, "idx");
    updateIndex(idx, [file], cfg);
    const e = charEmbedder();
    buildDense(idx, e, "sha-a");
    assert.equal(readDenseManifest(idx)?.store, undefined); // no store: exact search
    const r1 = await syncLanceStore(idx, { ann: { kind: "none" } });
    assert.equal(r1.rebuilt, true);
    const m1 = readDenseManifest(idx)!;
    assert.deepEqual([m1.store?.kind, m1.store?.generation, m1.store?.table, m1.store?.vectorsSha256], ["lance", 1, r1.table, m1.vectorsSha256]);
    const lex = new LexicalIndex(idx);
    const exact = new DenseRetriever(e, openDenseVectors(idx, lex).vectors);
    const lance = new AsyncDenseRetriever(e, await openLanceStore(idx, m1, lex.manifest.generation, {}));
    for (const q of [...texts, "日本の山", "a cat"]) {
      const want = exact.search(q, 5);
      const got = await lance.search(q, 5);
      assert.deepEqual(got.map((h) => h.chunk), want.map((h) => h.chunk), q);
      got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) < 1e-5));
      // Through the index's modes too: hybrid over the LanceDB side equals hybrid over exact search.
      const [hl, he] = [await new ModeIndex(lex, "hybrid", lance).search(q, 3), await new ModeIndex(lex, "hybrid", exact).search(q, 3)];
      assert.deepEqual(hl.map((h) => h.chunk), he.map((h) => h.chunk), q);
      hl.forEach((h, i) => assert.ok(Math.abs(h.score - he[i]!.score) < 1e-5));
    }
    lex.close();
    // Same vectors, same index settings: the table is kept; new query defaults only rewrite the manifest.
    assert.equal((await syncLanceStore(idx, { ann: { kind: "none" } })).rebuilt, false);
    const withDefaults = await syncLanceStore(idx, { ann: { kind: "none", refineFactor: 3 } });
    assert.deepEqual([withDefaults.rebuilt, withDefaults.table, readDenseManifest(idx)?.store?.ann.refineFactor], [false, r1.table, 3]);
    // Interrupted re-index: the lexical index and the vectors moved to generation 2, the table did not. Refused
    // (naming both generations and what to do); exact search works meanwhile.
    write([...texts.slice(0, 4), "大阪は日本第二の都市である。"]);
    updateIndex(idx, [file], cfg);
    const lex2 = new LexicalIndex(idx);
    await assert.rejects(openLanceStore(idx, readDenseManifest(idx)!, lex2.manifest.generation, {}), /dense vectors are for generation 1 but the index is at 2; rerun 'kotodama rag index'.*or search with --exact/);
    buildDense(idx, e, "sha-a");
    const m2 = readDenseManifest(idx)!;
    assert.deepEqual([m2.generation, m2.store?.generation], [2, 1]); // the store record kept, now stale
    await assert.rejects(openLanceStore(idx, m2, lex2.manifest.generation, {}), /the LanceDB table chunks_gen1_\w+ holds the vectors of generation 1, but the index's dense vectors are generation 2; rerun 'kotodama rag index'/);
    assert.equal(openDenseVectors(idx, lex2).vectors.size, 5);
    const r2 = await syncLanceStore(idx, m2.store!);
    assert.equal(r2.rebuilt, true);
    assert.notEqual(r2.table, r1.table);
    assert.deepEqual(readdirSync(join(idx, "dense", "lance")), [`${r2.table}.lance`]); // the gen-1 table dropped
    const osaka = new AsyncDenseRetriever(e, await openLanceStore(idx, readDenseManifest(idx)!, lex2.manifest.generation, {}));
    assert.equal(lex2.chunk((await osaka.search("大阪は日本第二の都市である。", 1))[0]!.chunk).docId, "p4");
    // Another model, same generation: every vector re-embedded (differently), the table (same generation) refused.
    buildDense(idx, charEmbedder(40503), "sha-b");
    const m3 = readDenseManifest(idx)!;
    assert.equal(m3.store?.generation, m3.generation);
    await assert.rejects(openLanceStore(idx, m3, lex2.manifest.generation, {}), /holds the vectors of generation 2 as embedded before, but the index's dense vectors are generation 2 re-embedded since/);
    lex2.close();
    // Moved to another database (--store-uri): the table written there, the index's own folder removed; back to
    // exact: the record removed and that table dropped (the database keeps anything else).
    const elsewhere = join(dir, "db");
    const moved = await syncLanceStore(idx, { uri: elsewhere, ann: { kind: "none" } });
    assert.deepEqual([moved.rebuilt, readDenseManifest(idx)?.store?.uri], [true, elsewhere]);
    assert.ok(!readdirSync(join(idx, "dense")).includes("lance"));
    assert.deepEqual(readdirSync(elsewhere), [`${moved.table}.lance`]);
    // The shared database's tables carry the index's id (dense/store-id): what an interrupted build of this index
    // left there is dropped by the next sync, another index's table and a foreign one are kept.
    const id = readFileSync(join(idx, "dense", "store-id"), "utf8").trim();
    assert.match(moved.table, new RegExp(`^chunks_i${id}_gen2_[0-9a-f]{12}$`));
    const v = new Float32Array(16 * 2).fill(0.25);
    for (const name of [`chunks_i${id}_gen3_00000000abcd`, "chunks_i0123456789abcdef_gen1_00000000abcd", "someone_else"]) await LanceVectorStore.create(elsewhere, v, 16, { kind: "none" }, name);
    const again = await syncLanceStore(idx, { uri: elsewhere, ann: { kind: "none" } });
    assert.deepEqual([again.rebuilt, again.table], [false, moved.table]);
    assert.deepEqual(readdirSync(elsewhere).sort(), ["chunks_i0123456789abcdef_gen1_00000000abcd.lance", `${moved.table}.lance`, "someone_else.lance"].sort());
    writeFileSync(join(idx, "dense", "store-id"), "not-an-id\n");
    await assert.rejects(syncLanceStore(idx, { uri: elsewhere, ann: { kind: "none" } }), /store-id.*expected 16 hexadecimal digits/);
    writeFileSync(join(idx, "dense", "store-id"), `${id}\n`);
    for (const name of ["chunks_i0123456789abcdef_gen1_00000000abcd", "someone_else"]) await LanceVectorStore.drop(elsewhere, name);
    assert.equal(await removeLanceStore(idx), true);
    assert.deepEqual(readdirSync(elsewhere), []);
    await syncLanceStore(idx, { ann: { kind: "none" } });
    // Back to exact: the record removed, the index's own LanceDB folder deleted.
    assert.equal(await removeLanceStore(idx), true);
    assert.equal(readDenseManifest(idx)?.store, undefined);
    assert.ok(!readdirSync(join(idx, "dense")).includes("lance"));
    assert.equal(await removeLanceStore(idx), false);
    // A malformed store record names the field.
    const mf = join(idx, "dense", "manifest.json");
    writeFileSync(mf, JSON.stringify({ ...JSON.parse(readFileSync(mf, "utf8")), store: { kind: "lance", table: 3 } }));
    assert.throws(() => readDenseManifest(idx), /manifest\.json.*field "store": expected \{kind: "lance", table/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
