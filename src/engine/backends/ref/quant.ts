// Reference quantMatmul, both activation modes. "f32": each weight row dequantized exactly (ggml's values,
// quant-blocks.ts), dotted with the f32 activations in double and rounded once. "q8": each activation row
// quantized as llama.cpp does (../../quant-activations.ts), then per block an exact integer dot product scaled by
// the f32 product d_w·d_x, as ggml's vec_dot_*; blocks summed in double, rounded once. quantMatmulT (dY·W, the
// backward of a frozen quantized weight): each row dequantized exactly, sums over Nout in double, rounded once.
// Not here: block layouts (../../quant-blocks.ts) or any speed.

import type { QuantMatmulArgs, QuantMatmulTArgs, QuantType } from "../../ops.js";
import { quantizeRowQ8_0, quantizeRowQ8_K, type Q8Row } from "../../quant-activations.js";
import { Q4_0_BYTES, Q4_K_BYTES, Q6_K_BYTES, Q8_0_BYTES, QUANT_MATMUL_BLOCKS, quantRowBytes, scaleMinK4 } from "../../quant-blocks.js";
import { f16ToF32 } from "../../dtype.js";

const fr = Math.fround;
const f16At = (w: Uint8Array, o: number): number => f16ToF32(w[o]! | (w[o + 1]! << 8));
const i8 = (v: number): number => (v << 24) >> 24;

/** ggml_vec_dot_q8_0_q8_0: Σ_b (d_w·d_x)·Σ_j q_w·q_x. */
function dotQ8_0(w: Uint8Array, y: Q8Row, k: number): number {
  let s = 0;
  for (let b = 0; b < k / 32; b++) {
    const o = b * Q8_0_BYTES;
    let isum = 0;
    for (let j = 0; j < 32; j++) isum += i8(w[o + 2 + j]!) * y.q[b * 32 + j]!;
    s += fr(f16At(w, o) * y.d[b]!) * isum;
  }
  return s;
}

/** ggml_vec_dot_q4_0_q8_0: Σ_b (d_w·d_x)·Σ_j (q_w − 8)·q_x; byte j holds element j (low) and j + 16 (high). */
function dotQ4_0(w: Uint8Array, y: Q8Row, k: number): number {
  let s = 0;
  for (let b = 0; b < k / 32; b++) {
    const o = b * Q4_0_BYTES;
    let isum = 0;
    for (let j = 0; j < 16; j++) {
      const v = w[o + 2 + j]!;
      isum += ((v & 15) - 8) * y.q[b * 32 + j]! + ((v >> 4) - 8) * y.q[b * 32 + j + 16]!;
    }
    s += fr(f16At(w, o) * y.d[b]!) * isum;
  }
  return s;
}

/** ggml_vec_dot_q4_K_q8_K, per super-block: (d_x·d)·Σ_s sc_s·Σ_{j∈s} q·q_x − (d_x·dmin)·Σ_s m_s·(bsums of s);
 *  the mins term uses Q8_K's bsums, as ggml does, which equals Σ_s m_s·Σ_{j∈s} q_x exactly. */
function dotQ4K(w: Uint8Array, y: Q8Row, k: number): number {
  let s = 0;
  for (let b = 0; b < k / 256; b++) {
    const o = b * Q4_K_BYTES;
    let isum = 0;
    let msum = 0;
    for (let sb = 0; sb < 8; sb++) {
      const [sc, m] = scaleMinK4(sb, w, o + 4);
      const g = sb >> 1;
      const shift = (sb & 1) * 4;
      let dot = 0;
      for (let l = 0; l < 32; l++) dot += ((w[o + 16 + 32 * g + l]! >> shift) & 15) * y.q[b * 256 + 32 * sb + l]!;
      isum += sc * dot;
      msum += m * (y.bsums[b * 16 + 2 * sb]! + y.bsums[b * 16 + 2 * sb + 1]!);
    }
    s += fr(y.d[b]! * f16At(w, o)) * isum - fr(y.d[b]! * f16At(w, o + 2)) * msum;
  }
  return s;
}

/** ggml_vec_dot_q6_K_q8_K, per super-block: (d_x·d)·Σ_g sc_g·Σ_{j∈g} (q − 32)·q_x over the 16 groups of 16. */
function dotQ6K(w: Uint8Array, y: Q8Row, k: number): number {
  let s = 0;
  for (let b = 0; b < k / 256; b++) {
    const o = b * Q6_K_BYTES;
    let isum = 0;
    for (let h = 0; h < 2; h++) {
      const ql = o + 64 * h, qh = o + 128 + 32 * h, sc = o + 192 + 8 * h;
      for (let l = 0; l < 32; l++) {
        for (let quarter = 0; quarter < 4; quarter++) {
          const lo = (w[ql + l + 32 * (quarter & 1)]! >> (4 * (quarter >> 1))) & 15;
          const q = (lo | (((w[qh + l]! >> (2 * quarter)) & 3) << 4)) - 32;
          isum += i8(w[sc + (l >> 4) + 2 * quarter]!) * q * y.q[b * 256 + 128 * h + 32 * quarter + l]!;
        }
      }
    }
    s += fr(y.d[b]! * f16At(w, o + 208)) * isum;
  }
  return s;
}

const Q8_DOTS: { readonly [T in QuantType]: (w: Uint8Array, y: Q8Row, k: number) => number } = {
  q8_0: dotQ8_0,
  q4_0: dotQ4_0,
  q4_k: dotQ4K,
  q6_k: dotQ6K,
};

/** out[i, r] = Σ_j x[i, j] · W[r, j] in the requested activation mode ("q8" when absent). */
export function quantMatmul(a: QuantMatmulArgs): void {
  const { n, k, nOut, x, out } = a;
  const rowBytes = quantRowBytes(a.type, k);
  if ((a.activations ?? "q8") === "q8") {
    const quantize = a.type === "q4_k" || a.type === "q6_k" ? quantizeRowQ8_K : quantizeRowQ8_0;
    const rows = Array.from({ length: n }, (_, i) => quantize(x.subarray(i * k, (i + 1) * k)));
    const dot = Q8_DOTS[a.type];
    for (let r = 0; r < nOut; r++) {
      const w = a.w.subarray(r * rowBytes, (r + 1) * rowBytes);
      for (let i = 0; i < n; i++) out[i * nOut + r] = dot(w, rows[i]!, k);
    }
    return;
  }
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

/** out[i, j] = Σ_r dY[i, r] · W[r, j], W dequantized row by row (ggml's values), sums in double. */
export function quantMatmulT(a: QuantMatmulTArgs): void {
  const { n, k, nOut, dy } = a;
  const rowBytes = quantRowBytes(a.type, k);
  const deq = QUANT_MATMUL_BLOCKS[a.type].dequantize;
  const row = new Float32Array(k);
  const acc = new Float64Array(n * k);
  for (let r = 0; r < nOut; r++) {
    deq(a.w.subarray(r * rowBytes, (r + 1) * rowBytes), k, row);
    for (let i = 0; i < n; i++) {
      const g = dy[i * nOut + r];
      if (g === 0) continue;
      const o = i * k;
      for (let j = 0; j < k; j++) acc[o + j] += g * row[j];
    }
  }
  a.out.set(acc);
}
