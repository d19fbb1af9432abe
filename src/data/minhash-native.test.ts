import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { loadAddon, type NativeIsa } from "../engine/backends/native/addon.js";
import { nativeMinHashKernel } from "../engine/hashing.js";
import { MinHasher, MINHASH_DEFAULTS, shingleHashes } from "./minhash.js";

const addon = loadAddon();

test("native MinHash signatures equal the TypeScript reference on random input, on every instruction set", { skip: addon.ok ? false : `native addon not built: ${addon.ok ? "" : addon.reason}` }, () => {
  if (!addon.ok) return;
  const kernel = nativeMinHashKernel();
  assert.ok(kernel !== null);
  const rng = new Rng(99);
  // Configurations with P not a multiple of any vector width or of the 128-lane block, and one above it.
  const cfgs = [MINHASH_DEFAULTS, { ...MINHASH_DEFAULTS, permutations: 7, bands: 7 }, { ...MINHASH_DEFAULTS, permutations: 260, bands: 20, seed: 5 }, { ...MINHASH_DEFAULTS, shingle: 1, permutations: 1, bands: 1 }];
  const before = addon.addon.isa();
  try {
    for (const isa of ["generic", "avx2", "avx512"] as NativeIsa[]) {
      if (!addon.addon.setIsa(isa)) continue; // the CPU lacks it
      for (const cfg of cfgs) {
        const ref = new MinHasher(cfg, null);
        const nat: MinHasher = new MinHasher(cfg, kernel);
        for (let k = 0; k < 60; k++) {
          // Lengths 0 (no shingles), 1..4 (one shingle shorter than n) and up to 3,000 units; full 32-bit values,
          // so the unsigned comparisons at the top of the range are exercised.
          const len = k < 10 ? k : rng.int(3000);
          const units = new Uint32Array(len);
          for (let i = 0; i < len; i++) units[i] = rng.nextU32();
          const a = ref.signature(units);
          const b: Uint32Array | null = nat.signature(units);
          if (a === null) {
            assert.equal(b, null);
            continue;
          }
          assert.ok(b !== null);
          assert.deepEqual(Array.from(b), Array.from(a), `isa ${isa}, P=${cfg.permutations}, ${len} units`);
        }
      }
    }
  } finally {
    addon.addon.setIsa(before);
  }
  // Hand-computed case: one shingle x and salt 0 gives fmix32(x); fmix32(0) = 0.
  const out = new Uint32Array(2);
  kernel(new Uint32Array([0, 0]), new Uint32Array([0, 0]), out);
  assert.deepEqual(Array.from(out), [0, 0]);
  assert.equal(shingleHashes(new Uint32Array(0), 5).length, 0);
});

test("native MinHash rejects wrong arguments with a named field instead of reading past an array", { skip: !addon.ok }, () => {
  const kernel = nativeMinHashKernel();
  assert.ok(kernel !== null);
  assert.throws(() => kernel(new Uint32Array(3), new Uint32Array(8), new Uint32Array(4)), /field 'out' has 4 elements/);
  assert.throws(() => kernel(new Int32Array(3) as unknown as Uint32Array, new Uint32Array(2), new Uint32Array(2)), /field 'shingles' must be a Uint32Array/);
});
