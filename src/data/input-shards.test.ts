import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planInputShards } from "./input-shards.js";
import { readFile, SOURCE_DEFAULTS, type Doc, type SourceConfig } from "./readers.js";
import { Rng } from "../util/rng.js";

async function docs(file: string, src: SourceConfig, range?: { start: number; end: number; line: number }): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of readFile(file, src, { baseDir: "/", maxDocChars: 1_000_000, onIssue: () => {}, ...(range === undefined ? {} : { range }) })) out.push(d);
  return out;
}

function words(rng: Rng, n: number): string {
  const v = "cat dog tree 猫 犬 river\tstone blue　red".split(" ");
  return Array.from({ length: n }, () => v[rng.int(v.length)]).join(" ");
}

const cases: [string, Partial<SourceConfig>, (rng: Rng) => string][] = [
  ["blank-line separator, CRLF, whitespace-only lines", { separator: "\n\n" }, (rng) => Array.from({ length: 400 }, (_, i) => `${words(rng, 1 + rng.int(30))}${i % 7 === 0 ? "\r\n  \r\n" : i % 3 === 0 ? "\n\u3000\n" : "\n"}`).join("")],
  ["in-line separator", { separator: "<|endoftext|>" }, (rng) => Array.from({ length: 400 }, (_, i) => `${words(rng, 1 + rng.int(30))}${i % 4 === 0 ? "<|endoftext|>" : ""}\n${i % 9 === 0 ? "<|endoftext|>\n" : ""}`).join("")],
  ["jsonl", { format: "jsonl", field: "t" }, (rng) => Array.from({ length: 400 }, () => `${JSON.stringify({ t: words(rng, 1 + rng.int(30)) })}\n`).join("")],
];

for (const [name, over, make] of cases) {
  test(`input shards (${name}): the ranges' documents, in order, are exactly the whole file's (ids included)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kd-ishard-"));
    const file = join(dir, "in.txt");
    writeFileSync(file, make(new Rng(7)));
    for (const skipLast of [false, true]) {
      const src: SourceConfig = { ...SOURCE_DEFAULTS, name: "s", paths: [file], ...over, skipLast };
      const whole = await docs(file, src);
      const ranges = planInputShards(file, src, 1500);
      assert.ok(ranges.length >= 5, `cut into ${ranges.length} ranges`);
      for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end);
      const parts: Doc[] = [];
      for (let i = 0; i < ranges.length; i++) parts.push(...(await docs(file, { ...src, skipLast: skipLast && i === ranges.length - 1 }, ranges[i])));
      assert.deepEqual(parts, whole);
    }
  });
}

test("input shards: the cuts depend on the shard size only; small or uncuttable files are one range", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-ishard-"));
  const file = join(dir, "a.json");
  writeFileSync(file, JSON.stringify(Array.from({ length: 500 }, (_, i) => `doc ${i}`)));
  assert.deepEqual(planInputShards(file, { ...SOURCE_DEFAULTS, name: "s", paths: [file], format: "json", field: "" }, 1024).length, 1);
  const t = join(dir, "b.txt");
  writeFileSync(t, "one\n\ntwo\n");
  assert.deepEqual(planInputShards(t, { ...SOURCE_DEFAULTS, name: "s", paths: [t] }, 1024), [{ start: 0, end: 9, line: 0 }]);
});
