// Q4_K super-blocks (ggml block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins for the 8 sub-blocks of 32,
// 128 bytes of 4-bit quants; dequantized x = d·sc_j·q − dmin·m_j): the reference quantizer, bit-exact with ggml's
// quantize_row_q4_K_ref (what llama-quantize writes for Q4_K without an importance matrix). Every operation is done
// in f32 as ggml does (Math.fround after each one), so the search for each sub-block's scale and min
// (make_qkx2_quants: 21 candidate scales around nmax/(max − min), least squares weighted by av_x + |x|) takes the
// same path. Not here: the dequantizer (engine/quant-blocks.ts), dot products, importance matrices.
import { f16ToF32, f32ToF16 } from "../../engine/dtype.js";
import { Q4_K_BYTES, QK_K } from "../../engine/quant-blocks.js";

const fr = Math.fround;

/** ggml's nearest_int: round to nearest, ties to even, through f32 (|f| ≤ 2^22). */
const nearestInt = (f: number): number => fr(f + 12582912) - 12582912;

/** make_qkx2_quants (use_mad false) over x[o .. o + n): fills L[lo .. lo + n) with 0..nmax and returns [scale, min]. */
function makeQkx2(n: number, nmax: number, x: Float32Array, o: number, weights: Float32Array, L: Uint8Array, lo: number, laux: Uint8Array, rmin: number, rdelta: number, nstep: number): [number, number] {
  let min = x[o]!, max = x[o]!;
  let sumW = weights[0]!;
  let sumX = fr(sumW * x[o]!);
  for (let i = 1; i < n; i++) {
    const xi = x[o + i]!;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i]!;
    sumW = fr(sumW + w);
    sumX = fr(sumX + fr(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    return [0, -min];
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(fr(iscale * fr(x[o + i]! - min)));
    L[lo + i] = Math.max(0, Math.min(nmax, l));
    const diff = fr(fr(fr(scale * L[lo + i]!) + min) - x[o + i]!);
    bestError = fr(bestError + fr(weights[i]! * fr(diff * diff)));
  }
  if (nstep < 1) return [scale, -min];
  for (let is = 0; is <= nstep; is++) {
    // max − min again each time: a better candidate moves min (as in ggml), and the next candidates follow it
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[o + i]! - min)))));
      laux[i] = l;
      const wl = fr(weights[i]! * l);
      sumL = fr(sumL + wl);
      sumL2 = fr(sumL2 + fr(wl * l));
      sumXL = fr(sumXL + fr(wl * x[o + i]!));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        const diff = fr(fr(fr(thisScale * laux[i]!) + thisMin) - x[o + i]!);
        curError = fr(curError + fr(weights[i]! * fr(diff * diff)));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = laux[i]!;
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/** Sub-block j's 6-bit scale and min from a block's 12 scale bytes (ggml's get_scale_min_k4). */
function scaleMin(s: Uint8Array, o: number, j: number): [number, number] {
  return j < 4 ? [s[o + j]! & 63, s[o + j + 4]! & 63] : [(s[o + j + 4]! & 0xf) | ((s[o + j - 4]! >> 6) << 4), (s[o + j + 4]! >> 4) | ((s[o + j]! >> 6) << 4)];
}

/** x (n floats, n a multiple of 256) → n/256 Q4_K blocks of 144 bytes, as quantize_row_q4_K_ref writes them. */
export function quantizeQ4K(x: Float32Array): Uint8Array {
  const nb = x.length / QK_K;
  const out = new Uint8Array(nb * Q4_K_BYTES);
  const dv = new DataView(out.buffer);
  const L = new Uint8Array(QK_K), laux = new Uint8Array(32), weights = new Float32Array(32);
  const scales = new Float32Array(8), mins = new Float32Array(8);
  for (let i = 0; i < nb; i++) {
    const xb = i * QK_K, ob = i * Q4_K_BYTES, so = ob + 4;
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const o = xb + 32 * j;
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(x[o + l]! * x[o + l]!));
      const avX = fr(Math.sqrt(fr(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = fr(avX + Math.abs(x[o + l]!));
      const [scale, min] = makeQkx2(32, 15, x, o, weights, L, 32 * j, laux, -1, fr(0.1), 20);
      scales[j] = scale;
      mins[j] = min;
      if (scale > maxScale) maxScale = scale;
      if (min > maxMin) maxMin = min;
    }
    const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(fr(invScale * scales[j]!)) & 0xff);
      const lm = Math.min(63, nearestInt(fr(invMin * mins[j]!)) & 0xff);
      if (j < 4) {
        out[so + j] = ls;
        out[so + j + 4] = lm;
      } else {
        out[so + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        out[so + j - 4]! |= (ls >> 4) << 6;
        out[so + j]! |= (lm >> 4) << 6;
      }
    }
    const dBits = f32ToF16(fr(maxScale / 63)), dminBits = f32ToF16(fr(maxMin / 63));
    dv.setUint16(ob, dBits, true);
    dv.setUint16(ob + 2, dminBits, true);
    const d16 = f16ToF32(dBits), dmin16 = f16ToF32(dminBits);
    for (let j = 0; j < 8; j++) {
      const [sc, m] = scaleMin(out, so, j);
      const d = fr(d16 * sc);
      if (d === 0) continue; // this sub-block keeps make_qkx2's quants
      const dm = fr(dmin16 * m);
      for (let ii = 0; ii < 32; ii++) L[32 * j + ii] = Math.max(0, Math.min(15, nearestInt(fr(fr(x[xb + 32 * j + ii]! + dm) / d))));
    }
    for (let j = 0, q = ob + 16; j < QK_K; j += 64, q += 32) for (let l = 0; l < 32; l++) out[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
  }
  return out;
}
