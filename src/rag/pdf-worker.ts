// The worker behind pdf-text.ts: PDF bytes → the text of each page, by Mozilla's pdf.js (pdfjs-dist, its legacy
// build for Node). pdf.js is asynchronous; this thread runs it while the indexer, which is synchronous, waits
// (synckit). Not here: what the page texts become (ingest.ts), the limits and errors (pdf-text.ts).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runAsWorker } from "synckit";

const fontDir = `${join(dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json")), "standard_fonts")}/`;

/** Per page (in order): its text items, a line break after an item that ends a line. */
export type PdfPagesResult = { readonly ok: true; readonly pages: string[] } | { readonly ok: false; readonly error: string; readonly password: boolean };

runAsWorker(async (bytes: Uint8Array): Promise<PdfPagesResult> => {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  try {
    const doc = await pdfjs.getDocument({ data: bytes, isEvalSupported: false, useSystemFonts: false, verbosity: 0, standardFontDataUrl: fontDir }).promise;
    try {
      const pages: string[] = [];
      for (let i = 1; i <= doc.numPages; i++) {
        const page = await doc.getPage(i);
        const tc = await page.getTextContent();
        let text = "";
        for (const it of tc.items) if ("str" in it) text += it.str + (it.hasEOL ? "\n" : "");
        pages.push(text);
        page.cleanup();
      }
      return { ok: true, pages };
    } finally {
      await doc.destroy();
    }
  } catch (e) {
    const err = e as { name?: string; message?: string };
    return { ok: false, error: err.message ?? String(e), password: err.name === "PasswordException" };
  }
});
