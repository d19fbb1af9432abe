import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainBpe } from "../tokenizer/train.js";
import { saveHfTokenizer } from "../tokenizer/hf-json.js";
import { loadTokenizer } from "../tokenizer/load.js";
import { Rng } from "../util/rng.js";
import { NgramSet } from "./decontaminate.js";
import { workOnDoc, type DocWork } from "./shard-docs.js";
import { buildHeldOut } from "./heldout-set.js";
import { ShardPool } from "./shard-pool.js";

const words = "apple river mountain window garden yellow quickly slowly happy little teacher doctor market bridge winter summer morning evening forest ocean castle dragon letter pencil basket music dance paint cloud stone 春 山 川 ねこ".split(" ");
const sentence = (rng: Rng, n: number): string => Array.from({ length: n }, () => words[rng.int(words.length)]!).join(" ");

async function* each<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

/** The result without its timings (which differ run to run). */
const plain = (w: DocWork): unknown => ({ held: w.held, keep: w.keep, ids: w.ids === null ? null : [...w.ids], tokError: w.tokError });

test("shard pool: 2 workers give workOnDoc's results in input order (held-out drops, then ids), across many batches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-shardpool-"));
  const rng = new Rng(5);
  const val = Array.from({ length: 20 }, () => sentence(rng, 60));
  // 700 training documents (3 batches of 256): every 10th carries 40 words of a validation document (about half
  // of its 13-grams are in validation: dropped at minFraction 0.1); one in 25 carries a single shared 13-gram
  // within 80 fresh words (1/80 of its n-grams: kept, with a hit counted).
  const train = Array.from({ length: 700 }, (_, i) => {
    const v = val[i % val.length]!.split(" ");
    if (i % 10 === 0) return `${v.slice(5, 45).join(" ")} ${sentence(rng, 40)}`;
    if (i % 25 === 1) return `${sentence(rng, 40)} ${v.slice(20, 33).join(" ")} ${sentence(rng, 40)}`;
    return sentence(rng, 20 + rng.int(60));
  });
  const tokPath = join(dir, "tokenizer.json");
  saveHfTokenizer(trainBpe({ texts: [...val, ...train], vocabSize: 400, addBos: false }), tokPath);
  const valFile = join(dir, "val.jsonl");
  writeFileSync(valFile, val.map((text) => JSON.stringify({ text })).join("\n"));

  // Reference: in this thread, with the tokenizer loaded here and the held-out set built here.
  const tok = loadTokenizer(tokPath);
  const held = new NgramSet();
  for (const v of val) held.add(v, 13);
  const want = train.map((t) => plain(workOnDoc(t, "train", held, 0.1, tok)));
  const dropped = want.filter((w) => !(w as { keep: boolean }).keep).length;
  assert.equal(dropped, 70, "every 10th document dropped");
  assert.ok(want.filter((w) => { const x = w as { keep: boolean; held: { hits: number } }; return x.keep && x.held.hits > 0; }).length >= 20, "single shared n-grams kept");
  // The kept documents' ids are the tokenizer's own encode.
  assert.deepEqual((want[3] as { ids: number[] }).ids, tok.encode(train[3]!, { addBos: false }));

  // The pool's workers share the compact held-out set (heldout-set.ts); the reference above is an NgramSet.
  const built = await buildHeldOut(valFile, valFile, 13, Infinity, dir);
  assert.equal(built.kind, "set");
  const pool = new ShardPool(2, { tokenizerPath: tokPath, held: built.kind === "set" ? built.set.shared : null, minFraction: 0.1 });
  try {
    const docs = train.map((text, i) => ({ text, i }));
    const got: [number, unknown][] = [];
    for await (const [d, w] of pool.map(each(docs), "train")) got.push([d.i, plain(w)]);
    assert.deepEqual(got.map(([i]) => i), docs.map((d) => d.i), "input order");
    assert.deepEqual(got.map(([, w]) => w), want);
    // Validation documents are not checked against themselves: no held-out result, all tokenized.
    const vals: unknown[] = [];
    for await (const [, w] of pool.map(each(val.map((text) => ({ text }))), "val")) vals.push(plain(w));
    assert.deepEqual(vals, val.map((t) => plain(workOnDoc(t, "val", held, 0.1, tok))));
    assert.ok(vals.every((w) => (w as { held: unknown }).held === null));
  } finally {
    await pool.close();
  }
});

test("shard pool: a tokenizer file the worker cannot load fails the run with the worker's message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-shardpool-bad-"));
  const bad = join(dir, "tokenizer.json");
  writeFileSync(bad, "{ not json");
  const pool = new ShardPool(2, { tokenizerPath: bad, held: null, minFraction: 0.1 });
  try {
    await assert.rejects(async () => {
      for await (const _ of pool.map(each([{ text: "hello" }]), "train")) void _;
    }, (e: Error) => e.message.startsWith("shard worker: ") && e.message.includes(bad));
  } finally {
    await pool.close();
  }
});
