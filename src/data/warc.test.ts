import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { readWarcDocs, type WarcDoc } from "./warc.js";
import { htmlToText } from "./htmltext.js";
import { readFile, SOURCE_DEFAULTS, type Doc, type ReadIssue } from "./readers.js";

/** One WARC record as Common Crawl writes it: version line, headers, blank line, block, CRLF CRLF. Content-Length
 *  is the block's length in bytes (not characters: the Japanese records below would be cut if it were). */
function record(headers: Record<string, string>, block: Buffer | string): Buffer {
  const b = typeof block === "string" ? Buffer.from(block, "utf8") : block;
  const head = ["WARC/1.0", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${b.length}`].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), b, Buffer.from("\r\n\r\n")]);
}

const JA = "吾輩は猫である。名前はまだ無い。\nどこで生れたかとんと見当がつかぬ。";
const EN = "Tokyo is the capital of Japan.\nIt has a population of about fourteen million people.";

/** A small WET file: a warcinfo record, then conversion records (one without a language header). */
function wetRecords(): Buffer[] {
  return [
    record({ "WARC-Type": "warcinfo", "WARC-Date": "2024-04-12T00:00:00Z", "WARC-Filename": "CC-MAIN-test.warc.wet.gz", "WARC-Record-ID": "<urn:uuid:00000000-0000-0000-0000-000000000000>", "Content-Type": "application/warc-fields" }, "Software-Info: test\r\nExtracted-Date: now\r\n"),
    record({ "WARC-Type": "conversion", "WARC-Target-URI": "https://example.jp/neko", "WARC-Date": "2024-04-12T01:00:00Z", "WARC-Record-ID": "<urn:uuid:11111111-0000-0000-0000-000000000001>", "WARC-Identified-Content-Language": "jpn", "Content-Type": "text/plain" }, JA),
    record({ "WARC-Type": "conversion", "WARC-Target-URI": "https://example.com/tokyo", "WARC-Record-ID": "<urn:uuid:11111111-0000-0000-0000-000000000002>", "WARC-Identified-Content-Language": "eng,jpn", "Content-Type": "text/plain" }, EN),
    record({ "WARC-Type": "conversion", "WARC-Record-ID": "<urn:uuid:11111111-0000-0000-0000-000000000003>", "Content-Type": "text/plain" }, "A record without a target URI keeps its record id."),
  ];
}

async function collect(chunks: AsyncIterable<Buffer>, maxBlockBytes = 1 << 20): Promise<{ docs: WarcDoc[]; issues: string[] }> {
  const docs: WarcDoc[] = [];
  const issues: string[] = [];
  for await (const d of readWarcDocs(chunks, { maxBlockBytes, onIssue: (k, _r, m) => issues.push(`${k}: ${m}`) })) docs.push(d);
  return { docs, issues };
}

async function* pieces(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

test("WET conversion records become documents with their URL as id and the identified language, at any chunking", async () => {
  const all = Buffer.concat(wetRecords());
  const want = [
    ["https://example.jp/neko", JA, "jpn"],
    ["https://example.com/tokyo", EN, "eng,jpn"],
    ["<urn:uuid:11111111-0000-0000-0000-000000000003>", "A record without a target URI keeps its record id.", null],
  ];
  for (const size of [all.length, 4096, 7, 1]) {
    const r = await collect(pieces(all, size));
    assert.deepEqual(r.docs.map((d) => [d.id, d.text, d.warcLang]), want, `chunk size ${size}`);
    assert.deepEqual(r.issues, []);
  }
});

test("a .warc.wet.gz file (one gzip member per record, as Common Crawl writes) is read by readFile with format auto", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-wet-"));
  const file = join(dir, "CC-MAIN-20240412-00000.warc.wet.gz");
  const members = wetRecords().map((r) => gzipSync(r));
  writeFileSync(file, Buffer.concat(members));
  // It is really multi-member: the first member alone decompresses to the first record only.
  assert.equal(gunzipSync(members[0]!).toString("latin1").split("WARC/1.0").length - 1, 1);
  const docs: Doc[] = [];
  const issues: ReadIssue[] = [];
  for await (const d of readFile(file, { ...SOURCE_DEFAULTS, name: "cc", paths: [file] }, { baseDir: dir, maxDocChars: 1000, onIssue: (i) => issues.push(i) })) docs.push(d);
  assert.deepEqual(docs.map((d) => [d.id, d.source, d.warcLang]), [["https://example.jp/neko", "cc", "jpn"], ["https://example.com/tokyo", "cc", "eng,jpn"], ["<urn:uuid:11111111-0000-0000-0000-000000000003>", "cc", undefined]]);
  assert.equal(docs[0]!.text, JA);
  assert.deepEqual(issues, []);
});

test("WARC response records: HTTP 200 HTML is turned into text in its declared charset; other records are skipped", async () => {
  // 「日本語」 in Shift_JIS, by hand (JIS X 0208 row/cell → SJIS): 日 93FA, 本 967B, 語 8CEA.
  const sjis = Buffer.concat([Buffer.from("<html><head><title>T</title><style>p{}</style></head><body><p>"), Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]), Buffer.from(" &amp; more</p><script>var x=1;</script><div>next&#x21;</div></body></html>")]);
  assert.equal(new TextDecoder("shift_jis").decode(Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea])), "日本語");
  const http = (status: string, type: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nX-Other: 1\r\n\r\n`), body]);
  const recs = Buffer.concat([
    record({ "WARC-Type": "request", "WARC-Target-URI": "https://a.jp/" }, "GET / HTTP/1.1\r\nHost: a.jp\r\n\r\n"),
    record({ "WARC-Type": "response", "WARC-Target-URI": "https://a.jp/", "Content-Type": "application/http; msgtype=response" }, http("200 OK", "text/html; charset=Shift_JIS", sjis)),
    record({ "WARC-Type": "response", "WARC-Target-URI": "https://a.jp/missing" }, http("404 Not Found", "text/html", Buffer.from("<p>gone</p>"))),
    record({ "WARC-Type": "response", "WARC-Target-URI": "https://a.jp/logo.png" }, http("200 OK", "image/png", Buffer.from([0x89, 0x50, 0x4e, 0x47]))),
    record({ "WARC-Type": "metadata", "WARC-Target-URI": "https://a.jp/" }, "fetchTimeMs: 12\r\n"),
  ]);
  const r = await collect(pieces(recs, 13));
  assert.deepEqual(r.docs.map((d) => [d.id, d.text]), [["https://a.jp/", "T\n日本語 & more\nnext!"]]);
});

test("a truncated record, a bad header and an over-long block are reported with the record and byte offset", async () => {
  const [info, ja, en] = wetRecords();
  const cut = Buffer.concat([info!, ja!, en!.subarray(0, en!.length - 30)]);
  const t = await collect(pieces(cut, 100));
  assert.equal(t.docs.length, 1);
  assert.deepEqual(t.issues, [`invalid-warc: record 3 at byte ${info!.length + ja!.length}: file ends 26 bytes into a ${Buffer.byteLength(EN)}-byte content block (truncated)`]);
  const bad = await collect(pieces(Buffer.concat([info!, Buffer.from("HTTP/1.1 200 OK\r\n\r\nhello")]), 64));
  assert.match(bad.issues[0]!, /^invalid-warc: record 2 at byte \d+: expected a "WARC\/1\.x" line, got "HTTP\/1\.1 200 OK"/);
  const long = await collect(pieces(Buffer.concat([info!, ja!, en!]), 50), 90);
  assert.deepEqual(long.docs.map((d) => d.id), ["https://example.com/tokyo"]);
  assert.deepEqual(long.issues, [`too-long: record 2 at byte ${info!.length}: content of ${Buffer.byteLength(JA)} bytes is over 90; skipped`]);
});

test("HTML to text: blocks end lines, script/style/comments vanish, references decode", () => {
  assert.equal(htmlToText("<!-- c --><ul><li>One &lt;1&gt;</li><li>Two&nbsp;&#26085;</li></ul><br/>x<b>y</b>"), "One <1>\nTwo 日\nxy");
  assert.equal(htmlToText("<p>a</p><SCRIPT type=x>if (a<b) {}</SCRIPT><p>&bogus; &#xD800;</p>"), "a\n&bogus; \ufffd");
});
