// Incremental indexing and citations: offsets point at the right characters of the source (code points, also past
// a character outside the BMP), a changed file is re-indexed, a deleted one removed, an interrupted run leaves the
// old index whole, and JSONL passages keep their ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEX_DEFAULTS, readIndexManifest, updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";
import { chunkDocument } from "./chunker.js";
import { ingestText } from "./ingest.js";

function fixture(): { dir: string; docs: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-rag-"));
  const docs = join(dir, "docs");
  mkdirSync(docs);
  writeFileSync(join(docs, "a.txt"), "𠮷野家は牛丼の店である。東京に本店がある。\n\n富士山は日本一高い山だ。標高は3776メートル。\n");
  writeFileSync(join(docs, "b.md"), "# 梅雨\n\n梅雨は雨季の一種である。北海道には梅雨がない。\n\n## 台風\n\n台風は夏から秋に来る。\n");
  writeFileSync(join(docs, "c.jsonl"), `${JSON.stringify({ pid: "p1", body: "琵琶湖は滋賀県にある日本最大の湖である。" })}\n${JSON.stringify({ pid: 7, body: "The Nile: longest river." })}\n`);
  return { dir, docs, out: join(dir, "index") };
}

const cfg = { ...INDEX_DEFAULTS, chunk: { targetChars: 30, overlapChars: 0 }, ingest: { field: "body", idField: "pid" } };

/** The code-point slice [start, end) of s, as Python's s[start:end]. */
const cpSlice = (s: string, start: number, end: number): string => Array.from(s).slice(start, end).join("");

test("search results carry passage ids and offsets that point at the source characters", () => {
  const { dir, docs, out } = fixture();
  try {
    const r = updateIndex(out, [docs], cfg);
    assert.deepEqual([r.added, r.changed, r.removed, r.rebuilt], [3, 0, 0, true]);
    const idx = new LexicalIndex(out);
    try {
      const top = idx.searchChunks("本店はどこ", 1)[0];
      assert.ok(top !== undefined);
      assert.match(top.docId, /a\.txt$/);
      const src = readFileSync(join(docs, "a.txt"), "utf8");
      // 𠮷 is two UTF-16 units but one character: offsets count it once.
      assert.equal(top.start, 0);
      assert.equal(cpSlice(src, top.start, top.end), top.text);
      assert.ok(top.text.startsWith("𠮷野家") && top.text.includes("東京に本店"));
      const fuji = idx.searchChunks("富士山の標高", 1)[0];
      assert.ok(fuji !== undefined);
      assert.equal(cpSlice(src, fuji.start, fuji.end), fuji.text);
      assert.equal(fuji.start, Array.from("𠮷野家は牛丼の店である。東京に本店がある。\n\n").length);
      const lake = idx.searchChunks("日本最大の湖", 1)[0];
      assert.deepEqual([lake?.docId, lake?.start, lake?.text], ["p1", 0, "琵琶湖は滋賀県にある日本最大の湖である。"]);
      assert.equal(idx.searchChunks("longest river", 1)[0]?.docId, "7");
      // Markdown: a heading starts a chunk and stays with its section.
      const typhoon = idx.searchChunks("台風", 1)[0];
      assert.equal(typhoon?.text, "## 台風\n\n台風は夏から秋に来る。");
    } finally {
      idx.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("re-indexing: a changed file is re-read, an unchanged one reused, a deleted one removed", () => {
  const { dir, docs, out } = fixture();
  try {
    updateIndex(out, [docs], cfg);
    const same = updateIndex(out, [docs], cfg);
    assert.deepEqual([same.unchanged, same.rebuilt, same.generation], [3, false, 1]);
    // Touched but identical content: hashed, not re-indexed.
    utimesSync(join(docs, "b.md"), new Date(), new Date(Date.now() + 5000));
    assert.equal(updateIndex(out, [docs], cfg).rebuilt, false);
    writeFileSync(join(docs, "a.txt"), "松屋は牛めしの店である。\n");
    rmSync(join(docs, "b.md"));
    const r = updateIndex(out, [docs], cfg);
    assert.deepEqual([r.added, r.changed, r.unchanged, r.removed, r.generation], [0, 1, 1, 1, 2]);
    const idx = new LexicalIndex(out);
    try {
      assert.equal(idx.searchChunks("牛めし", 1)[0]?.text, "松屋は牛めしの店である。");
      assert.equal(idx.searchChunks("𠮷野家 東京 本店", 5).filter((h) => h.docId.endsWith("a.txt")).length, 0);
      assert.equal(idx.searchChunks("梅雨 台風", 5).length, 0);
      assert.equal(idx.size, 3);
    } finally {
      idx.close();
    }
    // Old generations and segments are gone.
    assert.deepEqual(readdirSync(out).filter((n) => n.startsWith("gen-")), ["gen-2"]);
    assert.equal(readdirSync(join(out, "segments")).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an interrupted run leaves the old index searchable, and the next run finishes the work", () => {
  const { dir, docs, out } = fixture();
  try {
    updateIndex(out, [docs], cfg);
    // A crash mid-build: a half-written generation and a temp segment, manifest untouched.
    mkdirSync(join(out, "gen-2.tmp"));
    writeFileSync(join(out, "gen-2.tmp", "postings.bin"), "half");
    writeFileSync(join(out, "segments", "x.jsonl.tmp"), "{");
    writeFileSync(join(docs, "a.txt"), "松屋は牛めしの店である。\n");
    assert.equal(readIndexManifest(out).generation, 1);
    const before = new LexicalIndex(out);
    assert.match(before.searchChunks("本店", 1)[0]?.text ?? "", /東京に本店/);
    before.close();
    const r = updateIndex(out, [docs], cfg);
    assert.deepEqual([r.changed, r.generation], [1, 2]);
    assert.ok(!existsSync(join(out, "gen-2.tmp")) && !existsSync(join(out, "segments", "x.jsonl.tmp")));
    const after = new LexicalIndex(out);
    assert.equal(after.searchChunks("牛めし", 1)[0]?.text, "松屋は牛めしの店である。");
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chunks: target size with sentence overlap, contiguous spans", () => {
  const text = "一文目です。二文目です。三文目です。四文目です。五文目です。";
  const chunks = chunkDocument({ id: "d", source: "d", text, markdown: false }, { targetChars: 14, overlapChars: 6 });
  assert.deepEqual(
    chunks.map((c) => c.text),
    ["一文目です。二文目です。", "二文目です。三文目です。", "三文目です。四文目です。", "四文目です。五文目です。"],
  );
  for (const c of chunks) assert.equal(text.slice(c.start, c.end), c.text);
});

test("bad input names the file, line, field and flag", () => {
  assert.throws(() => ingestText("bad.jsonl", '{"context":"a","qid":"x"}\n{"qid":"y"}\n', { field: "context", idField: "qid" }), /bad\.jsonl: line 2: field 'context' \(--field\) is missing/);
  assert.throws(() => ingestText("dup.jsonl", '{"t":"a","id":1}\n{"t":"b","id":1}\n', { field: "t", idField: "id" }), /dup\.jsonl: line 2: duplicate id '1'/);
  assert.throws(() => ingestText("x.docx", "", { field: "t", idField: null }), /x\.docx: cannot ingest '\.docx'; expected one of \.txt/);
});
