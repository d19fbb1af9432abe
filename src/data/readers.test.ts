import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { legacy, NEKO } from "./encoding.fixture.js";
import { readFile, resolveFiles, SOURCE_DEFAULTS, type Doc, type ReadIssue, type SourceConfig } from "./readers.js";

const dir = mkdtempSync(join(tmpdir(), "kd-readers-"));
const src = (over: Partial<SourceConfig>): SourceConfig => ({ ...SOURCE_DEFAULTS, name: "s", paths: [], ...over });

async function read(file: string, s: SourceConfig, maxDocChars = 1000): Promise<{ docs: Doc[]; issues: ReadIssue[] }> {
  const issues: ReadIssue[] = [];
  const docs: Doc[] = [];
  for await (const d of readFile(file, s, { baseDir: dir, maxDocChars, onIssue: (i) => issues.push(i) })) docs.push(d);
  return { docs, issues };
}

test("text with an inline separator (TinyStories' <|endoftext|>), CRLF, skipLast", async () => {
  const f = join(dir, "ts.txt");
  writeFileSync(f, "One story.\r\nSecond line.\r\n<|endoftext|>\r\nTwo<|endoftext|>Three\n<|endoftext|>\nCut off at EO");
  const all = await read(f, src({ separator: "<|endoftext|>" }));
  assert.deepEqual(all.docs.map((d) => d.text.trim()), ["One story.\nSecond line.", "Two", "Three", "Cut off at EO"]);
  assert.equal(all.docs[0]!.id, "ts.txt:1");
  const skip = await read(f, src({ separator: "<|endoftext|>", skipLast: true }));
  assert.deepEqual(skip.docs.map((d) => d.text.trim()), ["One story.\nSecond line.", "Two", "Three"]);
});

test("blank-line separator, one doc per file, and over-long documents cut at a line", async () => {
  const f = join(dir, "para.txt");
  writeFileSync(f, "a1\na2\n\n\n b1\n   \nc1\n");
  assert.deepEqual((await read(f, src({ separator: "\n\n" }))).docs.map((d) => d.text), ["a1\na2", " b1", "c1"]);
  assert.deepEqual((await read(f, src({ separator: null }))).docs.length, 1);
  const long = join(dir, "long.txt");
  writeFileSync(long, Array.from({ length: 40 }, (_, i) => `line ${i} ${"x".repeat(90)}`).join("\n"));
  const cut = await read(long, src({ separator: null }), 1000);
  assert.ok(cut.docs.length >= 3 && cut.docs.every((d) => d.text.length <= 1100), `cut into ${cut.docs.length}`);
  assert.equal(cut.docs.map((d) => d.text).join("\n").split("\n").length, 40);
});

test("JSONL: bad JSON, missing field and invalid UTF-8 are reported with file and line, then skipped", async () => {
  const f = join(dir, "d.jsonl");
  const bad = Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"t":"\xff\xfe"}
  writeFileSync(f, Buffer.concat([Buffer.from('{"t":"ok one"}\nnot json\n{"other":1}\n'), bad, Buffer.from('\n{"t":{"deep":1}}\n{"t":"ok two"}\n')]));
  const r = await read(f, src({ format: "jsonl", field: "t" }));
  assert.deepEqual(r.docs.map((d) => d.text), ["ok one", "ok two"]);
  assert.deepEqual(r.issues.map((i) => [i.kind, i.line]), [["invalid-json", 2], ["missing-field", 3], ["invalid-utf8", 4], ["missing-field", 5]]);
  assert.ok(r.issues.every((i) => i.file === "d.jsonl"));
  assert.equal(r.docs[1]!.id, "d.jsonl:6");
});

test("JSON arrays: root array of strings, and an array under a root key with nested objects", async () => {
  const f = join(dir, "a.json");
  writeFileSync(f, '[\n  "first, with \\"quotes\\" and ]",\n  "second"\n]');
  assert.deepEqual((await read(f, src({ format: "json", field: "" }))).docs.map((d) => d.text), ['first, with "quotes" and ]', "second"]);
  const g = join(dir, "b.json");
  writeFileSync(g, '{"meta": {"texts": [1]}, "texts": [{"body": {"text": "x{y}"}}, {"body": {"text": "z"}}, {"nobody": 1}], "after": 2}');
  const r = await read(g, src({ format: "json", jsonKey: "texts", field: "body.text" }));
  assert.deepEqual(r.docs.map((d) => d.text), ["x{y}", "z"]);
  assert.deepEqual(r.docs.map((d) => d.id), ["b.json#0", "b.json#1"]);
  assert.equal(r.issues[0]?.kind, "missing-field");
  const h = join(dir, "c.json");
  writeFileSync(h, '{"nothing": 1}');
  assert.equal((await read(h, src({ format: "json", field: "" }))).issues[0]?.kind, "invalid-json");
});

test("gzip by suffix; folders and globs resolve sorted; unreadable paths are reported", async () => {
  mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
  writeFileSync(join(dir, "sub", "b.txt.gz"), gzipSync("zipped doc\n\nsecond"));
  writeFileSync(join(dir, "sub", "deeper", "a.txt"), "plain");
  const issues: ReadIssue[] = [];
  const files = await resolveFiles(["sub", "sub/**/*.gz", "missing.txt", "nomatch/*.txt"], dir, (i) => issues.push(i));
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ["sub/b.txt.gz", "sub/deeper/a.txt"]);
  assert.deepEqual(issues.map((i) => i.kind), ["unreadable", "no-files"]);
  assert.deepEqual((await read(files[0]!, src({}))).docs.map((d) => d.text), ["zipped doc", "second"]);
  const corrupt = join(dir, "bad.gz");
  writeFileSync(corrupt, "not gzip at all");
  const r = await read(corrupt, src({}));
  assert.equal(r.docs.length, 0);
  assert.equal(r.issues[0]?.kind, "unreadable");
  if (process.getuid?.() !== 0) {
    const locked = join(dir, "locked.txt");
    writeFileSync(locked, "x");
    chmodSync(locked, 0);
    assert.equal((await read(locked, src({}))).issues[0]?.kind, "unreadable");
  }
});

// ---- encodings, zstd, lone surrogates (issue #16) ---------------------------------------------------------------

test("a Shift_JIS or EUC-JP file read as UTF-8 is skipped with one issue naming the byte, line, encoding and flag", async () => {
  const sj = join(dir, "neko-sjis.txt");
  writeFileSync(sj, Buffer.concat([Buffer.from("ASCII title\n\n"), legacy(NEKO, "shift_jis")]));
  const r = await read(sj, src({}));
  assert.equal(r.docs.length, 0);
  assert.deepEqual(r.issues.map((i) => [i.kind, i.file, i.line]), [["wrong-encoding", "neko-sjis.txt", 3]]);
  assert.match(r.issues[0]!.message, /^not UTF-8 at byte 13 \(line 3\); it looks like Shift_JIS: re-run with --encoding shift_jis \(config: sources\[\]\.encoding: "shift_jis"\), or --encoding auto; file skipped$/);
  const eu = join(dir, "neko-euc.jsonl");
  writeFileSync(eu, legacy(`{"text": "${NEKO.replace(/\n/g, "\\n")}"}\n`, "euc-jp"));
  const e = await read(eu, src({ format: "jsonl" }));
  assert.deepEqual([e.docs.length, e.issues[0]?.kind, /looks like EUC-JP: re-run with --encoding euc-jp/.test(e.issues[0]?.message ?? "")], [0, "wrong-encoding", true]);
  const u16 = join(dir, "utf16.txt");
  writeFileSync(u16, Buffer.from("\ufeffhello\n", "utf16le"));
  const w = await read(u16, src({ encoding: "auto" }));
  assert.deepEqual([w.docs.length, w.issues.map((i) => i.kind)], [0, ["wrong-encoding"]]);
  assert.match(w.issues[0]!.message, /looks like UTF-16LE: convert it first, e\.g\. iconv -f UTF-16LE -t UTF-8; file skipped/);
});

test("encoding shift_jis / euc-jp / auto converts while reading (text, JSONL, JSON arrays, gzip)", async () => {
  const want = NEKO.trim().split("\n");
  const sj = join(dir, "conv-sjis.txt.gz");
  writeFileSync(sj, gzipSync(legacy(NEKO.replace("\n", "\n\n"), "shift_jis")));
  for (const encoding of ["shift_jis", "auto"] as const) {
    const r = await read(sj, src({ encoding }));
    assert.deepEqual([r.docs.map((d) => d.text), r.issues], [want, []], encoding);
  }
  const eu = join(dir, "conv-euc.jsonl");
  writeFileSync(eu, legacy(want.map((t) => JSON.stringify({ text: t })).join("\n"), "euc-jp"));
  for (const encoding of ["euc-jp", "auto"] as const) assert.deepEqual((await read(eu, src({ format: "jsonl", encoding }))).docs.map((d) => d.text), want, encoding);
  const arr = join(dir, "conv-sjis.json");
  writeFileSync(arr, legacy(JSON.stringify(want), "shift_jis"));
  assert.deepEqual((await read(arr, src({ format: "json", field: "", encoding: "shift_jis" }))).docs.map((d) => d.text), want);
  // A line that is not valid in the declared encoding (a Shift_JIS lead byte, then a space) is reported alone.
  const bad = join(dir, "bad-sjis.txt");
  writeFileSync(bad, Buffer.concat([legacy(`${want[0]}\n\n`, "shift_jis"), Buffer.from([0x82, 0x20, 0x0a, 0x0a]), legacy(want[1]!, "shift_jis")]));
  const b = await read(bad, src({ encoding: "shift_jis" }));
  assert.deepEqual([b.docs.map((d) => d.text), b.issues.map((i) => [i.kind, i.line])], [want, [["invalid-encoding", 3]]]);
});

test("UTF-8 with one damaged line is not mistaken for another encoding: that line alone is reported", async () => {
  const f = join(dir, "damaged.txt");
  writeFileSync(f, Buffer.concat([Buffer.from("日本語の段落です。\n\n"), Buffer.from([0x82, 0xa0, 0x0a, 0x0a]), Buffer.from("次の段落も日本語です。\n")]));
  const r = await read(f, src({}));
  assert.deepEqual(r.docs.map((d) => d.text), ["日本語の段落です。", "次の段落も日本語です。"]);
  assert.deepEqual(r.issues.map((i) => [i.kind, i.line]), [["invalid-utf8", 3]]);
});

test("zstd: a file compressed by the zstd CLI, and a hand-built two-frame stream of raw blocks; truncation is reported", async () => {
  // printf '{"text":"zstd compressed line one, about a fox."}\n{"text":"zstd compressed line two, about a river."}\n' \
  //   > z.jsonl && zstd -19 z.jsonl   (Zstandard CLI v1.5.4)
  const cli = Buffer.from("KLUv/SRmFQIA4sMNEaBvSO7oQx6J+gYAMvEkqmA84LZwLpP7CcFtQR8xYRi/EA7Onp0lxcffc9fWGz7w1R4NqcO2AQIAYBtSRQUFIzrO3A==", "base64");
  const z = join(dir, "z.jsonl.zst");
  writeFileSync(z, cli);
  assert.deepEqual((await read(z, src({ format: "jsonl" }))).docs.map((d) => d.text), ["zstd compressed line one, about a fox.", "zstd compressed line two, about a river."]);
  // RFC 8878: magic 28 B5 2F FD, frame header descriptor 0x20 (single segment, 1-byte content size), size, then a
  // last raw block: 3-byte little-endian header (size << 3 | type 0 << 1 | last 1), then the bytes as they are.
  const frame = (s: string): Buffer => {
    const b = Buffer.from(s);
    const h = (b.length << 3) | 1;
    return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, b.length, h & 0xff, (h >> 8) & 0xff, h >> 16]), b]);
  };
  const raw = join(dir, "frames.txt.zst");
  writeFileSync(raw, Buffer.concat([frame("first frame\n\n"), frame("second frame")]));
  assert.deepEqual((await read(raw, src({}))).docs.map((d) => d.text), ["first frame", "second frame"]);
  const cut = join(dir, "cut.txt.zst");
  writeFileSync(cut, cli.subarray(0, cli.length - 10));
  const r = await read(cut, src({ format: "jsonl" }));
  assert.equal(r.issues.at(-1)?.kind, "unreadable");
});

test("a JSON string with a lone surrogate escape is replaced with U+FFFD (default) or skipped, and reported", async () => {
  const f = join(dir, "surrogates.jsonl");
  writeFileSync(f, '{"text":"bad \\ud800 here"}\n{"text":"pair \\ud83d\\ude00 ok"}\n{"text":"low \\udc00 and \\\\ud800 literal"}\n');
  const r = await read(f, src({ format: "jsonl" }));
  assert.deepEqual(r.docs.map((d) => d.text), ["bad \ufffd here", "pair 😀 ok", "low \ufffd and \\ud800 literal"]);
  assert.deepEqual(r.issues.map((i) => [i.kind, i.line, i.message]), [
    ["lone-surrogate", 1, "1 lone surrogate escape (unpaired \\ud800-\\udfff); replaced with U+FFFD"],
    ["lone-surrogate", 3, "1 lone surrogate escape (unpaired \\ud800-\\udfff); replaced with U+FFFD"],
  ]);
  const s = await read(f, src({ format: "jsonl", loneSurrogates: "skip" }));
  assert.deepEqual(s.docs.map((d) => d.text), ["pair 😀 ok"]);
  assert.deepEqual(s.issues.map((i) => i.kind), ["lone-surrogate", "lone-surrogate"]);
  const a = join(dir, "surrogates.json");
  writeFileSync(a, '["x \\udfff y"]');
  assert.deepEqual((await read(a, src({ format: "json", field: "" }))).docs.map((d) => d.text), ["x \ufffd y"]);
});
