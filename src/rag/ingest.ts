// Ingest: one file's bytes → source documents. Text and Markdown as they are; HTML through Mozilla Readability
// (main text, as Firefox's Reader View finds it) with block elements as paragraphs and headings as Markdown
// headings; JSONL one passage a line with --field and --id-field; PDF one document a page with text (pdf-text.ts),
// its id FILE#page=N as a PDF viewer's link to that page. Not here: chunking, the manifest (indexer.ts).
import { extname } from "node:path";
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { FormatError, KotodamaError } from "../util/errors.js";
import type { SourceDoc } from "./types.js";
import { pdfPageTexts } from "./pdf-text.js";

export type IngestFormat = "text" | "markdown" | "html" | "jsonl" | "pdf";

export interface IngestConfig {
  /** JSONL: the text field of each record. */
  readonly field: string;
  /** JSONL: the id field (string or number); null → "FILE#LINE". */
  readonly idField: string | null;
}

export const INGEST_DEFAULTS: IngestConfig = { field: "text", idField: null };

const EXTENSIONS: Readonly<Record<string, IngestFormat>> = {
  ".txt": "text",
  ".text": "text",
  ".md": "markdown",
  ".markdown": "markdown",
  ".html": "html",
  ".htm": "html",
  ".xhtml": "html",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".pdf": "pdf",
};

export function formatOf(file: string): IngestFormat {
  const f = EXTENSIONS[extname(file).toLowerCase()];
  if (f === undefined) throw new KotodamaError(`${file}: cannot ingest '${extname(file) || "(no extension)"}'; expected one of ${Object.keys(EXTENSIONS).join(" ")}`);
  return f;
}

const BLOCK = new Set(["P", "DIV", "SECTION", "ARTICLE", "LI", "UL", "OL", "TABLE", "TR", "BLOCKQUOTE", "PRE", "FIGURE", "FIGCAPTION", "DL", "DT", "DD", "HR", "HEADER", "FOOTER", "MAIN", "ASIDE", "NAV"]);
const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG"]);

interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}

/** Text of an HTML element: blocks separated by blank lines, h1–h6 as "#… " lines, whitespace collapsed. */
function blockText(root: DomNode): string {
  const parts: string[] = [];
  let line = "";
  const flush = (): void => {
    const t = line.replace(/\s+/g, " ").trim();
    if (t !== "") parts.push(t);
    line = "";
  };
  const walk = (n: DomNode): void => {
    if (n.nodeType === 3) {
      line += n.textContent ?? "";
      return;
    }
    if (n.nodeType !== 1 || SKIP.has(n.nodeName)) return;
    const h = /^H([1-6])$/.exec(n.nodeName);
    if (h !== null) {
      flush();
      const t = (n.textContent ?? "").replace(/\s+/g, " ").trim();
      if (t !== "") parts.push(`${"#".repeat(Number(h[1]))} ${t}`);
      return;
    }
    if (n.nodeName === "BR") line += "\n";
    const block = BLOCK.has(n.nodeName);
    if (block) flush();
    for (let i = 0; i < n.childNodes.length; i++) walk(n.childNodes[i] as DomNode);
    if (block) flush();
  };
  walk(root);
  flush();
  return parts.join("\n\n");
}

/** The main text of an HTML page (Readability), or the whole body's text when Readability finds no article. */
export function htmlMainText(html: string): string {
  const { document } = parseHTML(html);
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 0 }).parse();
  if (article !== null && typeof article.content === "string" && article.content.trim() !== "") {
    const { document: inner } = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`);
    const title = (article.title ?? "").trim();
    const body = blockText(inner.body as unknown as DomNode);
    return title !== "" && !body.startsWith(`# ${title}`) ? `# ${title}\n\n${body}` : body;
  }
  const { document: again } = parseHTML(html); // Readability mutates the document it reads
  return blockText((again.body ?? again.documentElement) as unknown as DomNode);
}

function jsonlDocs(file: string, text: string, cfg: IngestConfig): SourceDoc[] {
  const out: SourceDoc[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const where = `line ${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new FormatError(file, `${where}: not JSON (${(e as Error).message})`);
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new FormatError(file, `${where}: expected a JSON object`);
    const o = rec as Record<string, unknown>;
    const body = o[cfg.field];
    if (typeof body !== "string") throw new FormatError(file, `${where}: field '${cfg.field}' (--field) is ${body === undefined ? "missing" : `a ${typeof body}`}; expected a string`);
    let id = `${file}#${i + 1}`;
    if (cfg.idField !== null) {
      const v = o[cfg.idField];
      if (typeof v !== "string" && typeof v !== "number") throw new FormatError(file, `${where}: id field '${cfg.idField}' (--id-field) is ${v === undefined ? "missing" : `a ${typeof v}`}; expected a string or number`);
      id = String(v);
      if (seen.has(id)) throw new FormatError(file, `${where}: duplicate id '${id}' in field '${cfg.idField}'`);
      seen.add(id);
    }
    out.push({ id, source: file, text: body, markdown: false });
  });
  return out;
}

/** The documents of one file, given its bytes: a PDF's pages, else ingestText of the bytes as UTF-8. */
export function ingestBytes(file: string, bytes: Uint8Array, cfg: IngestConfig = INGEST_DEFAULTS): SourceDoc[] {
  if (formatOf(file) !== "pdf") return ingestText(file, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"), cfg);
  return pdfPageTexts(file, bytes).flatMap((text, i) => (text === "" ? [] : [{ id: `${file}#page=${i + 1}`, source: file, text, markdown: false }]));
}

/** The documents of one file, given its text (callers read and hash the bytes once). */
export function ingestText(file: string, text: string, cfg: IngestConfig = INGEST_DEFAULTS): SourceDoc[] {
  switch (formatOf(file)) {
    case "text":
      return [{ id: file, source: file, text, markdown: false }];
    case "markdown":
      return [{ id: file, source: file, text, markdown: true }];
    case "html":
      return [{ id: file, source: file, text: htmlMainText(text), markdown: true }];
    case "jsonl":
      return jsonlDocs(file, text, cfg);
    case "pdf":
      throw new KotodamaError(`${file}: a PDF is read from its bytes (ingestBytes), not from text`);
  }
}
