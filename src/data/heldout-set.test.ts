import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { NgramSet } from "./decontaminate.js";
import { buildHeldOut, HeldOutHits } from "./heldout-set.js";

/** Validation and training documents over a small vocabulary, training ones sharing spans with validation ones. */
function corpus(): { val: string[]; train: string[] } {
  const rng = new Rng(5);
  const words = "sun moon star river stone tree bird fish cloud rain wind fire snow leaf root seed hill lake road door".split(" ");
  const doc = (n: number): string => Array.from({ length: n }, () => words[rng.int(words.length)]!).join(" ");
  const val = Array.from({ length: 60 }, () => doc(20 + rng.int(60)));
  val.push("short one", "");
  const train = Array.from({ length: 200 }, (_, i) => {
    if (i % 5 === 0) return `${doc(10)} ${val[i % 60]!} ${doc(10)}`; // a whole validation document inside
    if (i % 7 === 0) return `${val[i % 60]!.split(" ").slice(0, 14).join(" ")} ${doc(40)}`; // one shared 13-gram or two
    return i % 11 === 0 ? "tiny" : doc(15 + rng.int(60));
  });
  return { val, train };
}

const jsonl = (texts: readonly string[]): string => texts.map((text) => JSON.stringify({ text })).join("\n");

test("held-out set: in memory and spilled in hash-range passes, the hit counts and totals are NgramSet's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-heldout-"));
  const { val, train } = corpus();
  writeFileSync(join(dir, "val.jsonl"), jsonl(val));
  writeFileSync(join(dir, "train.jsonl"), jsonl(train));
  // The reference: NgramSet, one Map of every validation 13-gram.
  const ref = new NgramSet();
  for (const v of val) ref.add(v, 13);
  const want = train.map((t) => {
    const m = ref.matches(t);
    return { hits: m.hits, total: m.hits === 0 ? null : m.total }; // NgramSet's total, where a hit makes it matter
  });
  assert.ok(want.filter((w) => w.hits > 0).length >= 40, "training documents with hits");
  assert.ok(want.some((w) => w.hits > 0 && w.total !== null && w.hits < w.total), "partial overlaps");

  const mem = await buildHeldOut(join(dir, "val.jsonl"), join(dir, "train.jsonl"), 13, Infinity, dir);
  assert.equal(mem.kind, "set");
  if (mem.kind !== "set") return;
  assert.equal(mem.set.size, ref.size, "distinct keys");
  assert.deepEqual(train.map((t) => { const m = mem.set.matches(t); return { hits: m.hits, total: m.hits === 0 ? null : m.total }; }), want);

  // 4 KB of budget: the floor of 1,024 keys in memory, at most 512 a range, so the ~2,700 distinct keys take
  // several passes over the training file.
  const sp = await buildHeldOut(join(dir, "val.jsonl"), join(dir, "train.jsonl"), 13, 4096, dir);
  assert.equal(sp.kind, "spilled");
  if (sp.kind !== "spilled") return;
  assert.ok(sp.passes >= 4, `passes: ${sp.passes}`);
  const hits = new HeldOutHits(sp.hits);
  assert.deepEqual(train.map(() => { const m = hits.next(); return { hits: m.hits, total: m.hits === 0 ? null : m.total }; }), want);
  assert.throws(() => hits.next(), /fewer than the training documents/);
  hits.close();
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("heldout")), [], "the spill files are removed");
  assert.ok(!existsSync(sp.hits));
});
