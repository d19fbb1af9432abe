// Q4_0 blocks (ggml block_q4_0: f16 scale d, then 16 bytes of 4-bit quants; element j < 16 in the low
// nibble of byte j, element j + 16 in its high nibble): the reference quantizer, bit-exact with ggml's
// quantize_row_q4_0_ref. Not here: the dequantizer (engine/quant-blocks.ts), dot products, llama.cpp's repacking.
import { f32ToF16 } from "../../engine/dtype.js";
import { Q4_0_BYTES, QK4_0 } from "../../engine/quant-blocks.js";

export { dequantizeQ4_0, Q4_0_BYTES, QK4_0 } from "../../engine/quant-blocks.js";

const fr = Math.fround;

/** x (n floats, n a multiple of 32) → n/32 blocks. d = max/−8 where max is the value of largest magnitude
 *  (the first one, on ties), id = 1/d, q = min(15, trunc(x·id + 8.5)); all in f32. */
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  const nb = x.length / QK4_0;
  const out = new Uint8Array(nb * Q4_0_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    const base = i * QK4_0;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK4_0; j++) {
      const v = x[base + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d !== 0 ? fr(1 / d) : 0;
    dv.setUint16(i * Q4_0_BYTES, f32ToF16(d), true);
    for (let j = 0; j < QK4_0 / 2; j++) {
      const x0 = fr(x[base + j] * id);
      const x1 = fr(x[base + QK4_0 / 2 + j] * id);
      // (int8_t)(x + 8.5f): truncation toward zero of an f32 sum; MIN(15, ...).
      const q0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
      out[i * Q4_0_BYTES + 2 + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
    }
  }
  return out;
}
