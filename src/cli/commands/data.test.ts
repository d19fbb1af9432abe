import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data } from "./data.js";

test("kotodama data prepare: the one-source flags build the same config a file would", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-cli-data-"));
  const docs = Array.from({ length: 12 }, (_, i) => `Story ${i}: the little fox number ${i} ran to the river and drank water with a friend named ${"abcdefghijkl"[i]}ob, and then they went home to sleep.`);
  writeFileSync(join(dir, "in.txt"), docs.join("\n<|endoftext|>\n"));
  const out = join(dir, "out");
  assert.equal(await data.run(["prepare", "--input", join(dir, "in.txt"), "--separator", "<|endoftext|>", "--out", out, "--quiet"]), 0);
  const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { sources: { name: string; docsRead: number }[]; tokenizer: unknown };
  assert.deepEqual(m.sources.map((s) => [s.name, s.docsRead]), [["input", 12]]);
  assert.equal(m.tokenizer, null);
  assert.ok(readFileSync(join(out, "report.html"), "utf8").includes("kotodama data report"));
  await assert.rejects(data.run(["prepare", "--input", "x", "--out", out, "--colour"]), /Unknown option '--colour'/);
  await assert.rejects(data.run(["prepare", "--input", "x"]), /--out DIR is required/);
  await assert.rejects(data.run(["prepare", "--input", "x", "--out", out, "--format", "xml"]), /'sources\[0\]\.format' must be/);
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ sources: [{ name: "a", paths: ["in.txt"] }], dedupe: {} }));
  await assert.rejects(data.run(["prepare", "--config", join(dir, "bad.json"), "--out", out]), /bad\.json: 'dedupe' is not a known key/);
});
