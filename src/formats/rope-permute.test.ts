// Q/K row permutation: round trip, and the property that makes it right: rotate-half RoPE on HF-ordered
// projections equals adjacent-pair RoPE on the permuted ones (rows mapped back). Not here: model loading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../util/rng.js";
import { ShapeError } from "../util/errors.js";
import { permuteQkRows } from "./rope-permute.js";

/** q (H·D) rotated at position pos; adjacent pairs (2i, 2i+1) or halves (i, i + D/2), theta_i = base^(−2i/D). */
function rope(q: Float64Array, H: number, pos: number, mode: "adjacent" | "halves"): Float64Array {
  const D = q.length / H;
  const out = new Float64Array(q.length);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < D / 2; i++) {
      const a = pos * Math.pow(10000, (-2 * i) / D);
      const [p0, p1] = mode === "adjacent" ? [h * D + 2 * i, h * D + 2 * i + 1] : [h * D + i, h * D + i + D / 2];
      out[p0] = q[p0]! * Math.cos(a) - q[p1]! * Math.sin(a);
      out[p1] = q[p0]! * Math.sin(a) + q[p1]! * Math.cos(a);
    }
  }
  return out;
}

function matvec(w: Float32Array, x: Float32Array, rows: number): Float64Array {
  const C = x.length;
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) y[r] += w[r * C + c]! * x[c]!;
  return y;
}

test("hf → gguf → hf is the identity, and a known small case maps as llama.cpp's permute does", () => {
  const rng = new Rng(7);
  const w = new Float32Array(4 * 8 * 3).map(() => rng.normal());
  const g = permuteQkRows(w, 3, 4, "hf-to-gguf");
  assert.notDeepEqual(g, w);
  assert.deepEqual(permuteQkRows(g, 3, 4, "gguf-to-hf"), w);
  // One head, D = 4, rows labelled by index: numpy reshape(1, 2, 2).swapaxes(1, 2) gives rows [0, 2, 1, 3].
  const r = permuteQkRows(new Float32Array([0, 1, 2, 3]), 1, 1, "hf-to-gguf");
  assert.deepEqual(Array.from(r), [0, 2, 1, 3]);
  assert.throws(() => permuteQkRows(new Float32Array(6), 1, 2, "hf-to-gguf"), ShapeError);
});

test("rotate-half RoPE on HF rows = adjacent-pair RoPE on permuted rows", () => {
  const rng = new Rng(3);
  const H = 3, D = 8, C = 5;
  const wHf = new Float32Array(H * D * C).map(() => rng.normal());
  const wGg = permuteQkRows(wHf, C, H, "hf-to-gguf");
  for (const pos of [0, 1, 7, 100]) {
    const x = new Float32Array(C).map(() => rng.normal());
    const hf = rope(matvec(wHf, x, H * D), H, pos, "halves");
    const gg = rope(matvec(wGg, x, H * D), H, pos, "adjacent");
    // Map GGUF rows back to HF order and compare; attention scores q·k are then equal too.
    const back = permuteQkRows(new Float32Array(gg), 1, H, "gguf-to-hf");
    for (let k = 0; k < H * D; k++) assert.ok(Math.abs(back[k]! - hf[k]!) < 1e-5, `pos ${pos} row ${k}`);
    // With the wrong (unpermuted) weights the adjacent rotation gives other numbers (the trap).
    const wrong = rope(matvec(wHf, x, H * D), H, pos, "adjacent");
    if (pos > 0) assert.ok(wrong.some((v, k) => Math.abs(v - hf[k]!) > 1e-3));
  }
});
