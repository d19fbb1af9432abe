// PDF ingest: the page texts pdf.js gives for a PDF written here (pdf.fixture.ts: known lines per page, an empty
// page, PDF string escapes), one document a page with text (id FILE#page=N), an index built from it whose search
// results slice their page's text exactly, re-indexing after the PDF changes, and unreadable bytes failing with the
// file named. Not here: pdf.js itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";
import { ingestBytes } from "./ingest.js";
import { updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";
import { pdfPageTexts } from "./pdf-text.js";
import { makePdf } from "./pdf.fixture.js";

const PAGES = [["The Nile is the longest river.", "It flows   north (to Egypt)."], [], ["Matcha is green tea from Uji.", "A back\\slash stays."]];

test("pdfPageTexts: each page's lines in order, whitespace collapsed, escapes undone; an empty page is empty", () => {
  assert.deepEqual(pdfPageTexts("a.pdf", makePdf(PAGES)), ["The Nile is the longest river.\nIt flows north (to Egypt).", "", "Matcha is green tea from Uji.\nA back\\slash stays."]);
});

test("ingestBytes: one document a page with text, id FILE#page=N; bad bytes name the file", () => {
  const docs = ingestBytes("doc.pdf", makePdf(PAGES));
  assert.deepEqual(docs.map((d) => [d.id, d.source, d.markdown]), [["doc.pdf#page=1", "doc.pdf", false], ["doc.pdf#page=3", "doc.pdf", false]]);
  assert.equal(docs[1]!.text, "Matcha is green tea from Uji.\nA back\\slash stays.");
  for (const bad of [Buffer.from("not a pdf at all"), makePdf(PAGES).subarray(0, 40)]) {
    assert.throws(() => ingestBytes("broken.pdf", bad), (e: unknown) => e instanceof FormatError && /broken\.pdf: not a readable PDF/.test(e.message));
  }
});

test("rag index of a PDF: search hits slice their page's text; a changed PDF is re-indexed", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-pdf-"));
  try {
    const pdf = join(dir, "notes.pdf");
    writeFileSync(pdf, makePdf(PAGES));
    const idx = join(dir, "idx");
    assert.equal(updateIndex(idx, [pdf]).added, 1);
    const pageText = (hitId: string): string => ingestBytes(pdf, makePdf(PAGES)).find((d) => d.id === hitId)!.text;
    let lex = new LexicalIndex(idx);
    const [hit] = lex.searchChunks("green tea Uji", 1);
    assert.equal(hit!.docId, `${pdf}#page=3`);
    assert.equal([...pageText(hit!.docId)].slice(hit!.start, hit!.end).join(""), hit!.text);
    lex.close();
    // The PDF changes: page 3 now speaks of hojicha; the old text is gone from the index.
    writeFileSync(pdf, makePdf([PAGES[0]!, ["Hojicha is roasted green tea."]]));
    const r = updateIndex(idx, [pdf]);
    assert.equal(r.changed, 1);
    lex = new LexicalIndex(idx);
    assert.deepEqual(lex.searchChunks("roasted hojicha", 1).map((h) => h.docId), [`${pdf}#page=2`]);
    assert.equal(lex.searchChunks("Matcha Uji", 3).length, 0);
    lex.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
