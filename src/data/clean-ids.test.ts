import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJsonl } from "./files.js";
import { readCleanIds } from "./clean-ids.js";

test("readCleanIds gives the ids and line lengths that parsing every line gives", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-clean-ids-"));
  try {
    const docs = [
      { id: "a.txt:1", source: "s", lang: "en", text: "plain" },
      { id: 'q"uote\\back\\"slash', source: "s", lang: "en", text: "escaped quotes and backslashes in the id" },
      { id: "日本語/ファイル.txt:12 😀", source: "s", lang: "ja", text: "吾輩は猫である。" },
      { id: "https://example.com/?a=1&b=\u2028", source: "s", lang: "en", text: "x".repeat(3 << 20) }, // longer than the 1 MiB buffer
      { id: "", source: "s", lang: "en", text: "empty id" },
    ];
    const lines = docs.map((d) => JSON.stringify(d));
    // A line whose first key is not the id (an older writer) is parsed whole; CRLF and a missing final newline too.
    lines.push(JSON.stringify({ source: "s", id: "second-key", text: "t" }));
    const f = join(dir, "c.jsonl");
    writeFileSync(f, lines.join("\n") + "\r\n\n" + JSON.stringify({ id: "last", text: "no newline" }));
    const want: string[] = [];
    for await (const d of readJsonl<{ id: string }>(f)) want.push(d.id);
    const got: { id: string; bytes: number }[] = [];
    for await (const d of readCleanIds(f)) got.push(d);
    assert.deepEqual(got.map((g) => g.id), want);
    assert.equal(want.length, 7);
    assert.equal(got[1]!.id, 'q"uote\\back\\"slash');
    // Lengths are the lines' UTF-8 bytes with their newline ("\r\n" for the CRLF one, none for the last).
    assert.equal(got[0]!.bytes, Buffer.byteLength(lines[0]!) + 1);
    assert.equal(got[3]!.bytes, Buffer.byteLength(lines[3]!) + 1);
    assert.equal(got[5]!.bytes, Buffer.byteLength(lines[5]!) + 2);
    assert.equal(got[6]!.bytes, Buffer.byteLength(JSON.stringify({ id: "last", text: "no newline" })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
