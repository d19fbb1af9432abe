// What one label costs as the --out file grows: `kotodama label` rewrites the whole file (temp, fsync, rename,
// fsync of the folder) on every choice, and reads it whole on start. Run: node dist/bench/label-write.js
// Not here: the page or HTTP (a request adds well under a millisecond on loopback).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabelFile, labelRecord, type PreferencePair } from "../src/train/preference/index.js";

const pair = (i: number): PreferencePair => ({
  id: i,
  prompt: "Write a short story about a cat. ".repeat(4),
  a: "Once upon a time there was a cat. ".repeat(12),
  b: "The cat sat on the mat and slept. ".repeat(12),
});

const dir = mkdtempSync(join(tmpdir(), "kotodama-label-bench-"));
try {
  const rows: { labels: number; mb: number; open_ms: number; label_ms: number }[] = [];
  for (const n of [100, 1000, 10000]) {
    const out = join(dir, `labels-${n}.jsonl`);
    writeFileSync(out, Array.from({ length: n }, (_, i) => `${JSON.stringify(labelRecord(pair(i), "left"))}\n`).join(""));
    const ids = new Set(Array.from({ length: n + 20 }, (_, i) => String(i)));
    const t0 = performance.now();
    const f = new LabelFile(out, ids);
    const open = performance.now() - t0;
    const t1 = performance.now();
    for (let i = n; i < n + 20; i++) f.append(labelRecord(pair(i), i % 2 === 0 ? "left" : "right"));
    const label = (performance.now() - t1) / 20;
    rows.push({ labels: n, mb: statSync(out).size / 1e6, open_ms: open, label_ms: label });
    console.log(`${String(n).padStart(6)} labels (${(statSync(out).size / 1e6).toFixed(2)} MB): ${label.toFixed(1)} ms per label, ${open.toFixed(0)} ms to open (resume)`);
  }
  console.log(JSON.stringify({ bench: "label-write", rows }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
