import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data } from "./data.js";
import { sharedOrSkip } from "../../util/paths.js";

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

test("kotodama data instruct: flags and config errors name the flag or key; a real run writes its resolved config", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kd-cli-instruct-"));
  await assert.rejects(data.run(["instruct", "--seed", "1"]), /--out DIR is required/);
  await assert.rejects(data.run(["instruct", "--out", dir, "--sed", "1"]), /Unknown option '--sed'/);
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ asset: { referencesPerSentence: 11 } }));
  await assert.rejects(data.run(["instruct", "--out", dir, "--config", join(dir, "bad.json")]), /bad\.json: 'asset\.referencesPerSentence' must be an integer in \[1, 10\]/);
  const shared = sharedOrSkip(t, "data");
  if (shared === null) return;
  const out = join(dir, "out");
  assert.equal(await data.run(["instruct", "--out", out, "--data-dir", shared, "--seed", "5", "--quiet"]), 0);
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { seed: number; dataDir: string };
  assert.deepEqual([cfg.seed, cfg.dataDir], [5, shared]);
  const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { totals: { train: number; heldOut: number } };
  assert.ok(m.totals.train > 10000 && m.totals.heldOut > 2000);
});
