// Fused scaled-dot-product attention with grouped-query heads and its gradient rule (FlashAttention style:
// the forward saves only out and the log-sum-exp per query), with optional document masks for packed examples.
// Not here: projections, RoPE, the KV cache.

import type { I32 } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { gradSlots, graphOf } from "./kit.js";
import { shapeStr } from "./shape.js";

export interface AttentionOptions {
  /** Query t (absolute position S − T + t) sees keys 0 … S − T + t. */
  readonly causal: boolean;
  /** Score scale, default 1/√D. */
  readonly scale?: number;
  /** Use only the first kvLength time steps of k and v (a KV cache of larger capacity, no copy). */
  readonly kvLength?: number;
  /** Sliding window: query at p sees only keys j > p − window (0 = none). */
  readonly window?: number;
  /** Scores s ↦ softcap·tanh(s/softcap) before the softmax (0 = none; Gemma 2). */
  readonly softcap?: number;
  /** Document masking of packed examples: Int32 ids (B, S) with S = kvLength (row b = segments[b·S, (b + 1)·S));
   *  a query at p sees key j only if their ids are equal. null or absent = off. Not differentiated (ids are data). */
  readonly segments?: I32 | null;
}

/** softmax(q·kᵀ·scale [+ causal mask]) · v. q (B, T, H, D); k, v (B, S, Hkv, D), H a multiple of Hkv
 *  (query head h reads kv head ⌊h·Hkv/H⌋). Returns (B, T, H, D). */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const g = graphOf("attention", q, k, v);
  const bad = (why: string): ShapeError =>
    new ShapeError(`attention: q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)}, v ${shapeStr(v.shape)}: ${why}`);
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4) throw bad("expected q (B, T, H, D), k and v (B, S, Hkv, D)");
  const [b, t, h, d] = q.shape;
  const [kb, cap, hKv, kd] = k.shape;
  if (kb !== b || kd !== d) throw bad("batch or head dim differ");
  if (v.shape[0] !== kb || v.shape[1] !== cap || v.shape[2] !== hKv || v.shape[3] !== kd) throw bad("k and v differ");
  if (hKv === 0 || h % hKv !== 0) throw bad(`H = ${h} is not a multiple of Hkv = ${hKv}`);
  const s = options.kvLength ?? cap;
  if (!Number.isInteger(s) || s < 0 || s > cap) throw bad(`kvLength ${s} outside [0, ${cap}]`);
  if (options.causal && t > s) throw bad(`causal attention needs T ≤ S (T = ${t}, S = ${s})`);
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const causal = options.causal;
  const window = options.window ?? 0, softcap = options.softcap ?? 0;
  const segments = options.segments ?? null;
  if (segments !== null) {
    if (!(segments instanceof Int32Array) || segments.length < b * s) throw bad(`segments must be an Int32Array of at least B·S = ${b * s} ids`);
    if (t > s) throw bad(`segments need T ≤ S (T = ${t}, S = ${s})`);
  }
  const kvBatchStride = cap * hKv * d;
  const rec = g.needsGrad(q, k, v);
  const lse = rec ? g.saved(b * h * t) : g.tmp(b * h * t); // (B, H, T)
  const out = g.empty(q.shape);
  g.backend.attention({ q: q.data, k: k.data, v: v.data, b, t, s, h, hKv, d, kvBatchStride, causal, scale, out: out.data, lse, window, softcap, segments });
  if (!rec) {
    g.free(lse);
    return out;
  }
  g.record(out, (dOut) => {
    const { bufs, finish } = gradSlots(g, [q, k, v]);
    const [dq, dk, dv] = bufs;
    g.backend.attentionBackward({ dOut, q: q.data, k: k.data, v: v.data, out: out.data, lse, b, t, s, h, hKv, d, kvBatchStride, causal, scale, dq, dk, dv, window, softcap, segments });
    finish();
  });
  return out;
}
