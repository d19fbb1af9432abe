// WARC and WET (Common Crawl) records as documents, streamed: the record framing of ISO 28500 / WARC 1.0–1.1
// (a "WARC/1.x" line, "Name: value" headers, a blank line, Content-Length bytes, then CRLF CRLF), and which
// records hold text: WET "conversion" records (already plain UTF-8), WARC "response" (HTTP, 2xx, text/html or
// text/plain) and "resource" records. HTML goes through htmltext.ts. Not here: decompression (decompress.ts;
// Common Crawl gzips each record as its own gzip member), filtering, or the Doc type (readers.ts wraps these).
//
// A document's id is its WARC-Target-URI (else its WARC-Record-ID); WARC-Identified-Content-Language
// ("jpn,eng", ISO 639-3, as Common Crawl's CLD2 wrote it) is kept beside it.
import { isUtf8 } from "node:buffer";
import { htmlToText } from "./htmltext.js";

export interface WarcDoc {
  readonly id: string;
  readonly text: string;
  /** WARC-Identified-Content-Language when the record has it. */
  readonly warcLang: string | null;
  /** 1-based record number in the file, and the record's byte offset in the decompressed stream. */
  readonly record: number;
  readonly offset: number;
}

export type WarcIssueKind = "invalid-warc" | "too-long" | "invalid-utf8";

export interface WarcReadOptions {
  /** Records whose content block is longer are skipped (and reported). */
  readonly maxBlockBytes: number;
  readonly onIssue: (kind: WarcIssueKind, record: number, message: string) => void;
}

interface RawRecord {
  readonly headers: ReadonlyMap<string, string>;
  readonly block: Buffer | null; // null when skipped as too long
  readonly record: number;
  readonly offset: number;
}

const CRLF2 = Buffer.from("\r\n\r\n");
const MAX_HEADER_BYTES = 1 << 16;

/** Splits a decompressed WARC byte stream into records. A malformed header ends the file with an issue (there
 *  is no reliable way to resynchronise inside a block). */
async function* records(chunks: AsyncIterable<Buffer>, opt: WarcReadOptions): AsyncGenerator<RawRecord> {
  const it = chunks[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let base = 0; // stream offset of buf[0]
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await it.next();
    if (r.done === true) {
      ended = true;
      return false;
    }
    buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value]);
    return true;
  };
  const drop = (n: number): void => {
    buf = buf.subarray(n);
    base += n;
  };
  for (let record = 1; ; record++) {
    // Blank lines between records (the CRLF CRLF trailer, or a stray newline) are not content.
    for (;;) {
      let i = 0;
      while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
      drop(i);
      if (buf.length > 0 || !(await more())) break;
    }
    if (buf.length === 0) return;
    let end: number;
    while ((end = buf.indexOf(CRLF2)) < 0) {
      if (buf.length > MAX_HEADER_BYTES || !(await more())) {
        opt.onIssue("invalid-warc", record, `record ${record} at byte ${base}: header without an end (no blank line); rest of file skipped`);
        return;
      }
    }
    const head = buf.subarray(0, end).toString("utf8").split("\r\n");
    if (!/^WARC\/1\.\d$/.test(head[0] ?? "")) {
      opt.onIssue("invalid-warc", record, `record ${record} at byte ${base}: expected a "WARC/1.x" line, got ${JSON.stringify((head[0] ?? "").slice(0, 40))}; rest of file skipped`);
      return;
    }
    const headers = new Map<string, string>();
    for (const l of head.slice(1)) {
      const c = l.indexOf(":");
      if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
    }
    const lenText = headers.get("content-length") ?? "";
    const len = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!Number.isSafeInteger(len)) {
      opt.onIssue("invalid-warc", record, `record ${record} at byte ${base}: Content-Length ${JSON.stringify(lenText)} is not a byte count; rest of file skipped`);
      return;
    }
    const offset = base;
    drop(end + 4);
    if (len > opt.maxBlockBytes) {
      let left = len;
      for (;;) {
        const n = Math.min(left, buf.length);
        drop(n);
        left -= n;
        if (left === 0 || !(await more())) break;
      }
      opt.onIssue("too-long", record, `record ${record} at byte ${offset}: content of ${len} bytes is over ${opt.maxBlockBytes}; skipped`);
      if (left > 0) return;
      yield { headers, block: null, record, offset };
      continue;
    }
    while (buf.length < len) {
      if (!(await more())) {
        opt.onIssue("invalid-warc", record, `record ${record} at byte ${offset}: file ends ${len - buf.length} bytes into a ${len}-byte content block (truncated)`);
        return;
      }
    }
    const block = buf.subarray(0, len);
    drop(len);
    yield { headers, block, record, offset };
  }
}

/** Media type and charset of a Content-Type value ("text/html; charset=Shift_JIS" → ["text/html", "shift_jis"]). */
function contentType(v: string | undefined): [string, string | null] {
  if (v === undefined) return ["", null];
  const [type, ...params] = v.split(";");
  const cs = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)/i.exec(p)?.[1]).find((x) => x !== undefined);
  return [type!.trim().toLowerCase(), cs?.toLowerCase() ?? null];
}

/** The HTTP message of a response record: status, headers, body (LF-only header ends are tolerated). */
function splitHttp(block: Buffer): { status: number; headers: Map<string, string>; body: Buffer } | null {
  let end = block.indexOf(CRLF2);
  let sep = 4;
  if (end < 0) {
    end = block.indexOf("\n\n");
    sep = 2;
  }
  if (end < 0) return null;
  const lines = block.subarray(0, end).toString("latin1").split(/\r?\n/);
  const status = Number(/^HTTP\/\S+\s+(\d{3})/.exec(lines[0] ?? "")?.[1] ?? NaN);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const c = l.indexOf(":");
    if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
  }
  return { status, headers, body: block.subarray(end + sep) };
}

/** Decodes a web payload: the declared charset, else a <meta charset> in the first 2 KiB, else UTF-8; invalid
 *  bytes become U+FFFD (web pages often hold a few). null when the charset is unknown to TextDecoder. */
function decodeWeb(body: Buffer, charset: string | null, html: boolean): string | null {
  let cs = charset;
  if (cs === null && html) cs = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(body.subarray(0, 2048).toString("latin1"))?.[1] ?? null;
  try {
    return new TextDecoder(cs ?? "utf-8").decode(body);
  } catch {
    return null;
  }
}

/** Documents of a WARC or WET stream; see the header comment for which records count. */
export async function* readWarcDocs(chunks: AsyncIterable<Buffer>, opt: WarcReadOptions): AsyncGenerator<WarcDoc> {
  for await (const r of records(chunks, opt)) {
    if (r.block === null) continue;
    const type = r.headers.get("warc-type") ?? "";
    let text: string | null = null;
    if (type === "conversion") {
      if (!isUtf8(r.block)) {
        opt.onIssue("invalid-utf8", r.record, `record ${r.record} at byte ${r.offset}: conversion record is not valid UTF-8; skipped`);
        continue;
      }
      text = r.block.toString("utf8");
    } else if (type === "response" || type === "resource") {
      let mediaHeader = r.headers.get("content-type");
      let body = r.block;
      if (type === "response") {
        const http = splitHttp(r.block);
        if (http === null || !(http.status >= 200 && http.status < 300)) continue;
        const ce = http.headers.get("content-encoding");
        if (ce !== undefined && ce.toLowerCase() !== "identity") continue; // compressed payloads are not text
        mediaHeader = http.headers.get("content-type");
        body = http.body;
      }
      const [media, charset] = contentType(mediaHeader);
      const html = media === "text/html" || media === "application/xhtml+xml";
      if (!html && media !== "text/plain") continue;
      const decoded = decodeWeb(body, charset, html);
      if (decoded === null) {
        opt.onIssue("invalid-utf8", r.record, `record ${r.record} at byte ${r.offset}: unknown charset ${JSON.stringify(charset)}; skipped`);
        continue;
      }
      text = html ? htmlToText(decoded) : decoded;
    }
    if (text === null || text.trim() === "") continue;
    const id = r.headers.get("warc-target-uri") ?? r.headers.get("warc-record-id") ?? `record ${r.record}`;
    yield { id, text, warcLang: r.headers.get("warc-identified-content-language") ?? null, record: r.record, offset: r.offset };
  }
}
