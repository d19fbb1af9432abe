// PDF text for ingest: the text of each page, extracted by pdf.js in a worker thread (pdf-worker.ts) and waited
// for synchronously (synckit), so that the indexer stays one synchronous pass. Each page's text has its lines'
// whitespace collapsed and its blank lines dropped. pdf.js is Mozilla's maintained, pure-JS PDF reader (no native
// code is needed for text); what it cannot give, this cannot: text drawn as images (scans) comes out empty.
// Not here: the documents a PDF becomes (ingest.ts).
import { fileURLToPath } from "node:url";
import { createSyncFn } from "synckit";
import { FormatError } from "../util/errors.js";
import type { PdfPagesResult } from "./pdf-worker.js";

/** How long one PDF may take to read (the whole file, every page). */
export const PDF_TIMEOUT_MS = 120_000;

let extract: ((bytes: Uint8Array) => PdfPagesResult) | null = null;

/** The text of each page of a PDF file's bytes, in page order (an empty string for a page without text). */
export function pdfPageTexts(file: string, bytes: Uint8Array): string[] {
  extract ??= createSyncFn<(bytes: Uint8Array) => Promise<PdfPagesResult>>(fileURLToPath(new URL("./pdf-worker.js", import.meta.url)), { timeout: PDF_TIMEOUT_MS });
  let r: PdfPagesResult;
  try {
    r = extract(bytes);
  } catch (e) {
    throw new FormatError(file, `could not read the PDF within ${PDF_TIMEOUT_MS / 1000} s or at all (${(e as Error).message})`);
  }
  if (!r.ok) throw new FormatError(file, r.password ? "the PDF is encrypted with a password; decrypt it first (e.g. qpdf --decrypt)" : `not a readable PDF (pdf.js: ${r.error})`);
  return r.pages.map((t) =>
    t
      .split("\n")
      .map((l) => l.replace(/\s+/g, " ").trim())
      .filter((l) => l !== "")
      .join("\n"),
  );
}
