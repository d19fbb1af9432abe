import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { ShardReader, ShardWriter, SHARD_HEADER_BYTES } from "./shards.js";

const dir = mkdtempSync(join(tmpdir(), "kd-shards-"));

/** Documents of known ids: doc d is [d*10, d*10+1, ..., d*10+len-1]. */
function writeShard(name: string, vocab: number, docs: number[][], eos: number | null): string {
  const p = join(dir, name);
  const w = new ShardWriter(p, vocab, eos, 7); // tiny buffer: exercises flushing
  for (const d of docs) w.append(d);
  w.close();
  return p;
}

test("header, dtype choice and exact round trip (uint16 and uint32)", () => {
  const docs = [[1, 2, 3], [4, 5], [65535, 0]];
  const p16 = writeShard("a.bin", 65536, docs, 0);
  const raw = readFileSync(p16);
  assert.equal(raw.toString("latin1", 0, 4), "KTDS");
  assert.equal(raw.length, SHARD_HEADER_BYTES + 2 * 10);
  const r = new ShardReader([p16]);
  assert.equal(r.tokenCount, 10);
  assert.equal(r.docCount, 3);
  assert.equal(r.eos, 0);
  assert.deepEqual([...r.read(0, 10)], [1, 2, 3, 0, 4, 5, 0, 65535, 0, 0]);
  r.close();
  const p32 = writeShard("b.bin", 100000, [[99999, 70000]], null);
  assert.equal(readFileSync(p32).length, SHARD_HEADER_BYTES + 4 * 2);
  const r32 = new ShardReader([p32]);
  assert.deepEqual([...r32.read(0, 2)], [99999, 70000]);
  assert.equal(r32.eos, null);
  r32.close();
  assert.ok(!readdirSync(dir).some((f) => f.endsWith(".tmp")), "no temp file left behind");
  assert.throws(() => new ShardWriter(join(dir, "c.bin"), 10, null).append([10]), /outside the vocabulary/);
});

test("reads across shards; random batches are shifted windows inside one shard; memory-resident and on-demand agree", () => {
  // Shard 1 holds 0..999, shard 2 holds 1000..2999 (no eos): every window is a run of consecutive ids.
  const s1 = writeShard("s1.bin", 4096, [Array.from({ length: 1000 }, (_, i) => i)], null);
  const s2 = writeShard("s2.bin", 4096, [Array.from({ length: 2000 }, (_, i) => 1000 + i)], null);
  const resident = new ShardReader([s1, s2]);
  const onDemand = new ShardReader([s1, s2], 0);
  assert.deepEqual([...resident.read(995, 10)], [995, 996, 997, 998, 999, 1000, 1001, 1002, 1003, 1004]);
  assert.deepEqual([...onDemand.read(995, 10)], [...resident.read(995, 10)]);
  const T = 16;
  const a = resident.sampleBatch(new Rng(5), 64, T);
  const b = onDemand.sampleBatch(new Rng(5), 64, T);
  assert.deepEqual(a, b);
  let fromSecond = 0;
  for (let row = 0; row < 64; row++) {
    const x = a.inputs.subarray(row * T, row * T + T);
    const y = a.targets.subarray(row * T, row * T + T);
    for (let i = 0; i < T; i++) {
      assert.equal(y[i], x[i]! + 1); // next-token targets
      if (i > 0) assert.equal(x[i], x[i - 1]! + 1); // contiguous
    }
    assert.ok(!(x[0]! < 1000 && y[T - 1]! >= 1000), "window crosses a shard boundary");
    if (x[0]! >= 1000) fromSecond++;
  }
  // Shard 2 has about twice the windows of shard 1.
  assert.ok(fromSecond > 30 && fromSecond < 56, `rows from shard 2: ${fromSecond}`);
  const seq = [...resident.sequentialBatches(4, 100)];
  assert.equal(seq.length, Math.floor((3000 - 1) / 400));
  assert.equal(seq[1]!.inputs[0], 400);
  assert.equal(seq[1]!.targets[399], 800);
  assert.throws(() => resident.sampleBatch(new Rng(1), 1, 5000), /no shard holds a window/);
  resident.close();
  onDemand.close();
});

test("a truncated or foreign file is a FormatError naming the file", () => {
  const bad = join(dir, "bad.bin");
  writeFileSync(bad, "definitely not a shard file at all, no no no");
  assert.throws(() => new ShardReader([bad]), /bad\.bin: not a kotodama token shard/);
  const good = writeShard("t.bin", 300, [[1, 2, 3, 4]], null);
  writeFileSync(good, readFileSync(good).subarray(0, SHARD_HEADER_BYTES + 3));
  assert.throws(() => new ShardReader([good]), /t\.bin: size/);
});
