import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Rng } from "../util/rng.js";
import { readJsonl } from "./files.js";

/** The reader it replaced, as the reference: node's readline, one event a line. */
async function viaReadline(file: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line !== "") out.push(JSON.parse(line));
  return out;
}

async function all(file: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of readJsonl(file)) out.push(v);
  return out;
}

test("readJsonl gives readline's values: multi-byte text across 1 MiB chunk edges, CRLF, empty lines, a 3 MiB line, no final newline", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-jsonl-"));
  const rng = new Rng(9);
  const pieces = ["é", "日本語", "😀", "a", " ", "\\", "\"", "\n"];
  const values = Array.from({ length: 4000 }, (_, i) => ({ id: `d${i}`, text: Array.from({ length: rng.int(1200) }, () => pieces[rng.int(pieces.length)]!).join("") }));
  values.splice(1234, 0, { id: "long", text: "長い".repeat(500_000) }); // 3 MB of UTF-8 in one line
  const lines = values.map((v, i) => JSON.stringify(v) + (i % 7 === 0 ? "\r\n" : "\n") + (i % 50 === 0 ? "\n" : ""));
  const file = join(dir, "a.jsonl");
  writeFileSync(file, lines.join("").replace(/\n$/, ""));
  const got = await all(file);
  assert.equal(got.length, values.length);
  assert.deepEqual(got, values);
  assert.deepEqual(got, await viaReadline(file));
  writeFileSync(join(dir, "empty.jsonl"), "");
  assert.deepEqual(await all(join(dir, "empty.jsonl")), []);
  writeFileSync(join(dir, "bad.jsonl"), '{"a":1}\n{"a":\n');
  await assert.rejects(all(join(dir, "bad.jsonl")), SyntaxError);
});
