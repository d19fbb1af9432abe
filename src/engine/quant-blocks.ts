// ggml's quantized block layouts (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K) and their dequantizers, bit-exact with ggml's
// dequantize_row_* (llama.cpp c392e509, ggml-quants.c): f32 arithmetic in ggml's order, no FMA. Not here:
// quantizers (formats/quant/), the quantMatmul kernels (backends/ref/quant.ts, native/generic/quant.c).
//
// Layouts (bytes; f16 little-endian):
//   Q8_0 (34 per 32):  d f16 | qs[32] int8                                   w = d·q
//   Q4_0 (18 per 32):  d f16 | qs[16] (element j low nibble, j+16 high)       w = d·(q − 8)
//   Q4_K (144 per 256): d f16 | dmin f16 | scales[12] (8 × 6-bit scale + 8 × 6-bit min, packed) | qs[128]
//                      sub-block s of 32: w = (d·sc_s)·q − dmin·m_s; qs byte l of 64-group g holds element
//                      64g + l (low nibble) and 64g + 32 + l (high nibble)
//   Q5_K (176 per 256): d | dmin | scales[12] | qh[32] (5th bits) | qs[128]
//   Q6_K (210 per 256): ql[128] (low 4 bits) | qh[64] (high 2 bits) | scales[16] int8 | d f16
import { f16ToF32 } from "./dtype.js";

export const QK8_0 = 32;
export const Q8_0_BYTES = 34;
export const QK4_0 = 32;
export const Q4_0_BYTES = 18;
export const QK_K = 256;
export const Q4_K_BYTES = 144;
export const Q5_K_BYTES = 176;
export const Q6_K_BYTES = 210;

const fr = Math.fround;

/** Q8_0 blocks → n floats: y = d·q in f32. */
export function dequantizeQ8_0(b: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / QK8_0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < nb; i++) {
    const o = i * Q8_0_BYTES;
    const d = f16ToF32(dv.getUint16(o, true));
    for (let j = 0; j < QK8_0; j++) out[i * QK8_0 + j] = fr(dv.getInt8(o + 2 + j) * d);
  }
  return out;
}

/** Q4_0 blocks → n floats: y = (q − 8)·d in f32. */
export function dequantizeQ4_0(b: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / QK4_0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < nb; i++) {
    const o = i * Q4_0_BYTES;
    const d = f16ToF32(dv.getUint16(o, true));
    for (let j = 0; j < QK4_0 / 2; j++) {
      const q = b[o + 2 + j];
      out[i * QK4_0 + j] = fr(((q & 0xf) - 8) * d);
      out[i * QK4_0 + j + 16] = fr(((q >> 4) - 8) * d);
    }
  }
  return out;
}

/** ggml's get_scale_min_k4: the j-th (0..7) 6-bit scale and min from the 12 packed bytes at s[o..o+12). */
export function scaleMinK4(j: number, s: Uint8Array, o: number): [number, number] {
  if (j < 4) return [s[o + j] & 63, s[o + j + 4] & 63];
  return [(s[o + j + 4] & 0xf) | ((s[o + j - 4] >> 6) << 4), (s[o + j + 4] >> 4) | ((s[o + j] >> 6) << 4)];
}

/** Q4_K / Q5_K share the scale scheme: y = (d·sc)·q − (dmin·m) for each 32-weight sub-block. */
function dequantizeQ45K(b: Uint8Array, n: number, out: Float32Array, five: boolean): Float32Array {
  const bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n / QK_K; i++) {
    const o = i * bytes;
    const d = f16ToF32(dv.getUint16(o, true));
    const min = f16ToF32(dv.getUint16(o + 2, true));
    const sc = o + 4; // 12 bytes of scales
    const qh = o + 16; // Q5_K only: 32 bytes of high bits
    let q = five ? o + 48 : o + 16;
    let y = i * QK_K;
    let u1 = 1;
    let u2 = 2;
    for (let j = 0, is = 0; j < QK_K; j += 64, is += 2) {
      const [s1, m1i] = scaleMinK4(is, b, sc);
      const [s2, m2i] = scaleMinK4(is + 1, b, sc);
      const d1 = fr(d * s1), m1 = fr(min * m1i);
      const d2 = fr(d * s2), m2 = fr(min * m2i);
      for (let l = 0; l < 32; l++) {
        const hi = five && (b[qh + l] & u1) !== 0 ? 16 : 0;
        out[y++] = fr(fr(d1 * ((b[q + l] & 0xf) + hi)) - m1);
      }
      for (let l = 0; l < 32; l++) {
        const hi = five && (b[qh + l] & u2) !== 0 ? 16 : 0;
        out[y++] = fr(fr(d2 * ((b[q + l] >> 4) + hi)) - m2);
      }
      q += 32;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
  return out;
}

export function dequantizeQ4K(b: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  return dequantizeQ45K(b, n, out, false);
}

export function dequantizeQ5K(b: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  return dequantizeQ45K(b, n, out, true);
}

/** Q6_K: 6-bit quants q ∈ [−32, 31] with 16 int8 scales per 256: y = (d·sc)·q. */
export function dequantizeQ6K(b: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n / QK_K; i++) {
    const o = i * Q6_K_BYTES;
    const d = f16ToF32(dv.getUint16(o + 208, true));
    let ql = o;
    let qh = o + 128;
    let sc = o + 192;
    let y = i * QK_K;
    for (let half = 0; half < 2; half++) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = b[qh + l];
        const q1 = ((b[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = fr(fr(d * dv.getInt8(sc + is)) * q1);
        out[y + l + 32] = fr(fr(d * dv.getInt8(sc + is + 2)) * q2);
        out[y + l + 64] = fr(fr(d * dv.getInt8(sc + is + 4)) * q3);
        out[y + l + 96] = fr(fr(d * dv.getInt8(sc + is + 6)) * q4);
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
  return out;
}

/** The block types quantMatmul reads, with their block geometry. */
export const QUANT_MATMUL_BLOCKS = {
  q8_0: { blockSize: QK8_0, blockBytes: Q8_0_BYTES, dequantize: dequantizeQ8_0 },
  q4_0: { blockSize: QK4_0, blockBytes: Q4_0_BYTES, dequantize: dequantizeQ4_0 },
  q4_k: { blockSize: QK_K, blockBytes: Q4_K_BYTES, dequantize: dequantizeQ4K },
  q6_k: { blockSize: QK_K, blockBytes: Q6_K_BYTES, dequantize: dequantizeQ6K },
} as const;

/** Bytes of one stored row of k weights of a quantMatmul type (k a multiple of its block size). */
export const quantRowBytes = (type: keyof typeof QUANT_MATMUL_BLOCKS, k: number): number =>
  (k / QUANT_MATMUL_BLOCKS[type].blockSize) * QUANT_MATMUL_BLOCKS[type].blockBytes;
