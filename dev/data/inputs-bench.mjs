// Reader throughput per input kind (docs/data.md "Inputs"): the same synthetic corpus as plain UTF-8 text, gzip,
// zstd (when the zstd CLI is installed), Shift_JIS converted while reading, and a Common Crawl-style WET file
// (one gzip member per record). Reads with readFile only (no filters), reports MB/s of document text out.
// Not here: the whole pipeline's throughput (kotodama bench data). Run after `npx tsc -p tsconfig.json`:
//   node dev/data/inputs-bench.mjs [MB=32] [seed=1]
import { mkdtempSync, writeFileSync, rmSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readFile, SOURCE_DEFAULTS } from "../../dist/src/data/readers.js";
import { legacy } from "../../dist/src/data/encoding.fixture.js";
import { Rng } from "../../dist/src/util/rng.js";

const mb = Number(process.argv[2] ?? 32);
const rng = new Rng(Number(process.argv[3] ?? 1));
const dir = mkdtempSync(join(tmpdir(), "kd-inputs-bench-"));
// Paragraphs from the fixture's characters (hiragana + a few kanji), so the same text exists in Shift_JIS.
const HIRA = Array.from({ length: 0x3093 - 0x3041 + 1 }, (_, i) => String.fromCharCode(0x3041 + i));
const KANJI = ["日", "本", "語", "猫", "名", "前", "無", "吾", "輩", "文"];
const word = () => Array.from({ length: 2 + Math.floor(rng.next() * 4) }, () => (rng.next() < 0.2 ? KANJI[Math.floor(rng.next() * KANJI.length)] : HIRA[Math.floor(rng.next() * HIRA.length)])).join("");
const para = () => Array.from({ length: 8 + Math.floor(rng.next() * 30) }, (_, i) => word() + (i % 6 === 5 ? "。" : "、")).join("") + "。";
const paras = [];
let bytes = 0;
while (bytes < mb * 1e6) {
  const p = para();
  paras.push(p);
  bytes += Buffer.byteLength(p) + 2;
}
const text = paras.join("\n\n");
const files = { "utf-8 .txt": join(dir, "c.txt"), "gzip .txt.gz": join(dir, "c.txt.gz"), "Shift_JIS .txt (encoding shift_jis)": join(dir, "c-sjis.txt") };
writeFileSync(files["utf-8 .txt"], text);
writeFileSync(files["gzip .txt.gz"], gzipSync(text));
writeFileSync(files["Shift_JIS .txt (encoding shift_jis)"], legacy(text, "shift_jis"));
try {
  execFileSync("zstd", ["-q", "-3", files["utf-8 .txt"], "-o", join(dir, "c.txt.zst")]);
  files["zstd .txt.zst (fzstd)"] = join(dir, "c.txt.zst");
} catch {
  console.log("zstd CLI not found: .zst skipped");
}
// WET: ~20 paragraphs per conversion record, each record its own gzip member.
const recs = [];
for (let i = 0; i < paras.length; i += 20) {
  const body = Buffer.from(paras.slice(i, i + 20).join("\n"));
  const head = `WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: https://example.jp/${i}\r\nWARC-Identified-Content-Language: jpn\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`;
  recs.push(gzipSync(Buffer.concat([Buffer.from(head), body, Buffer.from("\r\n\r\n")])));
}
files["WET .warc.wet.gz (multi-member)"] = join(dir, "c.warc.wet.gz");
writeFileSync(files["WET .warc.wet.gz (multi-member)"], Buffer.concat(recs));

console.log(`corpus: ${(bytes / 1e6).toFixed(1)} MB of UTF-8 text, ${paras.length} paragraphs; node ${process.version}`);
console.log("| input | file MB | docs | text MB out | seconds | MB/s |");
console.log("| --- | --- | --- | --- | --- | --- |");
// Two passes; the table shows the second (the first warms the JIT, which otherwise favours whatever runs last).
for (const pass of [1, 2])
for (const [name, f] of Object.entries(files)) {
  const src = { ...SOURCE_DEFAULTS, name: "b", paths: [f], encoding: name.startsWith("Shift_JIS") ? "shift_jis" : "utf-8" };
  const issues = [];
  let docs = 0;
  let out = 0;
  const t0 = performance.now();
  for await (const d of readFile(f, src, { baseDir: dir, maxDocChars: 1_000_000, onIssue: (i) => issues.push(i) })) {
    docs++;
    out += Buffer.byteLength(d.text);
  }
  const s = (performance.now() - t0) / 1000;
  if (pass === 1) continue;
  if (issues.length > 0) console.log(`  ${name}: ${issues.length} issues, first: ${JSON.stringify(issues[0])}`);
  console.log(`| ${name} | ${(statSync(f).size / 1e6).toFixed(1)} | ${docs} | ${(out / 1e6).toFixed(1)} | ${s.toFixed(2)} | ${(out / 1e6 / s).toFixed(1)} |`);
}
rmSync(dir, { recursive: true, force: true });
