import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
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

test("kotodama data prepare: a Common Crawl WET file directly; --encoding, --decontaminate and their errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-cli-wet-"));
  const rec = (h: Record<string, string>, body: string): Buffer => {
    const b = Buffer.from(body, "utf8");
    const head = ["WARC/1.0", ...Object.entries(h).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${b.length}`].join("\r\n");
    return gzipSync(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), b, Buffer.from("\r\n\r\n")]));
  };
  const pages = [
    "Visitors' guide. The city library opens at nine every morning and the children read stories about foxes, rivers and old oak trees with their friends until lunch.",
    "Our town in brief: the city library opens at nine every morning, and the children read stories about foxes while their parents shop at the market.",
    "The harbour museum shows ships built by local carpenters two hundred years ago, and guided tours in English start every afternoon at three.",
  ];
  const en = (i: number): string => pages[i - 1]!;
  const ja = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";
  const wet = join(dir, "CC-MAIN-2024-00000.warc.wet.gz");
  writeFileSync(wet, Buffer.concat([
    rec({ "WARC-Type": "warcinfo", "Content-Type": "application/warc-fields" }, "Software-Info: test\r\n"),
    ...[1, 2, 3].map((i) => rec({ "WARC-Type": "conversion", "WARC-Target-URI": `https://example.com/p${i}`, "WARC-Identified-Content-Language": "eng", "Content-Type": "text/plain" }, en(i))),
    rec({ "WARC-Type": "conversion", "WARC-Target-URI": "https://example.jp/neko", "WARC-Identified-Content-Language": "jpn", "Content-Type": "text/plain" }, ja),
  ]));
  const bench = join(dir, "bench.txt");
  writeFileSync(bench, "The city library opens at nine every morning and the children read stories about foxes\n");
  const out = join(dir, "out");
  assert.equal(await data.run(["prepare", "--input", wet, "--out", out, "--val-fraction", "0", "--decontaminate", bench, "--quiet"]), 0);
  const kept = readFileSync(join(out, "text", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; lang: string; warcLang?: string });
  assert.deepEqual(kept.map((d) => [d.id, d.lang, d.warcLang]), [["https://example.com/p3", "en", "eng"], ["https://example.jp/neko", "ja", "jpn"]]);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as { stats: { stages: { name: string; reasons: Record<string, number> }[] } };
  assert.deepEqual(report.stats.stages.find((s) => s.name === "decontaminate-eval")?.reasons, { [`eval-file:${bench}`]: 2 });
  await assert.rejects(data.run(["prepare", "--input", wet, "--out", out, "--encoding", "latin1"]), /'sources\[0\]\.encoding' must be one of "utf-8", "shift_jis", "euc-jp", "auto", got "latin1"/);
  await assert.rejects(data.run(["prepare", "--input", wet, "--out", out, "--decontaminate", join(dir, "nope.jsonl"), "--quiet"]), /nope\.jsonl: cannot read evaluation file/);
});
