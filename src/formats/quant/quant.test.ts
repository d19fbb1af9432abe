// Dequantizers vs the sha256 fingerprints of ggml's own to_float (../shared/reference/quant/*.dequant.json),
// and the Q8_0/Q4_0/F16/BF16 quantizers vs llama-quantize's bytes for the same F32 source tensors.
// Not here: GGUF parsing tests (gguf/read.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sharedOrSkip } from "../../util/paths.js";
import { readGguf, tensorBytes } from "../gguf/read.js";
import { GgmlType } from "../gguf/ggml-types.js";
import { dequantize, quantize } from "./index.js";
import { dequantizeQ4_0, quantizeQ4_0 } from "./q4_0.js";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.js";

interface TensorRef {
  name: string;
  ggml_type: string;
  n_elements: number;
  sha256_dequant_f32le: string;
  sha256_raw: string;
  first16: number[];
  sum: number;
}

const sha = (b: Uint8Array | Float32Array): string =>
  createHash("sha256").update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest("hex");

test("dequantization is bit-identical to ggml's to_float on every tensor of every fixture", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (quantDir === null) return;
  const seen = new Map<string, number>();
  for (const file of readdirSync(quantDir).filter((x) => x.endsWith(".gguf"))) {
    const ref = JSON.parse(readFileSync(join(quantDir, `${file}.dequant.json`), "utf8")) as { tensors: TensorRef[] };
    const f = readGguf(join(quantDir, file));
    for (const r of ref.tensors) {
      const ti = f.tensors.find((x) => x.name === r.name)!;
      const y = dequantize(ti.type, tensorBytes(f, ti), ti.nElements);
      assert.deepEqual(Array.from(y.subarray(0, 16)), r.first16, `${file} ${r.name} first16`);
      assert.equal(sha(y), r.sha256_dequant_f32le, `${file} ${r.name} (${r.ggml_type})`);
      seen.set(r.ggml_type, (seen.get(r.ggml_type) ?? 0) + 1);
    }
  }
  // Every type the fixtures hold was checked (so a missing fixture cannot make this vacuous).
  for (const ty of ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"]) assert.ok((seen.get(ty) ?? 0) > 0, ty);
  assert.equal([...seen.values()].reduce((a, b) => a + b, 0), 204);
});

test("quantizing tiny-random-llama-f32 reproduces llama-quantize's F16, BF16, Q8_0 and Q4_0 bytes", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (quantDir === null) return;
  const src = readGguf(join(quantDir, "tiny-random-llama-f32.gguf"));
  const targets: [string, number][] = [
    ["tiny-random-llama-f16.gguf", GgmlType.F16],
    ["tiny-random-llama-bf16.gguf", GgmlType.BF16],
    ["tiny-random-llama-q8_0.gguf", GgmlType.Q8_0],
    ["tiny-random-llama-q4_0.gguf", GgmlType.Q4_0],
  ];
  for (const [file, type] of targets) {
    const dst = readGguf(join(quantDir, file));
    let compared = 0;
    for (const ti of dst.tensors) {
      if (ti.type !== type) continue; // norms stay F32
      const s = src.tensors.find((x) => x.name === ti.name)!;
      const x = dequantize(s.type, tensorBytes(src, s), s.nElements);
      const q = quantize(type, x);
      assert.equal(sha(q), sha(tensorBytes(dst, ti)), `${file} ${ti.name}`);
      compared++;
    }
    assert.equal(compared, 9, file);
  }
});

test("stories260K: Q8_0/Q4_0 re-quantization matches llama-quantize", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  const f32Path = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (quantDir === null || f32Path === null) return;
  const src = readGguf(f32Path);
  for (const [file, type] of [["stories260K-Q8_0.gguf", GgmlType.Q8_0], ["stories260K-Q4_0.gguf", GgmlType.Q4_0]] as const) {
    const dst = readGguf(join(quantDir, file));
    let compared = 0;
    for (const ti of dst.tensors.filter((x) => x.type === type)) {
      const s = src.tensors.find((x) => x.name === ti.name)!;
      const q = quantize(type, dequantize(s.type, tensorBytes(src, s), s.nElements));
      assert.equal(sha(q), sha(tensorBytes(dst, ti)), `${file} ${ti.name}`);
      compared++;
    }
    assert.equal(compared, 32);
  }
});

test("Q8_0/Q4_0 edge cases: zero blocks, ties, extremes, error bound", () => {
  // All-zero block: d = 0, every quant 0, dequantizes to +0.
  const z = new Float32Array(32);
  assert.deepEqual(Array.from(dequantizeQ8_0(quantizeQ8_0(z), 32)), Array.from(z));
  // Q4_0: d = 0/−8 = −0 in C too, so the block dequantizes to −0 (=== 0).
  assert.ok(dequantizeQ4_0(quantizeQ4_0(z), 32).every((v) => v === 0));
  // Q8_0: the max-magnitude element maps to ±127 exactly; 0.5 steps round away from zero.
  const x = new Float32Array(32);
  x[0] = 127;
  x[1] = -63.5;
  x[2] = 63.5;
  x[3] = -127;
  const q8 = quantizeQ8_0(x);
  assert.deepEqual(Array.from(new Int8Array(q8.buffer, 2, 4)), [127, -64, 64, -127]);
  // Q4_0: the extreme value maps to quant 0 (= −8·d), and the scale sign follows it.
  const y = new Float32Array(32);
  y[5] = 3;
  y[6] = -1.5;
  const q4 = quantizeQ4_0(y);
  assert.equal(q4[2 + 5] & 0xf, 0);
  const back = dequantizeQ4_0(q4, 32);
  assert.equal(back[5], 3);
  // Error bound: |x − deq(q(x))| ≤ d/2 for Q8_0 (plus f16 rounding of d), ≤ d for Q4_0's asymmetric range.
  const r = new Float32Array(64).map((_, i) => Math.sin(i * 1.7) * (i + 1));
  const d8 = dequantizeQ8_0(quantizeQ8_0(r), 64);
  const d4 = dequantizeQ4_0(quantizeQ4_0(r), 64);
  for (let b = 0; b < 2; b++) {
    const amax = Math.max(...Array.from(r.subarray(b * 32, b * 32 + 32), Math.abs));
    for (let j = b * 32; j < b * 32 + 32; j++) {
      assert.ok(Math.abs(r[j] - d8[j]) <= (amax / 127) * 0.51 + amax * 1e-3, `q8 ${j}`);
      assert.ok(Math.abs(r[j] - d4[j]) <= (amax / 8) * 1.01, `q4 ${j}`);
    }
  }
});
