import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { packageRoot } from "../util/paths.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "./config.js";
import { runPipeline, type PipelineResult } from "./pipeline.js";
import { Rng } from "../util/rng.js";
import { sha256 } from "./files.js";
import { trainBpe } from "../tokenizer/train.js";
import { saveHfTokenizer } from "../tokenizer/hf-json.js";
import { loadTokenizer } from "../tokenizer/load.js";

/** Seeded prose: n documents of 40-90 words, each about 400 bytes. */
function prose(rng: Rng, n: number): string[] {
  const vocab = "apple river mountain window garden yellow quickly slowly happy little teacher doctor market bridge winter summer morning evening forest ocean castle dragon letter pencil basket music dance paint cloud stone".split(" ");
  const glue = ["the", "and", "of", "to", "with", "a", "in"];
  return Array.from({ length: n }, () => `${Array.from({ length: 40 + rng.int(50) }, (_, k) => (k % 3 === 0 ? glue[rng.int(glue.length)]! : vocab[rng.int(vocab.length)]!)).join(" ")}.`);
}

/** Three files (text with an in-line separator, JSON Lines, blank-line text) with planted exact duplicates
 *  (case/punctuation changes) and near duplicates (one word changed), within and across files. */
function plantedCorpus(dir: string, docsPerFile = 120): void {
  const rng = new Rng(11);
  const a = prose(rng, docsPerFile);
  const b = prose(rng, docsPerFile);
  const c = prose(rng, docsPerFile);
  for (let i = 0; i < 12; i++) {
    b[i * 7] = a[i * 9]!.toUpperCase(); // exact (units ignore case)
    c[i * 5] = a[i * 3]!.replace(/ (\w+)\.$/, " zebra."); // near: last word changed
    a[100 + i] = `${a[i * 4]!},`; // exact within the file
  }
  writeFileSync(join(dir, "a.txt"), a.join("\n<|endoftext|>\n"));
  writeFileSync(join(dir, "b.jsonl"), b.map((t) => JSON.stringify({ text: t })).join("\n"));
  writeFileSync(join(dir, "c.txt"), c.join("\n\n"));
}

function plantedConfig(dir: string, extra: Record<string, unknown> = {}): ReturnType<typeof parseConfig> {
  return parseConfig({
    sources: [
      { name: "a", paths: ["a.txt"], separator: "<|endoftext|>" },
      { name: "b", paths: ["b.jsonl"], format: "jsonl" },
      { name: "c", paths: ["c.txt"] },
    ],
    decontaminate: { enabled: false },
    split: { valFraction: 0.1 },
    inputShardBytes: 4096,
    ...extra,
  }, join(dir, "config.json"));
}

/** Every output file of a run except the cache and the timings, as text. */
function outputs(out: string, r: PipelineResult): Record<string, string> {
  const files: Record<string, string> = { "manifest.json": readFileSync(join(out, "manifest.json"), "utf8") };
  for (const f of readdirSync(out)) if (f.endsWith(".bin")) files[f] = readFileSync(join(out, f)).toString("base64");
  for (const f of readdirSync(join(out, "text"))) files[`text/${f}`] = readFileSync(join(out, "text", f), "utf8");
  files.stages = JSON.stringify(r.stats.stages.map(({ seconds: _s, ...rest }) => rest));
  files.languages = JSON.stringify(r.stats.languages);
  return files;
}

const TOK = {
  tokenizer: {
    kind: "bytes (test)",
    vocabSize: 257,
    special: { eos: 256 },
    encode: (t: string): number[] => [...Buffer.from(t, "utf8")],
    decode: (ids: readonly number[]): string => Buffer.from(ids.filter((i) => i < 256)).toString("utf8"),
    tokenText: (id: number): string => String(id),
    tokenBytes: (id: number): Uint8Array => Uint8Array.of(id & 255),
  },
  path: "bytes",
  sha256: "0".repeat(64),
};

test("workers: 1 and 2 workers give byte-identical outputs (manifest, shards, text, report counts) on a multi-file corpus cut into input shards", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-par-"));
  plantedCorpus(dir);
  const r1 = await runPipeline(plantedConfig(dir, { workers: 1 }), { outDir: join(dir, "w1"), baseDir: dir, tokenizer: TOK });
  const r2 = await runPipeline(plantedConfig(dir, { workers: 2 }), { outDir: join(dir, "w2"), baseDir: dir, tokenizer: TOK });
  assert.ok(r1.reused.totalFiles >= 12, `input shards: ${r1.reused.totalFiles}`);
  const st = Object.fromEntries(r1.stats.stages.map((s) => [s.name, s]));
  assert.equal(st.read!.docsIn, 360);
  assert.equal(st["dedup-exact"]!.reasons.exact, 24);
  assert.equal(st["dedup-near"]!.reasons.near, 12);
  assert.deepEqual(outputs(join(dir, "w2"), r2), outputs(join(dir, "w1"), r1));
  // 2 workers that also compute the dedup keys (memory cap): the same again.
  const r4 = await runPipeline(plantedConfig(dir, { workers: 2, memoryCap: "1G" }), { outDir: join(dir, "w2cap"), baseDir: dir, tokenizer: TOK, dedupStateBytes: 64 << 10 });
  assert.deepEqual(outputs(join(dir, "w2cap"), r4), outputs(join(dir, "w1"), r1));
  // A second run with 2 workers reuses every clean shard.
  const r3 = await runPipeline(plantedConfig(dir, { workers: 2 }), { outDir: join(dir, "w2"), baseDir: dir, tokenizer: TOK });
  assert.equal(r3.reused.cleanFiles, r3.reused.totalFiles);
});

test("workers: with a tokenizer file and held-out decontamination, step 3 on 2 worker threads writes the 1-worker run's shards", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-par-tok-"));
  plantedCorpus(dir);
  // Training documents that repeat a validation document's words, so that held-out decontamination drops some:
  // with valFraction 0.1, copies of every document (one word changed, near dedup off) land on both sides.
  writeFileSync(join(dir, "d.txt"), readFileSync(join(dir, "a.txt"), "utf8").replace(/ the /g, " a "));
  const path = join(dir, "tokenizer.json");
  saveHfTokenizer(trainBpe({ texts: [readFileSync(join(dir, "a.txt"), "utf8")], vocabSize: 500, addBos: false }), path);
  const tok = { tokenizer: loadTokenizer(path), path, sha256: sha256(readFileSync(path)) };
  const cfg = (workers: number): ReturnType<typeof parseConfig> => {
    const base = plantedConfig(dir, { workers, dedup: { near: false }, decontaminate: { enabled: true, evalSets: [], heldOut: true } });
    return { ...base, sources: [...base.sources, { ...base.sources[0]!, name: "d", paths: ["d.txt"] }] };
  };
  const r1 = await runPipeline(cfg(1), { outDir: join(dir, "w1"), baseDir: dir, tokenizer: tok });
  const r2 = await runPipeline(cfg(2), { outDir: join(dir, "w2"), baseDir: dir, tokenizer: tok });
  const held = r1.stats.stages.find((s) => s.name === "decontaminate-heldout")!;
  assert.ok((held.reasons["heldout-ngram"] ?? 0) >= 5, `held-out drops: ${JSON.stringify(held.reasons)}`);
  assert.ok(r1.manifest.splits.train.tokens > 10_000);
  assert.deepEqual(outputs(join(dir, "w2"), r2), outputs(join(dir, "w1"), r1));
});

test("memory cap: the pipeline's outputs with 64K of dedup state equal the uncapped run's; a cap too small fails naming the flag and the minimum", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-spill-pipe-"));
  plantedCorpus(dir);
  const r1 = await runPipeline(plantedConfig(dir), { outDir: join(dir, "mem"), baseDir: dir, tokenizer: null });
  const r2 = await runPipeline(plantedConfig(dir, { memoryCap: "1G" }), { outDir: join(dir, "cap"), baseDir: dir, tokenizer: null, dedupStateBytes: 64 << 10 });
  const o1 = outputs(join(dir, "mem"), r1);
  assert.match(o1.stages!, /"exact":24/);
  assert.deepEqual(outputs(join(dir, "cap"), r2), o1);
  assert.throws(() => parseConfig({ sources: [{ name: "a", paths: ["x"] }], memoryCap: "12Q" }, "c.json"), /c\.json: 'memoryCap': expects a size like 512M or 1G, got "12Q"/);
  // 2 workers with langid and no tokenizer: clean 60 + 150 + 2 × 127 = 464 MB, dedup 60 + 96 + 64 + 2 × 127 = 474 MB,
  // shards 60 + 96 + 32 + 2 × 95 = 378 MB (memory-budget.ts): the dedup step's 474, checked before any work.
  await assert.rejects(runPipeline(plantedConfig(dir, { workers: 2, memoryCap: "300M" }), { outDir: join(dir, "small"), baseDir: dir, tokenizer: null }), /--memory-cap \(config: memoryCap\) 300 MB is too small for this run: it needs at least 474 MB \(the dedup step: .*2 dedup workers × 127 MB\); raise --memory-cap or lower --workers/);
  // With a tokenizer, 3 workers: the shards step needs most, each worker holding its own tokenizer:
  // 60 + 60 + 96 + 32 + 3 × (95 + 60) = 713 MB (clean: 60 + 60 + 150 + 3 × 127 = 651; dedup: 60 + 60 + 96 + 64 + 381 = 661).
  await assert.rejects(runPipeline(plantedConfig(dir, { workers: 3, memoryCap: "700M" }), { outDir: join(dir, "small3"), baseDir: dir, tokenizer: TOK }), /700 MB is too small for this run: it needs at least 713 MB \(the shards step: .*3 shard workers × 155 MB\)/);
  assert.ok(!existsSync(join(dir, "small3", "manifest.json")) && !existsSync(join(dir, "small3", "cache")), "nothing written");
  assert.ok(!existsSync(join(dir, "small")), "nothing written");
});

test("resume: a run killed (SIGKILL) after some clean shards finished resumes without redoing them and ends with the uninterrupted run's outputs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-resume-"));
  plantedCorpus(dir, 500);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ sources: plantedConfig(dir).sources, decontaminate: { enabled: false }, split: { valFraction: 0.1 }, inputShardBytes: 4096 }));
  const out = join(dir, "killed");
  const cleanDir = join(out, "cache", "clean");
  const child = spawn(process.execPath, [join(packageRoot(), "bin", "kotodama"), "data", "prepare", "--config", join(dir, "config.json"), "--out", out, "--quiet", "--memory-cap", "1G"], { stdio: "ignore" });
  const finished = (): string[] => (existsSync(cleanDir) ? readdirSync(cleanDir).filter((f) => f.endsWith(".stats.json")) : []);
  while (finished().length < 3) await new Promise((r) => setTimeout(r, 20));
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const before = new Map(finished().map((f) => [f, statSync(join(cleanDir, f)).mtimeMs]));
  assert.ok(!existsSync(join(out, "manifest.json")), "killed before the end");
  const resumed = await runPipeline(plantedConfig(dir, { memoryCap: "1G" }), { outDir: out, baseDir: dir, tokenizer: null });
  assert.ok(resumed.reused.cleanFiles >= before.size && resumed.reused.cleanFiles < resumed.reused.totalFiles, `reused ${resumed.reused.cleanFiles} of ${resumed.reused.totalFiles}`);
  for (const [f, t] of before) assert.equal(statSync(join(cleanDir, f)).mtimeMs, t, `${f} not recomputed`);
  assert.deepEqual(readdirSync(cleanDir).filter((f) => f.endsWith(".tmp")), [], "no partial outputs left");
  const whole = await runPipeline(plantedConfig(dir), { outDir: join(dir, "whole"), baseDir: dir, tokenizer: null });
  assert.deepEqual(outputs(out, resumed), outputs(join(dir, "whole"), whole));
});

test("workers 1, 2 and 3 under a memory cap, with evaluation and held-out decontamination: byte-identical outputs; the dedup verdicts are the uncapped run's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-par3-"));
  plantedCorpus(dir, 300);
  // A user evaluation file holding one document of each source (so step 2's evaluation check drops them).
  const a = readFileSync(join(dir, "a.txt"), "utf8").split("\n<|endoftext|>\n");
  const c = readFileSync(join(dir, "c.txt"), "utf8").split("\n\n");
  writeFileSync(join(dir, "evals.txt"), `${a[50]!}\n${c[60]!}\n`);
  // Held-out leaks: 40 documents that are two of a's joined (not near duplicates of either: J ≈ 0.5); where one
  // half went to validation, the joined one shares half its n-grams with it.
  writeFileSync(join(dir, "c.txt"), [...c, ...Array.from({ length: 40 }, (_, k) => `${a[150 + 2 * k]!} ${a[151 + 2 * k]!}`)].join("\n\n"));
  const cfg = (extra: Record<string, unknown>): ReturnType<typeof parseConfig> => plantedConfig(dir, { decontaminate: { enabled: true, evalSets: [], files: ["evals.txt"], heldOut: true, heldOutMinFraction: 0.3 }, split: { valFraction: 0.3 }, ...extra });
  const runs: [string, PipelineResult][] = [];
  for (const workers of [1, 2, 3]) {
    const out = join(dir, `w${workers}`);
    runs.push([out, await runPipeline(cfg({ workers, memoryCap: "1G" }), { outDir: out, baseDir: dir, tokenizer: TOK, dedupStateBytes: 64 << 10 })]);
  }
  const st = Object.fromEntries(runs[0]![1].stats.stages.map((s) => [s.name, s]));
  // 12 planted exact duplicates within a and 12 across a → b, 12 near ones across a → c (plantedCorpus; a joined
  // document may be one more).
  assert.equal(st["dedup-exact"]!.reasons.exact, 24);
  assert.ok(st["dedup-near"]!.reasons.near! >= 12, `near: ${st["dedup-near"]!.reasons.near}`);
  assert.equal(st["decontaminate-eval"]!.reasons["user-eval:evals.txt"] ?? Object.values(st["decontaminate-eval"]!.reasons).reduce((x, y) => x + y, 0), 2, JSON.stringify(st["decontaminate-eval"]!.reasons));
  const want = outputs(runs[0]![0], runs[0]![1]);
  for (const [out, r] of runs.slice(1)) assert.deepEqual(outputs(out, r), want, out);
  // The held-out n-grams spilled (a 4 KB budget: hash-range passes, counts read back in order), 1 and 2 workers.
  for (const workers of [1, 2]) {
    const out = join(dir, `spilled${workers}`);
    const r = await runPipeline(cfg({ workers, memoryCap: "1G" }), { outDir: out, baseDir: dir, tokenizer: TOK, dedupStateBytes: 64 << 10, heldOutStateBytes: 4096 });
    assert.deepEqual(outputs(out, r), want, out);
  }
  assert.ok(Object.values(st["decontaminate-heldout"]!.reasons).reduce((x, y) => x + y, 0) > 0, `held-out drops: ${JSON.stringify(st["decontaminate-heldout"]!.reasons)}`);
  // Without the cap (in-memory dedup, main thread only): the same shards and text.
  const free = await runPipeline(cfg({ workers: 1 }), { outDir: join(dir, "free"), baseDir: dir, tokenizer: TOK });
  assert.deepEqual(outputs(join(dir, "free"), free), want);
});

test("resume: a 2-worker run killed (SIGKILL) during step 2 (dedup) resumes with every clean shard reused and ends with the uninterrupted run's outputs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-resume2-"));
  plantedCorpus(dir, 3000);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ sources: plantedConfig(dir).sources, decontaminate: { enabled: false }, split: { valFraction: 0.1 }, inputShardBytes: 1 << 16 }));
  const out = join(dir, "killed");
  const child = spawn(process.execPath, [join(packageRoot(), "bin", "kotodama"), "data", "prepare", "--config", join(dir, "config.json"), "--out", out, "--quiet", "--memory-cap", "1G", "--workers", "2"], { stdio: "ignore" });
  // Step 2 has begun when its spill folder exists, and not ended while its stats file is absent.
  const inDedup = (): boolean => existsSync(join(out, "cache")) && readdirSync(join(out, "cache")).some((f) => f.startsWith("dedup-") && existsSync(join(out, "cache", f, "spill")));
  const exited = new Promise((r) => child.once("exit", r));
  let gone = false;
  void exited.then(() => (gone = true));
  while (!inDedup() && !gone) await new Promise((r) => setTimeout(r, 2));
  child.kill("SIGKILL");
  await exited;
  assert.ok(!existsSync(join(out, "manifest.json")), "killed before the end");
  const dedupDirs = readdirSync(join(out, "cache")).filter((f) => f.startsWith("dedup-"));
  assert.equal(dedupDirs.length, 1);
  assert.ok(!existsSync(join(out, "cache", dedupDirs[0]!, "stats.json")), "killed inside step 2");
  const resumed = await runPipeline(plantedConfig(dir, { memoryCap: "1G", workers: 2, inputShardBytes: 1 << 16 }), { outDir: out, baseDir: dir, tokenizer: null });
  assert.equal(resumed.reused.cleanFiles, resumed.reused.totalFiles, "every clean shard reused");
  assert.equal(resumed.reused.dedup, false);
  const whole = await runPipeline(plantedConfig(dir, { inputShardBytes: 1 << 16 }), { outDir: join(dir, "whole"), baseDir: dir, tokenizer: null });
  assert.deepEqual(outputs(out, resumed), outputs(join(dir, "whole"), whole));
});
