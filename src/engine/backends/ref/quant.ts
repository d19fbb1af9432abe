// Reference quantMatmul: each weight row dequantized exactly (ggml's values, quant-blocks.ts), then dotted with
// the f32 activations in double and rounded once. Not here: block layouts (../../quant-blocks.ts) or any speed.

import type { QuantMatmulArgs } from "../../ops.js";
import { QUANT_MATMUL_BLOCKS, quantRowBytes } from "../../quant-blocks.js";

/** out[i, r] = Σ_j x[i, j] · W[r, j], W[r, :] the dequantized row r. */
export function quantMatmul(a: QuantMatmulArgs): void {
  const { n, k, nOut, x, out } = a;
  const rowBytes = quantRowBytes(a.type, k);
  const deq = QUANT_MATMUL_BLOCKS[a.type].dequantize;
  const row = new Float32Array(k);
  for (let r = 0; r < nOut; r++) {
    deq(a.w.subarray(r * rowBytes, (r + 1) * rowBytes), k, row);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const xo = i * k;
      for (let j = 0; j < k; j++) s += x[xo + j] * row[j];
      out[i * nOut + r] = s;
    }
  }
}
