import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
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
