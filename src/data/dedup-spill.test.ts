import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deduplicator } from "./dedup.js";
import { bandPairs, sharedKeyPairs, SpillDeduplicator } from "./dedup-spill.js";
import { MINHASH_DEFAULTS } from "./minhash.js";
import { unitHashes } from "./units.js";
import { Rng } from "../util/rng.js";

/** Seeded prose: n documents of 40-90 words. */
function prose(rng: Rng, n: number): string[] {
  const vocab = "apple river mountain window garden yellow quickly slowly happy little teacher doctor market bridge winter summer morning evening forest ocean castle dragon letter pencil basket music dance paint cloud stone".split(" ");
  const glue = ["the", "and", "of", "to", "with", "a", "in"];
  return Array.from({ length: n }, () => `${Array.from({ length: 40 + rng.int(50) }, (_, k) => (k % 3 === 0 ? glue[rng.int(glue.length)]! : vocab[rng.int(vocab.length)]!)).join(" ")}.`);
}

/** 3,000 documents: seeded prose with planted exact copies, near copies (a few words changed), near copies of
 *  near copies, and empty documents. */
function corpus(): { id: string; text: string }[] {
  const rng = new Rng(5);
  const base = prose(rng, 2000);
  const docs = base.map((text, i) => ({ id: `f.txt:${i}`, text }));
  for (let i = 0; i < 1000; i++) {
    const src = docs[rng.int(docs.length)]!.text;
    const r = rng.next();
    const w = src.split(" ");
    if (r < 0.3) docs.push({ id: `g#${i}`, text: src.toUpperCase() });
    else if (r < 0.8) {
      for (let k = 0; k < 1 + rng.int(4); k++) w[rng.int(w.length)] = "zebra";
      docs.push({ id: `g#${i}`, text: w.join(" ") });
    } else if (r < 0.95) docs.push({ id: `g#${i}`, text: w.slice(0, Math.max(5, w.length - 20)).join(" ") });
    else docs.push({ id: `g#${i}`, text: "!!" });
  }
  return docs;
}

test("spilled dedup makes the in-memory Deduplicator's decisions, with a cap that forces partitions to split", () => {
  const docs = corpus();
  for (const [exact, near] of [[true, true], [false, true], [true, false]] as const) {
    const cfg = { exact, near, minhash: MINHASH_DEFAULTS };
    const mem = new Deduplicator(cfg);
    const dir = join(mkdtempSync(join(tmpdir(), "kd-spill-")), "w");
    const sp = new SpillDeduplicator(cfg, dir, 1 << 16); // 64 KiB: ~490 records a partition, 75,000 band records
    for (const d of docs) sp.add(d.id, unitHashes(d.text));
    sp.prepare();
    const counts = { exact: 0, near: 0 };
    docs.forEach((d, i) => {
      const want = mem.check(d.id, d.text);
      const got = sp.verdict(i);
      assert.equal(got.keep, want.keep, `doc ${i} keep`);
      if (!want.keep && !got.keep) {
        assert.equal(got.kind, want.kind, `doc ${i} kind`);
        counts[got.kind]++;
        if (want.kind === "near" && got.kind === "near") assert.ok(got.similarity === want.similarity || got.of !== want.of, `doc ${i} similarity`);
      }
    });
    sp.close();
    assert.ok(!existsSync(dir));
    if (exact) assert.ok(counts.exact >= 250, `exact ${counts.exact}`);
    if (near) assert.ok(counts.near >= 300, `near ${counts.near}`);
  }
});

test("prepareParallel: band partitions run as separate tasks, finishing in any order, give prepare()'s verdicts", async () => {
  const docs = corpus();
  const cfg = { exact: true, near: true, minhash: MINHASH_DEFAULTS };
  const run = async (parallel: boolean): Promise<string[]> => {
    const dir = join(mkdtempSync(join(tmpdir(), "kd-spillpar-")), "w");
    const sp = new SpillDeduplicator(cfg, dir, 1 << 16);
    for (const d of docs) sp.add(d.id, unitHashes(d.text));
    if (parallel) {
      // Tasks held back and then run last-submitted first: the opposite of prepare()'s order; 3 "workers" (each
      // task gets a third of the records budget, so more partitions split).
      const held: (() => void)[] = [];
      const done = sp.prepareParallel((t) => new Promise<void>((resolve) => held.push(() => { bandPairs(t); resolve(); })), 3);
      await new Promise((r) => setImmediate(r));
      assert.equal(held.length, 16, "one task a band partition");
      for (const f of held.reverse()) f();
      await done;
    } else sp.prepare();
    const out = docs.map((_, i) => JSON.stringify(sp.verdict(i)));
    sp.close();
    return out;
  };
  const want = await run(false);
  assert.ok(want.filter((v) => v.includes('"near"')).length >= 300);
  assert.deepEqual(await run(true), want);
});

test("sharedKeyPairs: every (later, earlier) pair of records with equal keys, skipped documents left out, as the all-pairs scan finds", () => {
  const rng = new Rng(3);
  for (const [n, distinct] of [[0, 1], [1, 1], [500, 40], [3000, 2900], [2000, 3]] as const) {
    // Band-like keys (band index above bit 32) drawn from a small pool, so that groups of every size occur.
    const pool = Array.from({ length: distinct }, (_, i) => (i % 20) * 4294967296 + rng.int(4294967296));
    const keys = Float64Array.from({ length: n }, () => pool[rng.int(distinct)]!);
    const docs = Uint32Array.from({ length: n }, (_, i) => i * 3 + 7);
    const skip = (d: number): boolean => d % 11 === 0;
    const got: string[] = [];
    sharedKeyPairs(keys, docs, skip, (a, b) => got.push(`${a},${b}`));
    const want: string[] = [];
    for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) if (keys[i] === keys[j] && !skip(docs[i]!) && !skip(docs[j]!)) want.push(`${docs[j]},${docs[i]}`);
    assert.deepEqual(got.sort(), want.sort(), `n=${n} distinct=${distinct}`);
    if (n === 2000) assert.ok(want.length > 500_000, "large groups exercised");
  }
});
