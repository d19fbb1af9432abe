// Activation rows quantized the way llama.cpp's x86 CPU backend quantizes them before a quantized dot product:
// Q8_0 (for Q8_0 / Q4_0 weights) and Q8_K (for the K-quants). Not here: the dot products (backends/ref/quant.ts,
// native/generic/quant_q8.c) or weight formats (quant-blocks.ts, formats/quant/).
//
// Sources (llama.cpp, ggml/src): ggml-cpu/arch/x86/quants.c quantize_row_q8_0 — the AVX2 path, which every x86
// build with AVX2 runs — and ggml-quants.c quantize_row_q8_K_ref, which x86 quantize_row_q8_K calls.
// The Q8_0 AVX2 path differs from ggml's scalar quantize_row_q8_0_ref (the one formats/quant/q8_0.ts copies for
// weights) in two ways: it multiplies by 127/amax rather than by 1/d, and it rounds half to even
// (_mm256_round_ps(_MM_ROUND_NEAREST)) rather than half away from zero (roundf). Both can change a quant by one.
import { f16ToF32, f32ToF16 } from "./dtype.js";

export const QK8_0 = 32;
export const QK_K = 256;

const fr = Math.fround;

/** A row of k activations as int8 quants q (k), one f32 scale d per block (the f16-rounded value for Q8_0,
 *  ggml's f32 d for Q8_K; x ≈ d·q) and, for Q8_K, bsums: the sum of each 16 consecutive quants (k/16). */
export interface Q8Row {
  readonly q: Int8Array;
  readonly d: Float32Array;
  readonly bsums: Int32Array;
}

/** Round to nearest, ties to even: x86 _mm256_round_ps(_MM_ROUND_NEAREST) and ggml's nearest_int (the
 *  1.5·2^23 trick) on the values they see (|v| ≤ 2^22). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +∞
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** Q8_0 blocks of 32 (k a multiple of 32), as x86 quantize_row_q8_0: amax = max|x|, d = f16(amax/127),
 *  id = 127/amax (0 when amax = 0), q = roundHalfEven(x·id) saturated to int8 (packs_epi32/epi16). All f32. */
export function quantizeRowQ8_0(x: Float32Array): Q8Row {
  const k = x.length;
  const q = new Int8Array(k);
  const d = new Float32Array(k / QK8_0);
  for (let b = 0; b < k / QK8_0; b++) {
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(x[b * QK8_0 + j]!));
    d[b] = f16ToF32(f32ToF16(fr(amax / 127)));
    const id = amax !== 0 ? fr(127 / amax) : 0;
    for (let j = 0; j < QK8_0; j++) {
      const v = roundHalfEven(fr(x[b * QK8_0 + j]! * id));
      q[b * QK8_0 + j] = Math.max(-128, Math.min(127, v));
    }
  }
  return { q, d, bsums: new Int32Array(0) };
}

/** Q8_K blocks of 256 (k a multiple of 256), as ggml's quantize_row_q8_K_ref: max = the first x of largest |x|,
 *  iscale = −127/max, q = min(127, nearest_int(iscale·x)), d = 1/iscale (f32), bsums over each 16. An all-zero
 *  block gets d = 0 and q = 0 (ggml leaves its bsums unset; they only ever meet d = 0). */
export function quantizeRowQ8_K(x: Float32Array): Q8Row {
  const k = x.length;
  const q = new Int8Array(k);
  const d = new Float32Array(k / QK_K);
  const bsums = new Int32Array(k / 16);
  for (let b = 0; b < k / QK_K; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK_K; j++) {
      const ax = Math.abs(x[b * QK_K + j]!);
      if (ax > amax) {
        amax = ax;
        max = x[b * QK_K + j]!;
      }
    }
    if (amax === 0) continue; // d, q and bsums stay 0
    const iscale = fr(-127 / max);
    for (let j = 0; j < QK_K; j++) q[b * QK_K + j] = Math.min(127, roundHalfEven(fr(iscale * x[b * QK_K + j]!)));
    for (let g = 0; g < QK_K / 16; g++) {
      let s = 0;
      for (let j = 0; j < 16; j++) s += q[b * QK_K + g * 16 + j]!;
      bsums[b * 16 + g] = s;
    }
    d[b] = fr(1 / iscale);
  }
  return { q, d, bsums };
}
