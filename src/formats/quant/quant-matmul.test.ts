// quantMatmul on llama-quantize's own Q8_0 / Q4_0 / Q4_K / Q6_K tensors (tiny-random-llama fixtures): ref and native
// with activations "f32" equal a double-precision product with the bit-exact dequantized weights. Not here: random blocks
// (engine conformance) or whole-model decoding (infer/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadBackend, nativeStatus } from "../../engine/backend.js";
import type { Backend, QuantType } from "../../engine/ops.js";
import { Rng } from "../../util/rng.js";
import { sharedOrSkip } from "../../util/paths.js";
import { readGguf, tensorBytes } from "../gguf/read.js";
import { dequantize } from "./index.js";

const FILES: [string, QuantType, number][] = [
  ["tiny-random-llama-q8_0.gguf", "q8_0", 8],
  ["tiny-random-llama-q4_0.gguf", "q4_0", 2],
  ["tiny-random-llama-q4_k-pure.gguf", "q4_k", 12],
  ["tiny-random-llama-q6_k-pure.gguf", "q6_k", 14],
];

test("quantMatmul on real llama-quantize tensors = x · dequant(W)ᵀ (ref and native)", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (quantDir === null) return;
  const backends: Backend[] = [loadBackend({ kind: "ref" })];
  if (nativeStatus().available) backends.push(loadBackend({ kind: "native", threads: 2 }));
  const rng = new Rng(3);
  let checked = 0;
  for (const [file, type, id] of FILES) {
    const f = readGguf(join(quantDir, file));
    for (const ti of f.tensors.filter((x) => x.type === id)) {
      const [k, nOut] = [ti.dims[0]!, ti.dims[1]!];
      const raw = tensorBytes(f, ti);
      const w = dequantize(ti.type, raw, ti.nElements); // bit-exact with ggml's to_float (quant.test.ts)
      const n = 3;
      const x = rng.fillUniform(new Float32Array(n * k), -2, 2);
      const want = new Float64Array(n * nOut);
      let scale = 0;
      for (let i = 0; i < n; i++) {
        for (let r = 0; r < nOut; r++) {
          let s = 0;
          for (let j = 0; j < k; j++) s += x[i * k + j]! * w[r * k + j]!;
          want[i * nOut + r] = s;
          scale = Math.max(scale, Math.abs(s));
        }
      }
      for (const be of backends) {
        const out = new Float32Array(n * nOut);
        be.quantMatmul({ type, x, w: raw, n, k, nOut, out, activations: "f32" });
        for (let i = 0; i < out.length; i++) {
          assert.ok(Math.abs(out[i]! - want[i]!) <= 2e-5 * scale, `${be.name} ${file} ${ti.name}[${i}]: ${out[i]} vs ${want[i]}`);
        }
      }
      checked++;
    }
  }
  assert.equal(checked, 36, "9 quantized tensors in each of the 4 files");
});
