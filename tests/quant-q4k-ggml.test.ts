// kotodama's Q4_K quantizer (src/formats/quant/q4_k.ts) against ggml's own quantize_row_q4_K_ref, called through
// Python's ctypes from the libggml-base.so that node-llama-cpp ships prebuilt (the llama.cpp this project tests
// against): the same bytes for random rows and for the blocks where the scale search takes its side paths (all
// zeros, constants, all positive so min is clamped to 0, one spike, tiny and large magnitudes, f16-subnormal
// scales). Skipped when the library or python3 is absent; under KOTODAMA_REQUIRE_LLAMACPP=1 (.ci/run) it fails
// instead. Not here: the end-to-end file check against llama-quantize (src/formats/convert.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { quantizeQ4K } from "../src/formats/quant/q4_k.js";
import { Rng } from "../src/util/rng.js";

const root = fileURLToPath(new URL("../..", import.meta.url)); // dist/tests → the package root
const lib = join(root, "node_modules", "@node-llama-cpp", `${process.platform}-${process.arch}`, "bins", `${process.platform}-${process.arch}`, "libggml-base.so");

const PY = `
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
f = lib.quantize_row_q4_K_ref
f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
src = open(sys.argv[2], "rb").read()
n = len(src) // 4
x = ctypes.create_string_buffer(src, len(src))
y = ctypes.create_string_buffer(n // 256 * 144)
f(x, y, n)
open(sys.argv[3], "wb").write(y.raw)
`;

function ggmlQ4K(x: Float32Array, dir: string): Uint8Array | string {
  writeFileSync(join(dir, "x.f32"), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const r = spawnSync("python3", ["-c", PY, lib, join(dir, "x.f32"), join(dir, "y.q4k")], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) return `python3 ctypes call failed: ${r.error?.message ?? r.stderr}`;
  return new Uint8Array(readFileSync(join(dir, "y.q4k")));
}

test("Q4_K quantizer: ggml's quantize_row_q4_K_ref bytes, random rows and edge blocks", (t) => {
  if (!existsSync(lib)) {
    if (process.env.KOTODAMA_REQUIRE_LLAMACPP === "1") throw new Error(`${lib} is absent (KOTODAMA_REQUIRE_LLAMACPP=1)`);
    t.skip(`${lib} is absent (node-llama-cpp's prebuilt llama.cpp for this platform)`);
    return;
  }
  const rng = new Rng(7);
  const blocks: Float32Array[] = [];
  for (let b = 0; b < 24; b++) blocks.push(Float32Array.from({ length: 256 }, () => rng.normal() * (b % 3 === 0 ? 0.02 : 1)));
  blocks.push(new Float32Array(256)); // all zero
  blocks.push(new Float32Array(256).fill(0.5)); // constant
  blocks.push(new Float32Array(256).fill(-3)); // constant, negative
  blocks.push(Float32Array.from({ length: 256 }, () => 1 + rng.next())); // all positive: min clamped to 0
  blocks.push(Float32Array.from({ length: 256 }, (_, i) => (i === 77 ? 40 : rng.normal() * 0.01))); // one spike
  blocks.push(Float32Array.from({ length: 256 }, () => rng.normal() * 1e-7)); // f16-subnormal scales
  blocks.push(Float32Array.from({ length: 256 }, () => rng.normal() * 3e3)); // large
  blocks.push(Float32Array.from({ length: 256 }, (_, i) => (i < 128 ? 0 : rng.normal()))); // zero sub-blocks
  const x = new Float32Array(blocks.length * 256);
  blocks.forEach((b, i) => x.set(b, i * 256));
  const dir = mkdtempSync(join(tmpdir(), "kd-q4k-"));
  try {
    const want = ggmlQ4K(x, dir);
    if (typeof want === "string") {
      if (process.env.KOTODAMA_REQUIRE_LLAMACPP === "1") throw new Error(`${want} (KOTODAMA_REQUIRE_LLAMACPP=1)`);
      t.skip(want);
      return;
    }
    const mine = quantizeQ4K(x);
    assert.equal(mine.length, want.length);
    for (let b = 0; b < blocks.length; b++) {
      const ours: number[] = Array.from(mine.subarray(b * 144, (b + 1) * 144));
      const theirs: number[] = Array.from(want.subarray(b * 144, (b + 1) * 144));
      assert.deepEqual(ours, theirs, `block ${b}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
