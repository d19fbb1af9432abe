// Reference scaled-dot-product attention with grouped-query heads, causal offset, KV batch stride, sliding window,
// soft-capped scores, document masks (segment ids) and per-row key counts and KV slots (batched decoding), forward and
// backward. It materializes one query's row of scores at a time: the spec, not the fast path.
// Not here: tiling/online softmax (native/), KV-cache management (infer/).

import type { AttentionArgs, AttentionBackwardArgs } from "../../ops.js";

/** Shared index arithmetic of forward and backward. */
interface Layout {
  readonly t: number;
  readonly s: number;
  readonly h: number;
  readonly hKv: number;
  readonly d: number;
  readonly kvBatchStride: number;
  readonly causal: boolean;
  readonly window?: number;
  readonly softcap?: number;
  readonly segments?: Int32Array | null;
  readonly seqLens?: Int32Array | null;
  readonly kvRows?: Int32Array | null;
}
/** Offset of q/out[b, t, h, :]. */
const qOff = (L: Layout, bi: number, ti: number, hi: number): number => ((bi * L.t + ti) * L.h + hi) * L.d;
/** Offset of k/v[b, j, kv head of query head h, :]: query head h reads kv head ⌊h·Hkv/H⌋; row b lives in slot
 *  kvRows[b] (batched decoding over a pooled cache), else slot b. */
const kvOff = (L: Layout, bi: number, j: number, hi: number): number =>
  (L.kvRows ? L.kvRows[bi] : bi) * L.kvBatchStride + (j * L.hKv + Math.floor((hi * L.hKv) / L.h)) * L.d;
/** Keys that row b holds: seqLens[b] (sequences of different lengths in one call), else S. */
const rowLen = (L: Layout, bi: number): number => (L.seqLens ? L.seqLens[bi] : L.s);
/** The keys that query t of batch row b sees, ascending. It sits at absolute position p = S − T + t; causal: keys
 *  j ≤ p; window > 0: keys j > p − window (HF modeling_gemma2.py masks p − j ≥ window; llama.cpp's is_masked_swa
 *  likewise); segments: keys j with segments[b·S + j] === segments[b·S + p] (document masking of packed examples). */
function visible(L: Layout, bi: number, ti: number): number[] {
  const S = rowLen(L, bi), p = S - L.t + ti;
  const window = L.window ?? 0;
  const lo = window > 0 ? Math.max(0, p - window + 1) : 0;
  const hi = L.causal ? p + 1 : S;
  const seg = L.segments ?? null;
  const keys: number[] = [];
  for (let j = lo; j < hi; j++) if (seg === null || seg[bi * L.s + j] === seg[bi * L.s + p]) keys.push(j);
  return keys;
}

/** One query's scores against its visible keys (row[n] for key keys[n]), in double: s = scale·q·k, soft-capped to
 *  cap·tanh(s/cap) when softcap > 0 (Gemma 2; HF applies it before the mask). raw keeps the uncapped s. */
function scores(L: Layout, q: Float32Array, k: Float32Array, scale: number, bi: number, ti: number, hi: number): { keys: number[]; row: Float64Array; raw: Float64Array } {
  const keys = visible(L, bi, ti);
  const cap = L.softcap ?? 0;
  const raw = new Float64Array(keys.length);
  const row = new Float64Array(raw.length);
  const qo = qOff(L, bi, ti, hi);
  for (let j = 0; j < raw.length; j++) {
    const ko = kvOff(L, bi, keys[j], hi);
    let dot = 0;
    for (let c = 0; c < L.d; c++) dot += q[qo + c] * k[ko + c];
    raw[j] = dot * scale;
    row[j] = cap > 0 ? cap * Math.tanh(raw[j] / cap) : raw[j];
  }
  return { keys, row, raw };
}

/** out[b,t,h] = Σ_j softmax_j(s_j) v_j over visible keys; lse[b,h,t] = log Σ_j exp(s_j), s_j the (capped) score. */
export function attention(args: AttentionArgs): void {
  const { q, k, v, b, t, h, d, scale, out, lse } = args;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      for (let ti = 0; ti < t; ti++) {
        const { keys, row } = scores(args, q, k, scale, bi, ti, hi);
        let mx = -Infinity;
        for (const x of row) mx = Math.max(mx, x);
        let sum = 0;
        for (let j = 0; j < row.length; j++) {
          row[j] = Math.exp(row[j] - mx);
          sum += row[j];
        }
        const acc = new Float64Array(d);
        for (let j = 0; j < row.length; j++) {
          const vo = kvOff(args, bi, keys[j], hi);
          const p = row[j] / sum;
          for (let c = 0; c < d; c++) acc[c] += p * v[vo + c];
        }
        const oo = qOff(args, bi, ti, hi);
        for (let c = 0; c < d; c++) out[oo + c] = acc[c];
        lse[(bi * h + hi) * t + ti] = mx + Math.log(sum);
      }
    }
  }
}

/** With p_j = exp(s_j − lse) (s_j the capped score) and Δ = dOut·out (the saved forward output):
 *  ds_j = p_j (dOut·v_j − Δ) · c′_j, c′_j = 1 − tanh²(raw_j/cap) with softcap, else 1;
 *  dq += scale Σ_j ds_j k_j; dk_j += scale ds_j q; dv_j += p_j dOut.
 *  dk, dv have k's and v's layout (kvBatchStride); kv heads shared by several query heads get their sum. */
export function attentionBackward(args: AttentionBackwardArgs): void {
  const { dOut, q, k, v, out, lse, b, t, h, d, scale, dq, dk, dv } = args;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      for (let ti = 0; ti < t; ti++) {
        const { keys, row, raw } = scores(args, q, k, scale, bi, ti, hi);
        const cap = args.softcap ?? 0;
        const L = lse[(bi * h + hi) * t + ti];
        const qo = qOff(args, bi, ti, hi);
        let delta = 0;
        for (let c = 0; c < d; c++) delta += dOut[qo + c] * out[qo + c];
        const dqAcc = new Float64Array(d);
        for (let j = 0; j < row.length; j++) {
          const ko = kvOff(args, bi, keys[j], hi);
          const p = Math.exp(row[j] - L);
          let dp = 0;
          for (let c = 0; c < d; c++) dp += dOut[qo + c] * v[ko + c];
          const th = cap > 0 ? Math.tanh(raw[j] / cap) : 0;
          const ds = p * (dp - delta) * (1 - th * th);
          for (let c = 0; c < d; c++) {
            dqAcc[c] += scale * ds * k[ko + c];
            dk[ko + c] += scale * ds * q[qo + c];
            dv[ko + c] += p * dOut[qo + c];
          }
        }
        for (let c = 0; c < d; c++) dq[qo + c] += dqAcc[c];
      }
    }
  }
}
