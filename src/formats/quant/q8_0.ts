// Q8_0 blocks (ggml block_q8_0: f16 scale d, then 32 int8 quants; 34 bytes per 32 weights): the reference
// quantizer, bit-exact with ggml's quantize_row_q8_0_ref (the dequantizer lives in engine/quant-blocks.ts).
// Not here: quantized dot products (native kernels) or activation quantization (llama.cpp's vec_dot path).
import { f32ToF16 } from "../../engine/dtype.js";
import { Q8_0_BYTES, QK8_0 } from "../../engine/quant-blocks.js";

export { dequantizeQ8_0, Q8_0_BYTES, QK8_0 } from "../../engine/quant-blocks.js";

const fr = Math.fround;

/** x (n floats, n a multiple of 32) → n/32 blocks. All arithmetic in f32, in ggml's order:
 *  d = amax/127, id = 1/d, q = roundf(x·id) (ties away from zero). */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  const nb = x.length / QK8_0;
  const out = new Uint8Array(nb * Q8_0_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(x[i * QK8_0 + j]));
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    dv.setUint16(i * Q8_0_BYTES, f32ToF16(d), true);
    for (let j = 0; j < QK8_0; j++) {
      const v = fr(x[i * QK8_0 + j] * id);
      // C roundf: half away from zero.
      const q = v < 0 ? -Math.round(-v) : Math.round(v);
      dv.setInt8(i * Q8_0_BYTES + 2 + j, q);
    }
  }
  return out;
}
