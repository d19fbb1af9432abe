// llama2.c checkpoint reader vs llama.cpp's GGUF conversion of the same model (stories260K): every tensor
// equal bit for bit under the name/shape mapping below, plus header checks. Not here: tokenizer.bin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedOrSkip } from "../../util/paths.js";
import { FormatError } from "../../util/errors.js";
import { readGguf, tensorBytes } from "../gguf/read.js";
import { llama2cTensorData, readLlama2c } from "./read.js";

/** llama2.c field → GGUF llama tensor name (llama.cpp's convert-llama2c-to-ggml). */
function ggufName(name: string): string {
  const top: Record<string, string> = { token_embedding_table: "token_embd.weight", rms_final_weight: "output_norm.weight", wcls: "output.weight" };
  if (name in top) return top[name]!;
  const m = /^layers\.(\d+)\.(\w+)$/.exec(name)!;
  const f: Record<string, string> = {
    rms_att_weight: "attn_norm", wq: "attn_q", wk: "attn_k", wv: "attn_v", wo: "attn_output",
    rms_ffn_weight: "ffn_norm", w1: "ffn_gate", w2: "ffn_down", w3: "ffn_up",
  };
  return `blk.${m[1]}.${f[m[2]!]}.weight`;
}

test("stories260K.bin equals stories260K.gguf tensor for tensor (no Q/K permutation, shapes reversed)", (t) => {
  const bin = sharedOrSkip(t, "reference", "stories260K", "stories260K.bin");
  const gg = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (bin === null || gg === null) return;
  const f = readLlama2c(bin);
  assert.deepEqual(f.config, { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true, version: 0 });
  assert.equal(f.tensors.length, 1 + 5 * 9 + 1);
  const g = readGguf(gg);
  for (const ti of f.tensors) {
    const gt = g.tensors.find((x) => x.name === ggufName(ti.name))!;
    assert.ok(gt !== undefined, ti.name);
    assert.deepEqual([...gt.dims].reverse(), ti.shape, ti.name);
    assert.deepEqual(llama2cTensorData(f, ti), new Float32Array(tensorBytes(g, gt).slice().buffer), ti.name);
  }
  // The GGUF's output.weight is an explicit copy of the shared embedding.
  const out = g.tensors.find((x) => x.name === "output.weight")!;
  assert.deepEqual(llama2cTensorData(f, f.tensors[0]!), new Float32Array(tensorBytes(g, out).slice().buffer));
});

test("bad checkpoints are refused with the reason", () => {
  const cfg = (v: number[], extra = 0): Uint8Array => new Uint8Array(new Int32Array([...v, ...new Array<number>(extra).fill(0)]).buffer);
  assert.throws(() => readLlama2c(new Uint8Array(10), { name: "a.bin" }), /a\.bin: truncated/);
  assert.throws(() => readLlama2c(cfg([0, 4, 1, 1, 1, 4, 4]), { name: "a.bin" }), /dim is 0/);
  assert.throws(() => readLlama2c(cfg([4, 4, 1, 3, 1, 4, 4]), { name: "a.bin" }), /not a multiple of n_heads/);
  assert.throws(() => readLlama2c(cfg([4, 4, 1, 1, 1, 4, 4], 3), { name: "a.bin" }), (e: unknown) => e instanceof FormatError && /implies \d+ bytes, the file has 40/.test(e.message));
  assert.throws(() => readLlama2c(cfg([0x616b3432, 2, 4, 4, 1, 1, 1, 4, 4], 60)), /version 2 is not supported/);
  // A minimal valid legacy file: dim 2, hidden 2, 1 layer, 1 head, vocab −3 (untied), seq_len 2.
  const C = 2, F = 2, V = 3, S = 2;
  const nFloats = V * C + C + 4 * C * C + C + 3 * C * F + C + S * C + V * C;
  const b = new Uint8Array(28 + 4 * nFloats);
  new Int32Array(b.buffer, 0, 7).set([C, F, 1, 1, 1, -V, S]);
  new Float32Array(b.buffer, 28).forEach((_, i, a) => (a[i] = i));
  const f = readLlama2c(b);
  assert.equal(f.config.sharedClassifier, false);
  const wcls = f.tensors.find((x) => x.name === "wcls")!;
  assert.deepEqual(Array.from(llama2cTensorData(f, wcls)), [nFloats - 6, nFloats - 5, nFloats - 4, nFloats - 3, nFloats - 2, nFloats - 1]);
});
