// The per-head row permutation of Q/K projection weights between Hugging Face's rotate-half (NeoX) RoPE
// order and the adjacent-pair order GGUF `llama` (and llama2.c, Meta's original checkpoints) use.
// Not here: RoPE itself (nn/), deciding which tensors are Q/K (models/).
//
// Within one head of D rows, HF row j·D/2 + i (j ∈ {0, 1}, i < D/2) is GGUF row 2i + j: HF keeps the two
// halves of each rotated pair D/2 apart, GGUF keeps them adjacent. This is llama.cpp convert_hf_to_gguf.py's
// `permute` (reshape (H, 2, D/2, …) → swapaxes(1, 2)) and transformers' convert_llama_weights_to_hf.py
// `permute` in reverse. For K pass the number of KV heads.
import { ShapeError } from "../util/errors.js";

export type RopeRowOrder = "hf-to-gguf" | "gguf-to-hf";

type Rows = Float32Array | Uint16Array | Uint8Array;

/** A new array with the rows of `w` ((nHead·D) rows of `rowLength` elements, row-major) permuted per head.
 *  Works on f32 values, f16/bf16 bits, or quantized row bytes (rowLength = bytes per row). */
export function permuteQkRows<T extends Rows>(w: T, rowLength: number, nHead: number, direction: RopeRowOrder): T {
  const rows = w.length / rowLength;
  if (!Number.isInteger(rows) || rows % nHead !== 0 || (rows / nHead) % 2 !== 0) {
    throw new ShapeError(`permuteQkRows: ${w.length} elements in rows of ${rowLength} do not split into ${nHead} heads of an even head dim`);
  }
  const D = rows / nHead;
  const half = D / 2;
  const out = new (w.constructor as new (n: number) => T)(w.length);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const hf = h * D + j * half + i;
        const gg = h * D + 2 * i + j;
        const [from, to] = direction === "hf-to-gguf" ? [hf, gg] : [gg, hf];
        out.set(w.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}
